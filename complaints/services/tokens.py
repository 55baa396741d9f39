"""Issuing and revoking integration API tokens."""

import secrets
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from complaints.errors import ApplicationError
from complaints.models import ApiToken, hash_token_secret

TOKEN_PREFIX = "cts"  # noqa: S105 - a public label, not a secret

# Scopes integrations ask for; endpoints declare which one they need.
KNOWN_SCOPES = frozenset(
    {
        "complaints:read",
        "complaints:write",
        "callbacks:read",
        "callbacks:write",
        "surveys:inbound",
        "reports:read",
        "workorders:write",
        "webhooks:manage",
    }
)


def issue_api_token(
    *,
    name: str,
    user: Any,
    scopes: list[str],
    created_by: Any = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return it with its raw value, which is never stored or shown again."""
    unknown = sorted(set(scopes) - KNOWN_SCOPES)
    if unknown:
        raise ApplicationError(
            f"Unknown scopes: {', '.join(unknown)}.",
            code="unknown_scope",
            details={"scopes": [f"Choose from: {', '.join(sorted(KNOWN_SCOPES))}."]},
        )
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
        )
    return token, raw


def revoke_api_token(token: ApiToken) -> ApiToken:
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
