"""Idempotency keys: a POST retried with the same ``Idempotency-Key`` runs once.

``claim_idempotency_key`` runs inside the transaction that also runs the request
(``complaints.api.idempotency.IdempotencyMiddleware``): the new row and the
request's writes commit together, response included, or neither does.
"""

import datetime as dt
import hashlib
import json
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from complaints.models import IdempotencyKey

# Keys deleted per statement by the purge: a day's keys of a busy centre in a few
# short transactions, none holding locks for long.
PURGE_BATCH_SIZE = 5000
# Response headers a replay repeats; the others are the outer middleware's to set.
REPLAYED_HEADERS = ("Content-Type", "Location", "ETag")


def key_lifetime() -> dt.timedelta:
    return dt.timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)


def request_fingerprint(*, method: str, path: str, body: Any) -> str:
    """SHA-256 over the method, the path and the body in canonical JSON.

    ``body`` is the parsed body (so that whitespace and key order do not matter)
    or, when it is not JSON, the raw bytes.
    """
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    if isinstance(body, bytes):
        digest.update(body)
    else:
        digest.update(
            json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
        )
    return digest.hexdigest()


def claim_idempotency_key(
    *, owner: str, key: str, method: str, path: str, fingerprint: str
) -> tuple[IdempotencyKey, bool]:
    """The stored key, or a new one (created=True) for this request to fill in.

    Must run inside the request's transaction. A concurrent request with the same
    key blocks on the unique index until this transaction ends, then sees the
    committed response (or, if this one failed, claims the key itself). An expired
    key is forgotten first, as if the purge had already removed it.
    """
    IdempotencyKey.objects.filter(
        owner=owner, key=key, created_at__lte=timezone.now() - key_lifetime()
    ).delete()
    return IdempotencyKey.objects.get_or_create(
        owner=owner,
        key=key,
        defaults={"method": method, "path": path, "fingerprint": fingerprint},
    )


def store_response(
    entry: IdempotencyKey, *, status_code: int, headers: dict[str, str], body: bytes
) -> IdempotencyKey:
    """Keep the response for the key's retries (in the request's transaction)."""
    entry.status_code = status_code
    entry.response_headers = {name: headers[name] for name in REPLAYED_HEADERS if name in headers}
    entry.response_body = body
    entry.save(update_fields=["status_code", "response_headers", "response_body"])
    return entry


def purge_expired_keys(*, now: dt.datetime | None = None) -> int:
    """Delete keys past their lifetime, in batches; returns how many went."""
    cutoff = (now or timezone.now()) - key_lifetime()
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(
                IdempotencyKey.objects.filter(created_at__lte=cutoff)
                .order_by("created_at")
                .values_list("pk", flat=True)[:PURGE_BATCH_SIZE]
            )
            if not ids:
                return deleted
            deleted += IdempotencyKey.objects.filter(pk__in=ids).delete()[0]
