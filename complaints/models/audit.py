"""The access audit trail: who saw or took a customer's personal data, and when."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.models.complaints import AppendOnlyModel
from complaints.models.customers import Customer


class AuditAction(models.TextChoices):
    VIEWED_CONTACT_DETAILS = "viewed_contact_details", _("Saw full contact details")
    EXPORTED_CUSTOMER_DATA = "exported_customer_data", _("Exported everything held on a customer")
    ANONYMISED_CUSTOMER = "anonymised_customer", _("Anonymised a customer")


class AuditEntry(AppendOnlyModel):
    """One access to personal data (PIPL/GDPR accountability).

    Append-only (``AppendOnlyModel`` and a database trigger), so neither the application,
    the admin nor a stray queryset can rewrite it. It holds ids, never the personal data.
    """

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # What was looked at: e.g. ("complaint", 42), ("callback", 7), ("sms_reply", 3).
    object_type = models.CharField(_("object"), max_length=40, blank=True)
    object_id = models.BigIntegerField(_("object id"), null=True, blank=True)
    # "page", "api" or "command", and the request path that did it.
    via = models.CharField(_("via"), max_length=10)
    path = models.CharField(_("path"), max_length=200, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [
            models.Index(fields=["customer", "created_at"], name="audit_customer_time_idx"),
            models.Index(fields=["actor", "created_at"], name="audit_actor_time_idx"),
            models.Index(fields=["created_at"], name="audit_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.actor_id} {self.action}"
