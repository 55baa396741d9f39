"""Stored first responses to POSTs that carried an ``Idempotency-Key``."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IdempotencyKey(models.Model):
    """The first successful answer to ``(owner, key)``, replayed to every retry for a while.

    The row is inserted in the same transaction as the request's own writes and
    committed with them, response included: a concurrent retry waits on the
    unique index until then, and a failed request leaves no row (nor anything
    else), so its key can be used again. ``fingerprint`` covers the method, the
    path and the body, so the same key with another request is told apart (422).
    """

    owner = models.CharField(_("owner"), max_length=40, help_text=_("token:<id> or user:<id>"))
    key = models.CharField(_("key"), max_length=255)
    method = models.CharField(_("method"), max_length=10)
    path = models.TextField(_("path"))
    fingerprint = models.CharField(_("request fingerprint"), max_length=64)
    status_code = models.PositiveSmallIntegerField(_("response status"), null=True)
    response_headers = models.JSONField(_("response headers"), default=dict)
    response_body = models.BinaryField(_("response body"), default=b"")
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["owner", "key"], name="idempotency_owner_key_unique")
        ]

    def __str__(self) -> str:
        return f"{self.owner} {self.key}"
