"""SLA policies, business calendars, in-app notifications and the message outbox."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from complaints.enums import CustomerTier, Priority

from .base import VersionedModel
from .complaints import Category, Complaint, WorkOrder


class SlaTarget(models.TextChoices):
    COMPLAINT = "complaint", _("Complaint")
    WORK_ORDER = "work_order", _("Work order")


class SlaPolicy(VersionedModel):
    """Targets for one priority (optionally one category or customer tier).

    The most specific active policy wins. A change applies to clocks started
    afterwards; a supervisor may recalculate open clocks explicitly.
    """

    applies_to = models.CharField(
        _("applies to"), max_length=20, choices=SlaTarget.choices, default=SlaTarget.COMPLAINT
    )
    priority = models.CharField(_("priority"), max_length=20, choices=Priority.choices, blank=True)
    category = models.ForeignKey(
        Category,
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sla_policies",
    )
    customer_tier = models.CharField(
        _("customer tier"), max_length=10, choices=CustomerTier.choices, blank=True
    )
    first_response_minutes = models.PositiveIntegerField(
        _("first response within (minutes)"), null=True, blank=True
    )
    resolution_minutes = models.PositiveIntegerField(_("resolution within (minutes)"))
    warn_percent = models.PositiveSmallIntegerField(
        _("warning threshold (percent elapsed)"), default=80
    )
    is_active = models.BooleanField(_("active"), default=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["applies_to", "priority", "category", "customer_tier"]
        verbose_name = _("SLA policy")
        verbose_name_plural = _("SLA policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(warn_percent__gte=1, warn_percent__lte=99), name="sla_warn_percent"
            ),
        ]

    def __str__(self) -> str:
        parts = [self.get_applies_to_display(), self.get_priority_display() or "*"]
        if self.category_id:
            parts.append(str(self.category))
        if self.customer_tier:
            parts.append(self.get_customer_tier_display())
        return " · ".join(str(part) for part in parts)

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        if self.applies_to == SlaTarget.WORK_ORDER and (
            self.priority or self.first_response_minutes
        ):
            raise ValidationError(
                _("A work-order policy has only a resolution target and no priority.")
            )
        if self.applies_to == SlaTarget.COMPLAINT and not self.priority:
            raise ValidationError({"priority": _("A complaint policy needs a priority.")})


class BusinessCalendar(models.Model):
    """Working hours per weekday plus holidays; due times then count working time only.

    ``weekly_hours`` maps ISO weekday numbers ("1" Monday … "7" Sunday) to a
    list of ["HH:MM", "HH:MM"] intervals in the calendar's time zone. Public
    holidays come from the ``holidays`` package for ``holiday_country`` (which
    knows China's make-up working days); ``extra_holidays`` and
    ``extra_workdays`` (ISO dates) adjust it by hand. Make-up working days use
    Monday's hours.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    time_zone = models.CharField(_("time zone"), max_length=64, default="Asia/Shanghai")
    weekly_hours = models.JSONField(_("weekly hours"), default=dict)
    holiday_country = models.CharField(
        _("public holidays of (country code)"), max_length=8, blank=True
    )
    holiday_subdivision = models.CharField(_("region"), max_length=16, blank=True)
    extra_holidays = models.JSONField(_("extra holidays"), default=list, blank=True)
    extra_workdays = models.JSONField(_("extra working days"), default=list, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("business calendar")
        verbose_name_plural = _("business calendars")

    def __str__(self) -> str:
        return self.name


class Notification(models.Model):
    """An in-app message for one user (SLA warnings, breaches, escalations)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    kind = models.CharField(_("kind"), max_length=40)
    message = models.CharField(_("message"), max_length=500)
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(_("at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="notification_unread_idx",
                condition=Q(read_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return self.message


class MessageChannel(models.TextChoices):
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")


class MessageState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class OutboundMessage(models.Model):
    """One SMS or email waiting to go, or gone: the outbox.

    Written in the same transaction as the change that causes it, so nothing
    is lost when the broker is down; a worker sends it (retrying) and a sweep
    picks up whatever a lost task left behind. ``dedupe_key`` makes queueing
    the same message twice a no-op.
    """

    channel = models.CharField(_("channel"), max_length=10, choices=MessageChannel.choices)
    recipient = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    state = models.CharField(
        _("state"), max_length=10, choices=MessageState.choices, default=MessageState.PENDING
    )
    not_before = models.DateTimeField(_("not before"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    dedupe_key = models.CharField(max_length=200, unique=True, null=True, blank=True)
    complaint = models.ForeignKey(
        Complaint, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        indexes = [
            models.Index(
                fields=["not_before"],
                name="outbox_pending_idx",
                condition=Q(state="pending"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} → {self.recipient}"
