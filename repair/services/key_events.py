"""Key events: import the affected customers of a mass incident, open their cases, tell them.

The CSV (phone, name, account, note; UTF-8 with or without BOM, or GBK from
Excel) is streamed, never loaded whole: each batch normalises phones, matches or
creates customers in two queries, and bulk-inserts the event's customers, their
repair cases and the SMS in the outbox. Unique constraints make a re-run (after
a crash, or by mistake) add nothing twice.
"""

import csv
import datetime as dt
import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from complaints.errors import ApplicationError
from complaints.models import Customer, MessageChannel, OutboundMessage
from complaints.phones import mask_phone, normalise_phone
from complaints.services.messaging import quiet_hours_end, schedule_delivery
from repair.enums import DamageType, ImportState
from repair.models import KeyEvent, KeyEventCustomer, RepairCase

logger = logging.getLogger(__name__)

# Rows per transaction: large enough for bulk inserts to pay off, small enough that
# the progress bar moves and a crash loses little work.
BATCH_SIZE = 2000
MAX_ROWS = 500_000
SNIFF_BYTES = 64 * 1024
COLUMNS = ("phone", "name", "account", "note")


@dataclass
class Row:
    line: int
    phone: str
    name: str
    account: str
    note: str


def _encoding(head: bytes) -> str:
    """UTF-8 (BOM or not) when the first bytes decode as UTF-8, else GBK."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        if error.start < len(head) - 4:  # not just a character cut at the sample's end
            return "gb18030"
    return "utf-8"


def read_rows(stream) -> Iterator[Row]:
    """Rows with their line numbers; a header row (phone, …) is skipped; blank lines ignored."""
    head = stream.read(SNIFF_BYTES)
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding=_encoding(head), newline="")
    for index, fields in enumerate(csv.reader(text), start=1):
        cells = [cell.strip() for cell in fields]
        if not any(cells):
            continue
        if index == 1 and cells[0].lower() in {"phone", "电话", "手机", "手机号"}:
            continue
        cells += [""] * (len(COLUMNS) - len(cells))
        yield Row(index, cells[0], cells[1][:200], cells[2][:50], cells[3][:500])


def import_affected(event: KeyEvent) -> KeyEvent:
    """Import the event's CSV in batches; the counters show progress while it runs."""
    KeyEvent.objects.filter(pk=event.pk).update(
        import_state=ImportState.RUNNING, rows_done=0, rows_bad=0
    )
    errors: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    done = 0
    try:
        total = sum(1 for _row in _file_rows(event))
        if total > MAX_ROWS:
            raise ApplicationError(f"The file has {total} rows; at most {MAX_ROWS}.")
        KeyEvent.objects.filter(pk=event.pk).update(rows_total=total)
        batch: list[tuple[Row, str]] = []
        for row in _file_rows(event):
            done += 1
            try:
                phone = normalise_phone(row.phone)
            except ApplicationError:
                errors.append((row.line, row.phone, "invalid phone number"))
                continue
            if phone in seen:
                errors.append((row.line, row.phone, f"duplicate of line {seen[phone]}"))
                continue
            seen[phone] = row.line
            batch.append((row, phone))
            if len(batch) >= BATCH_SIZE:
                _import_batch(event, batch)
                batch = []
                _progress(event, done, len(errors))
        _import_batch(event, batch)
        _progress(event, done, len(errors))
    except Exception:
        KeyEvent.objects.filter(pk=event.pk).update(import_state=ImportState.FAILED)
        logger.exception("Key event %s import failed", event.pk)
        raise
    _write_errors(event, errors)
    KeyEvent.objects.filter(pk=event.pk).update(import_state=ImportState.DONE)
    event.refresh_from_db()
    return event


def _file_rows(event: KeyEvent) -> Iterator[Row]:
    """One pass over the uploaded file (the text wrapper closes it at the end)."""
    with event.import_file.open("rb") as stream:
        yield from read_rows(stream)


def _progress(event: KeyEvent, done: int, bad: int) -> None:
    KeyEvent.objects.filter(pk=event.pk).update(rows_done=done, rows_bad=bad)


def _import_batch(event: KeyEvent, batch: list[tuple[Row, str]]) -> None:
    if not batch:
        return
    with transaction.atomic():
        phones = [phone for _row, phone in batch]
        Customer.objects.bulk_create(
            [
                Customer(
                    phone=phone,
                    name=row.name or mask_phone(phone),
                    account_number=None,
                )
                for row, phone in batch
            ],
            ignore_conflicts=True,
        )
        customers = dict(Customer.objects.filter(phone__in=phones).values_list("phone", "pk"))
        languages = dict(Customer.objects.filter(phone__in=phones).values_list("pk", "language"))
        KeyEventCustomer.objects.bulk_create(
            [
                KeyEventCustomer(
                    event=event, customer_id=customers[phone], line_number=row.line, note=row.note
                )
                for row, phone in batch
            ],
            ignore_conflicts=True,
        )
        now = timezone.now()
        RepairCase.objects.bulk_create(
            [
                RepairCase(
                    customer_id=customers[phone],
                    damage_type=DamageType.KEY_EVENT,
                    key_event=event,
                    level=settings.REPAIR_LEVEL_BASE.get(DamageType.KEY_EVENT, 1),
                    reason=event.name[:500],
                    due_at=now + dt.timedelta(hours=settings.REPAIR_DUE_HOURS),
                )
                for _row, phone in batch
            ],
            ignore_conflicts=True,
        )
        send_at = quiet_hours_end(now)
        texts = _sms_texts(event)
        OutboundMessage.objects.bulk_create(
            [
                OutboundMessage(
                    channel=MessageChannel.SMS,
                    recipient=phone,
                    body=texts[languages[customers[phone]][:2]].replace(
                        "{customer_name}", row.name or ""
                    ),
                    not_before=send_at,
                    dedupe_key=f"keyevent:{event.pk}:{customers[phone]}",
                )
                for row, phone in batch
            ],
            ignore_conflicts=True,
        )
        KeyEventCustomer.objects.filter(event=event, customer_id__in=customers.values()).update(
            notified=True
        )
        schedule_delivery()


def _sms_texts(event: KeyEvent) -> dict[str, str]:
    """The event's message per language prefix, with the event's name filled in."""
    return {
        "en": event.sms_en.replace("{event_name}", event.name),
        "zh": (event.sms_zh_hans or event.sms_en).replace("{event_name}", event.name),
    }


def _write_errors(event: KeyEvent, errors: list[tuple[int, str, str]]) -> None:
    """The skipped rows as a downloadable CSV: line, phone as written, reason."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["line", "phone", "reason"])
    writer.writerows(errors)
    # Store the file without saving this (stale) instance: that would write its old
    # counters back over the ones the import kept up to date.
    event.errors_file.save(
        f"event-{event.pk}-skipped.csv",
        ContentFile(buffer.getvalue().encode("utf-8-sig")),
        save=False,
    )
    KeyEvent.objects.filter(pk=event.pk).update(
        errors_file=event.errors_file.name, rows_bad=len(errors)
    )


# DOMAIN.md: after the 297,236-customer event, 400 were called for a follow-up survey.
DEFAULT_SAMPLE_SIZE = 400


def draw_follow_up_sample(event: KeyEvent, *, size: int = DEFAULT_SAMPLE_SIZE) -> int:
    """Invite a random sample of the affected customers to the follow-up survey.

    Customers already sampled are not drawn again, so drawing twice grows the sample.
    """
    from surveys.services import invite_customer

    if size < 1:
        raise ApplicationError(
            "The sample needs at least one customer.", details={"size": ["At least 1."]}
        )
    with transaction.atomic():
        drawn = list(
            KeyEventCustomer.objects.select_for_update(skip_locked=True, of=("self",))
            .filter(event=event, sampled=False)
            .select_related("customer")
            .order_by("?")[:size]
        )
        for affected in drawn:
            affected.invitation = invite_customer(customer=affected.customer, topic=event.name)
            affected.sampled = True
        KeyEventCustomer.objects.bulk_update(drawn, ["invitation", "sampled"])
    return len(drawn)


def event_report(event: KeyEvent) -> dict[str, Any]:
    """Affected, notified, sampled, responded and satisfied, and the repair cases' progress."""
    from django.db.models import Avg, Count, Q

    affected = KeyEventCustomer.objects.filter(event=event).aggregate(
        affected=Count("id"),
        notified=Count("id", filter=Q(notified=True)),
        sampled=Count("id", filter=Q(sampled=True)),
        responded=Count("id", filter=Q(invitation__response__isnull=False)),
        satisfied=Count("id", filter=Q(invitation__response__score__gte=4)),
        average=Avg("invitation__response__score"),
    )
    cases = RepairCase.objects.filter(key_event=event).aggregate(
        cases=Count("id"), repaired=Count("id", filter=Q(state="repaired"))
    )
    responded = affected["responded"]
    affected["satisfaction"] = round(affected["satisfied"] / responded, 4) if responded else None
    return {**affected, **cases}


def create_event(*, data: dict, by) -> KeyEvent:
    return KeyEvent.objects.create(created_by=by, **data)


def attach_file(event: KeyEvent, *, upload) -> KeyEvent:
    """Store the uploaded CSV and queue its import after commit."""
    from repair.tasks import import_key_event_task

    if event.import_state in (ImportState.QUEUED, ImportState.RUNNING):
        raise ApplicationError("An import of this event is still running.", code="busy", status=409)
    with transaction.atomic():
        event.import_file.save(f"event-{event.pk}.csv", upload, save=False)
        event.import_state = ImportState.QUEUED
        event.rows_total = event.rows_done = event.rows_bad = 0
        event.save(
            update_fields=["import_file", "import_state", "rows_total", "rows_done", "rows_bad"]
        )
        import_key_event_task.delay_on_commit(event.pk)
    return event
