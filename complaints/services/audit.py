"""Writing the access audit trail (``AuditEntry``): who saw or took personal data.

A page or API response that shows a customer's full contact details calls
``record_disclosure`` while it is built; ``AuditTrailMiddleware`` writes what the
request noted in one INSERT before the response leaves. If that write fails the
response is withheld (503): contact details are never shown without a record.
"""

from collections.abc import Callable
from typing import Any

from django.db import models

from complaints.models import AuditAction, AuditEntry, User
from complaints.phones import mask_phone

_NOTED = "_contact_disclosures"


def _http_request(request: Any) -> Any:
    """DRF wraps Django's request; the notes live on the one the middleware sees."""
    return getattr(request, "_request", request)


def _via(request: Any) -> str:
    return "api" if request.path.startswith("/api/") else "page"


def record_disclosure(
    request: Any, *, customer_id: int | None, about: models.Model | None = None
) -> None:
    """Note that this response shows ``customer_id``'s full contact details (``about`` an object).

    Noting the same customer and object twice in one request records it once.
    """
    http_request = _http_request(request)
    user = getattr(http_request, "user", None)
    if user is None or not user.is_authenticated:
        return
    object_type = about._meta.model_name if about is not None else ""
    object_id = about.pk if about is not None else None
    noted = http_request.__dict__.setdefault(_NOTED, {})
    noted[(customer_id, object_type, object_id)] = True


def reveal_or_mask(
    request: Any,
    value: str | None,
    *,
    full: bool,
    customer_id: int | None,
    about: models.Model | None = None,
    mask: Callable[[str | None], str] = mask_phone,
) -> str:
    """``value`` in full, recorded as a disclosure, when ``full``; masked otherwise.

    The one place pages and API serializers decide to show a phone or email: whoever
    may see it in full is also written into the audit trail for having seen it.
    """
    if not full:
        return mask(value)
    if value:
        record_disclosure(request, customer_id=customer_id, about=about)
    return value or ""


def write_disclosures(request: Any) -> int:
    """Store what the request noted; called by the middleware once the response is built."""
    noted = request.__dict__.pop(_NOTED, None)
    if not noted:
        return 0
    via, path = _via(request), request.path[:200]
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                actor_id=request.user.pk,
                action=AuditAction.VIEWED_CONTACT_DETAILS,
                customer_id=customer_id,
                object_type=object_type,
                object_id=object_id,
                via=via,
                path=path,
            )
            for customer_id, object_type, object_id in noted
        ]
    )
    return len(noted)


def record_access(
    actor: User | None,
    action: AuditAction,
    *,
    customer_id: int | None,
    via: str,
    path: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """One entry now, in the caller's transaction (an export or an anonymisation)."""
    return AuditEntry.objects.create(
        actor=actor,
        action=action,
        customer_id=customer_id,
        object_type="customer" if customer_id else "",
        object_id=customer_id,
        via=via,
        path=path[:200],
        detail=detail or {},
    )
