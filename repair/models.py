"""Call-loss callbacks ("every call returned") and damaged-customer repair cases."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models import Complaint, Customer
from repair.enums import (
    OPEN_CALLBACK_STATES,
    OPEN_REPAIR_STATES,
    CallbackSource,
    CallbackState,
    DamageType,
    RepairState,
)


class CallbackRequest(models.Model):
    """A booking to call a customer back, due within the hour outside quiet hours."""

    phone = models.CharField(_("phone"), max_length=20)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callback_requests",
    )
    source = models.CharField(_("source"), max_length=20, choices=CallbackSource.choices)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="callback_requests",
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"))
    state = models.CharField(
        _("state"), max_length=20, choices=CallbackState.choices, default=CallbackState.PENDING
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assignee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="callback_requests",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("callback request")
        verbose_name_plural = _("callback requests")
        indexes = [
            models.Index(
                fields=["due_at"],
                name="callback_open_due_idx",
                condition=Q(state__in=sorted(OPEN_CALLBACK_STATES)),
            ),
            models.Index(fields=["phone", "state"], name="callback_phone_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.phone} ({self.get_state_display()})"


class RepairCase(models.Model):
    """A damaged customer relationship to repair, owned by one person."""

    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="repair_cases"
    )
    damage_type = models.CharField(_("damage type"), max_length=30, choices=DamageType.choices)
    level = models.PositiveSmallIntegerField(_("damage level"), default=1)
    complaint = models.ForeignKey(
        Complaint,
        verbose_name=_("complaint"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="repair_cases",
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_cases",
    )
    state = models.CharField(
        _("state"), max_length=20, choices=RepairState.choices, default=RepairState.OPEN
    )
    due_at = models.DateTimeField(_("due at"))
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        verbose_name = _("repair case")
        verbose_name_plural = _("repair cases")
        indexes = [
            models.Index(
                fields=["owner", "due_at"],
                name="repair_open_owner_due_idx",
                condition=Q(state__in=sorted(OPEN_REPAIR_STATES)),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_damage_type_display()}: {self.customer}"
