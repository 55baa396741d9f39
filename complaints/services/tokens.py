"""Issuing and revoking integration API tokens."""

import logging
import secrets
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.errors import ApplicationError
from complaints.models import ApiToken, hash_token_secret
from complaints.models.tokens import validate_rate

logger = logging.getLogger(__name__)

TOKEN_PREFIX = "cts"  # noqa: S105 - a public label, not a secret

# Every scope an integration may ask for, with what it opens; endpoints declare
# which one each method needs (``required_scopes``). docs/api.md has the same list.
SCOPES: dict[str, Any] = {
    "complaints:read": gettext_lazy(
        "Read complaints, their timelines and attachments, customers, work orders, SLA "
        "policies, notifications, repair cases, strategies and key events."
    ),
    "complaints:write": gettext_lazy(
        "Register and work complaints (moves, notes, contacts, attachments, dispatching and "
        "cancelling work orders), customers, SLA policies, repair cases and key events; mark "
        "notifications read."
    ),
    "workorders:write": gettext_lazy("Answer work orders, for a department's own system."),
    "callbacks:read": gettext_lazy(
        "Read callback bookings, look up whether a caller has one, the callback report."
    ),
    "callbacks:write": gettext_lazy(
        "Book callbacks, log call attempts, take and cancel bookings, agent availability."
    ),
    "reports:read": gettext_lazy(
        "Read reports: survey results, responses, invitations and SMS replies, the callback "
        "report and repair metrics."
    ),
    "surveys:inbound": gettext_lazy(
        "Deliver SMS survey replies, for an SMS gateway that uses a token instead of signing."
    ),
    "webhooks:manage": gettext_lazy(
        "Manage webhook subscriptions (administrators' integrations), see and redeliver "
        "their deliveries."
    ),
}
KNOWN_SCOPES = frozenset(SCOPES)


def issue_api_token(
    *,
    name: str,
    user: Any,
    scopes: list[str],
    created_by: Any = None,
    expires_at: datetime | None = None,
    rate_limit: str = "",
) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is never stored or shown again.

    ``rate_limit`` (e.g. ``600/min``) overrides ``API_TOKEN_RATE`` for this token.
    """
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if unknown:
        raise ApplicationError(
            _("Unknown scopes: %(scopes)s.") % {"scopes": ", ".join(unknown)},
            code="unknown_scope",
            details={
                "scopes": [
                    _("Choose from: %(scopes)s.") % {"scopes": ", ".join(sorted(KNOWN_SCOPES))}
                ]
            },
        )
    rate_limit = (rate_limit or "").strip()
    try:
        validate_rate(rate_limit)
    except ValidationError as error:
        raise ApplicationError(
            error.messages[0], code="invalid_rate", details={"rate_limit": error.messages}
        ) from None
    if expires_at is not None and expires_at <= timezone.now():
        message = _("Choose an expiry in the future.")
        raise ApplicationError(message, code="invalid", details={"expires_at": [message]})
    prefix = secrets.token_hex(4)
    raw = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name,
            prefix=prefix,
            key_hash=hash_token_secret(raw),
            user=user,
            scopes=sorted(set(scopes)),
            created_by=created_by,
            expires_at=expires_at,
            rate_limit=rate_limit,
        )
    logger.info("API token %s (%s) issued by %s", token.prefix, token.name, created_by)
    return token, raw


def revoke_api_token(token: ApiToken, *, by: Any = None) -> ApiToken:
    """Revoke at once: the next request with the token gets 401. Revoking twice changes nothing."""
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update().get(pk=token.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            logger.info("API token %s (%s) revoked by %s", locked.prefix, locked.name, by)
    return locked
