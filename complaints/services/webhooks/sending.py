"""Sending webhook deliveries: signed, timed out, retried with backoff, logged.

One delivery per transaction, its row locked (``SKIP LOCKED``) while it is sent
and updated in the same commit, as the outbox does: concurrent workers share the
table, and a crash can repeat at most the request in flight (receivers dedupe by
``Webhook-Id``). Order per subscription is not guaranteed: a retried delivery
goes after younger ones.
"""

import datetime as dt
import hashlib
import hmac
import json
import logging
import random
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.enums import Role, WebhookState
from complaints.errors import ApplicationError
from complaints.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from complaints.services.notifications import notify_role
from complaints.services.webhooks.events import timestamp
from complaints.services.webhooks.subscriptions import default_port, resolve_target

logger = logging.getLogger(__name__)

# The brief's limits: a receiver gets 3 s to accept the connection and 10 s to answer.
TIMEOUT = urllib3.Timeout(connect=3, read=10)
# Deliveries per task run, and the time a run may take before it re-queues itself
# (well inside the task's 240 s soft limit, with one 13 s request in flight).
SEND_BATCH_SIZE = 100
SEND_BUDGET_SECONDS = 120
# The start of a receiver's answer kept per attempt, for administrators debugging it.
RESPONSE_LOG_CHARS = 1000
USER_AGENT = "ComplaintCentre-Webhooks/1"
SIGNATURE_VERSION = "v1"
# Deliveries deleted per statement by the daily purge.
PURGE_BATCH_SIZE = 5000


# --- Signing ------------------------------------------------------------------------------


def sign(secret: str, timestamp_seconds: int, body: bytes) -> str:
    """Hex HMAC-SHA256 of ``"{timestamp}.{body}"`` keyed with the secret as written."""
    message = f"{timestamp_seconds}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(
    subscription: WebhookSubscription, timestamp_seconds: int, body: bytes, *, now: dt.datetime
) -> str:
    """``v1=<hex>``, and a second ``v1=<hex>`` with the previous secret during a rotation."""
    signatures = [sign(subscription.secret, timestamp_seconds, body)]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and expires > now:
        signatures.append(sign(subscription.previous_secret, timestamp_seconds, body))
    return " ".join(f"{SIGNATURE_VERSION}={signature}" for signature in signatures)


def event_body(delivery: WebhookDelivery) -> bytes:
    """The JSON body: the envelope (id, type, created_at) around the frozen data."""
    envelope = {
        "id": str(delivery.event_id),
        "type": delivery.event_type,
        "created_at": timestamp(delivery.created_at),
        "data": delivery.payload,
    }
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":")).encode()


# --- One request --------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: int | None
    body: str
    error: str
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def post(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    """POST ``body`` once: no redirects, no retries here, to an address that passed the rule.

    The host is resolved and checked (``resolve_target``) and the connection goes
    to that very address, so a name that changes its answer between the check
    and the request (DNS rebinding) cannot reach a private address; HTTPS still
    verifies the certificate against the host name.
    """
    started = time.monotonic()

    def done(status: int | None = None, text: str = "", error: str = "") -> Outcome:
        elapsed = int((time.monotonic() - started) * 1000)
        return Outcome(status, text[:RESPONSE_LOG_CHARS], error[:500], elapsed)

    parts = urlsplit(url)
    port = parts.port or default_port(parts.scheme)
    try:
        address = resolve_target(parts.hostname, port)[0]
    except ApplicationError as error:
        return done(error=error.message)
    if parts.scheme == "https":
        pool = urllib3.HTTPSConnectionPool(
            address,
            port,
            timeout=TIMEOUT,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            server_hostname=parts.hostname,
            assert_hostname=parts.hostname,
        )
    else:
        pool = urllib3.HTTPConnectionPool(address, port, timeout=TIMEOUT, retries=False)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        with pool:
            response = pool.urlopen(
                "POST",
                target,
                body=body,
                headers={**headers, "Host": parts.netloc},
                redirect=False,
                assert_same_host=False,
                preload_content=False,
            )
            start_of_answer = response.read(RESPONSE_LOG_CHARS * 4)
            response.release_conn()
    except (urllib3.exceptions.HTTPError, OSError) as error:
        return done(error=_describe(error))
    return done(response.status, start_of_answer.decode("utf-8", "replace"))


def _describe(error: Exception) -> str:
    """A short line for the attempt log (urllib3's messages embed object reprs)."""
    exceptions = urllib3.exceptions
    if isinstance(error, exceptions.NewConnectionError):  # before its base, ConnectTimeoutError
        return f"Could not connect: {str(error).split(': ', 1)[-1]}"
    if isinstance(error, exceptions.ConnectTimeoutError):
        return "Connect timeout"
    if isinstance(error, exceptions.ReadTimeoutError):
        return "Read timeout"
    return f"{type(error).__name__}: {error}"


# --- The sender ---------------------------------------------------------------------------


def retry_delay(attempts: int) -> dt.timedelta:
    """1, 2, 4 … minutes after the n-th failed attempt, capped, plus up to 20 % jitter.

    The jitter spreads the retries of deliveries that failed together (a receiver
    that was down) instead of sending them back all at once.
    """
    minutes = min(2 ** (attempts - 1), settings.WEBHOOK_RETRY_MAX_MINUTES)
    return dt.timedelta(minutes=minutes) * random.uniform(1.0, 1.2)  # noqa: S311 - not security


def deliver_due_webhooks(
    *, limit: int = SEND_BATCH_SIZE, budget_seconds: float = SEND_BUDGET_SECONDS
) -> dict[str, int | bool]:
    """Send due deliveries of active subscriptions; safe to run in several workers at once.

    Once a subscription's delivery fails, its other deliveries wait for the next
    run, so one dead receiver (3 s per connection attempt) does not hold up the rest.
    """
    started = time.monotonic()
    sent = failed = 0
    failing: set[int] = set()
    for _position in range(limit):
        if time.monotonic() - started > budget_seconds:
            break
        with transaction.atomic():
            delivery = (
                WebhookDelivery.objects.select_for_update(skip_locked=True, of=("self",))
                .select_related("subscription")
                .filter(
                    state=WebhookState.PENDING,
                    next_attempt_at__lte=timezone.now(),
                    subscription__is_active=True,
                )
                .exclude(subscription_id__in=failing)
                .order_by("next_attempt_at", "id")
                .first()
            )
            if delivery is None:
                return {"sent": sent, "failed": failed, "more": False}
            if attempt_delivery(delivery):
                sent += 1
            else:
                failed += 1
                failing.add(delivery.subscription_id)
    return {"sent": sent, "failed": failed, "more": True}


def attempt_delivery(delivery: WebhookDelivery) -> bool:
    """One attempt of the locked ``delivery``: send, log, and schedule a retry or give up."""
    subscription = delivery.subscription
    now = timezone.now()
    body = event_body(delivery)
    stamp = int(now.timestamp())
    outcome = post(
        subscription.url,
        body,
        {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "Webhook-Id": str(delivery.event_id),
            "Webhook-Timestamp": str(stamp),
            "Webhook-Signature": signature_header(subscription, stamp, body, now=now),
        },
    )
    delivery.attempts += 1
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=delivery.attempts,
        started_at=now,
        duration_ms=outcome.duration_ms,
        status=outcome.status,
        response_body=outcome.body,
        error=outcome.error,
        succeeded=outcome.succeeded,
    )
    delivery.last_status = outcome.status
    delivery.last_error = outcome.error or ("" if outcome.succeeded else f"HTTP {outcome.status}")
    if outcome.succeeded:
        delivery.state = WebhookState.DELIVERED
        delivery.delivered_at = timezone.now()
        WebhookSubscription.objects.filter(pk=subscription.pk, consecutive_failures__gt=0).update(
            consecutive_failures=0
        )
    elif delivery.attempts >= settings.WEBHOOK_MAX_ATTEMPTS:
        delivery.state = WebhookState.FAILED
        _count_failed_delivery(subscription)
    else:
        delivery.next_attempt_at = now + retry_delay(delivery.attempts)
    delivery.save(
        update_fields=[
            "state",
            "attempts",
            "next_attempt_at",
            "last_status",
            "last_error",
            "delivered_at",
        ]
    )
    logger.info(
        "Webhook %s %s to subscription %s: attempt %s, %s",
        delivery.event_type,
        delivery.event_id,
        subscription.pk,
        delivery.attempts,
        outcome.status or outcome.error,
    )
    return outcome.succeeded


def _count_failed_delivery(subscription: WebhookSubscription) -> None:
    """A delivery gave up: after N in a row, disable the subscription and tell administrators."""
    locked = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    locked.consecutive_failures += 1
    fields = ["consecutive_failures", "updated_at"]
    limit = settings.WEBHOOK_DISABLE_AFTER_FAILURES
    if locked.is_active and locked.consecutive_failures >= limit:
        locked.is_active = False
        locked.disabled_at = timezone.now()
        locked.disabled_reason = _("%(count)s deliveries in a row failed.") % {
            "count": locked.consecutive_failures
        }
        fields += ["is_active", "disabled_at", "disabled_reason"]
        notify_role(
            Role.ADMINISTRATOR,
            kind="webhook_disabled",
            message=_(
                "Webhook subscription “%(name)s” was disabled: %(count)s deliveries in a row "
                "failed. Fix the receiver, then enable it again."
            )
            % {"name": locked.name, "count": locked.consecutive_failures},
        )
        logger.warning("Webhook subscription %s disabled after %s failures", locked.pk, limit)
    locked.save(update_fields=fields)


def purge_old_deliveries(*, now: dt.datetime | None = None) -> int:
    """Delete finished deliveries (and their attempts) older than the retention window.

    In batches, so that a first purge of a long-grown table holds no lock for long.
    """
    cutoff = (now or timezone.now()) - dt.timedelta(days=settings.WEBHOOK_RETENTION_DAYS)
    old = WebhookDelivery.objects.filter(created_at__lt=cutoff).exclude(state=WebhookState.PENDING)
    purged = 0
    while ids := list(old.values_list("pk", flat=True)[:PURGE_BATCH_SIZE]):
        with transaction.atomic():
            WebhookDelivery.objects.filter(pk__in=ids).delete()
        purged += len(ids)
    return purged
