"""Webhooks: integrations' subscriptions, and the delivery table that is their outbox."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.enums import WebhookState


class WebhookSubscription(models.Model):
    """An integration's endpoint and the events it wants, signed with its own secret.

    The secret is kept as issued because every delivery is signed with it; it is
    shown once (on creation or rotation) and never listed again. During a rotation
    the previous secret also signs, until ``previous_secret_expires_at``.
    """

    name = models.CharField(_("name"), max_length=100)
    url = models.URLField(_("URL"), max_length=500)
    events = models.JSONField(_("events"), default=list)
    include_contact_details = models.BooleanField(
        _("include contact details"),
        default=False,
        help_text=_("Off: customers' phone numbers are masked in the payloads."),
    )
    secret = models.CharField(max_length=100, editable=False)
    previous_secret = models.CharField(max_length=100, blank=True, editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    is_active = models.BooleanField(_("active"), default=True)
    consecutive_failures = models.PositiveIntegerField(
        _("failed deliveries in a row"), default=0, editable=False
    )
    disabled_at = models.DateTimeField(_("disabled at"), null=True, blank=True, editable=False)
    disabled_reason = models.CharField(_("why disabled"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name

    @property
    def secret_hint(self) -> str:
        """Enough of the secret to tell which one a receiver holds, not enough to sign."""
        return f"{self.secret[:10]}…"


class WebhookDelivery(models.Model):
    """One event for one subscription: written in the transaction of the change it reports.

    ``event_id`` is the payload's ``id`` and the ``Webhook-Id`` header; a redelivery
    repeats it, so receivers can use it as an idempotency key. ``payload`` is the
    event's ``data``, frozen when the event happened.
    """

    subscription = models.ForeignKey(
        WebhookSubscription,
        verbose_name=_("subscription"),
        on_delete=models.CASCADE,
        related_name="deliveries",
        db_index=False,  # webhook_subscription_idx leads with it
    )
    event_id = models.UUIDField(_("event id"), default=uuid.uuid4, db_index=True)
    event_type = models.CharField(_("event"), max_length=40)
    payload = models.JSONField(_("data"), default=dict)
    state = models.CharField(
        _("state"), max_length=10, choices=WebhookState.choices, default=WebhookState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    last_status = models.PositiveSmallIntegerField(_("last HTTP status"), null=True, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    redelivery_of = models.ForeignKey(
        "self",
        verbose_name=_("redelivery of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="redeliveries",
        db_index=False,  # the partial index below holds only redeliveries
    )
    # When the event happened (a redelivery keeps the original's): the payload's created_at.
    created_at = models.DateTimeField(_("event at"), default=timezone.now)

    class Meta:
        # Newest written first: a redelivery lists above the delivery it repeats.
        ordering = ["-id"]
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        # Few indexes: the SLA check inserts thousands of rows at once, and each index
        # costs every insert (docs/performance.md). The daily purge scans instead.
        indexes = [
            # The sender reads only pending rows that are due.
            models.Index(
                fields=["next_attempt_at"],
                name="webhook_pending_idx",
                condition=Q(state="pending"),
            ),
            models.Index(fields=["subscription", "-id"], name="webhook_subscription_idx"),
            models.Index(
                fields=["redelivery_of"],
                name="webhook_redelivery_idx",
                condition=Q(redelivery_of__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id}"


class WebhookAttempt(models.Model):
    """One HTTP request of a delivery, as administrators need it to debug a receiver."""

    delivery = models.ForeignKey(
        WebhookDelivery,
        verbose_name=_("delivery"),
        on_delete=models.CASCADE,
        related_name="attempt_log",
    )
    number = models.PositiveSmallIntegerField(_("attempt"))
    started_at = models.DateTimeField(_("at"))
    duration_ms = models.PositiveIntegerField(_("duration (ms)"))
    status = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    response_body = models.CharField(_("response (start)"), max_length=1000, blank=True)
    error = models.CharField(_("error"), max_length=500, blank=True)
    succeeded = models.BooleanField(_("succeeded"), default=False)

    class Meta:
        ordering = ["delivery", "number"]
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")

    def __str__(self) -> str:
        return f"{self.delivery_id} #{self.number}"
