"""The outbox: every SMS and email goes through here, with retries and quiet hours.

Queueing writes a row in the caller's transaction; sending happens in a
Celery task after commit, and a periodic sweep sends whatever a lost task
left behind, so a broker outage delays messages but loses none.
"""

import datetime as dt
import json
import logging
import urllib.request
from typing import Any, Protocol

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from complaints.models import Complaint, MessageChannel, MessageState, OutboundMessage
from complaints.services.bulk import insert_new
from complaints.services.queueing import enqueue_after_commit

logger = logging.getLogger(__name__)

# Messages sent per task run; the task re-queues itself while more are due.
SEND_BATCH_SIZE = 200
# After this many failed attempts a message is marked failed for an operator to see.
MAX_ATTEMPTS = 5


def quiet_hours_end(at: dt.datetime) -> dt.datetime:
    """``at`` itself outside quiet hours, else the moment they end (centre time)."""
    start = dt.time.fromisoformat(settings.QUIET_HOURS_START)
    end = dt.time.fromisoformat(settings.QUIET_HOURS_END)
    local = timezone.localtime(at)
    now_time = local.time()
    in_quiet = (now_time >= start or now_time < end) if start > end else start <= now_time < end
    if not in_quiet:
        return at
    day = local.date() if now_time < end else local.date() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, end), local.tzinfo)


def queue_message(
    *,
    channel: str,
    recipient: str,
    body: str,
    subject: str = "",
    complaint: Complaint | None = None,
    urgent: bool = False,
    dedupe_key: str | None = None,
    not_before: dt.datetime | None = None,
) -> OutboundMessage | None:
    """Put a message in the outbox; non-urgent ones wait for the end of quiet hours.

    Returns None when a message with the same ``dedupe_key`` was already queued.
    """
    when = not_before or timezone.now()
    if not urgent:
        when = quiet_hours_end(when)
    try:
        with transaction.atomic():
            message = OutboundMessage.objects.create(
                channel=MessageChannel(channel),
                recipient=recipient,
                subject=subject[:200],
                body=body,
                not_before=when,
                complaint=complaint,
                dedupe_key=dedupe_key,
            )
    except IntegrityError:
        if dedupe_key is None:
            raise
        return None
    schedule_delivery()
    return message


def queue_messages(
    *,
    channel: str,
    recipients: list[str],
    bodies: list[str],
    dedupe_keys: list[str],
    subjects: list[str] | None = None,
    complaint_ids: list[int | None] | None = None,
    urgent: bool = False,
    not_before: dt.datetime | None = None,
) -> None:
    """Put a batch of messages of one channel in the outbox with one statement.

    The rules of ``queue_message`` for each: non-urgent ones wait for the end of quiet
    hours, and a dedupe key already queued adds nothing. One delivery request for the
    batch, after commit.
    """
    now = timezone.now()
    when = not_before or now
    if not urgent:
        when = quiet_hours_end(when)
    columns: dict[str, list] = {"recipient": recipients, "body": bodies, "dedupe_key": dedupe_keys}
    if subjects is not None:
        columns["subject"] = [subject[:200] for subject in subjects]
    if complaint_ids is not None:
        columns["complaint_id"] = complaint_ids
    insert_new(
        OutboundMessage,
        columns,
        fixed={"channel": MessageChannel(channel), "not_before": when},
        now=now,
    )
    schedule_delivery()


def schedule_delivery() -> None:
    """Ask a worker to send after this transaction commits (the sweep covers a lost request)."""
    from complaints.tasks import send_outbox_task

    enqueue_after_commit(send_outbox_task)


class SmsBackend(Protocol):
    def send(self, to: str, body: str) -> None: ...


class ConsoleSmsBackend:
    """Development: log the message instead of sending it."""

    def send(self, to: str, body: str) -> None:
        logger.info("SMS to %s: %s", to, body)


class FileSmsBackend:
    """Development and tests: append JSON lines to a file (``SMS_FILE_PATH``)."""

    def send(self, to: str, body: str) -> None:
        path = settings.SMS_FILE_PATH
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as stream:
            stream.write(json.dumps({"to": to, "body": body}, ensure_ascii=False) + "\n")


class HttpSmsBackend:
    """Production: POST JSON ``{"to", "body"}`` to the SMS gateway with a bearer token."""

    def send(self, to: str, body: str) -> None:
        request = urllib.request.Request(  # noqa: S310 - the URL is the operator's setting
            settings.SMS_GATEWAY_URL,
            data=json.dumps({"to": to, "body": body}).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            if response.status >= 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


def _sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()


def deliver_due_messages(*, limit: int = SEND_BATCH_SIZE) -> dict[str, Any]:
    """Send pending messages that are due; safe to run in several workers at once.

    One message per transaction: its row stays locked while it is sent and is
    marked sent in the same commit, so a crash can repeat at most the message
    in flight, and concurrent workers skip each other's rows.
    """
    sent = failed = 0
    for _ in range(limit):
        with transaction.atomic():
            now = timezone.now()
            message = (
                OutboundMessage.objects.select_for_update(skip_locked=True)
                .filter(state=MessageState.PENDING, not_before__lte=now)
                .order_by("not_before", "id")
                .first()
            )
            if message is None:
                return {"sent": sent, "failed": failed, "more": False}
            message.attempts += 1
            try:
                _send(message)
            except Exception as error:  # a gateway's failure must not stop the others
                message.last_error = str(error)[:500]
                if message.attempts >= MAX_ATTEMPTS:
                    message.state = MessageState.FAILED
                else:
                    # Back off: 1, 2, 4, 8 minutes.
                    message.not_before = now + dt.timedelta(minutes=2 ** (message.attempts - 1))
                failed += 1
            else:
                message.state = MessageState.SENT
                message.sent_at = timezone.now()
                sent += 1
            message.save(update_fields=["state", "attempts", "last_error", "not_before", "sent_at"])
    return {"sent": sent, "failed": failed, "more": True}


def _send(message: OutboundMessage) -> None:
    if message.channel == MessageChannel.SMS:
        _sms_backend().send(message.recipient, message.body)
    else:
        send_mail(
            message.subject or message.body[:60],
            message.body,
            settings.DEFAULT_FROM_EMAIL,
            [message.recipient],
        )
