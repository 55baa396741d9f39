"""Key events: import the affected customers of a mass incident, open their cases, tell them.

The CSV (phone, name, account, note; UTF-8 with or without BOM, or GBK from
Excel) is streamed, never loaded whole. A thread reads and checks the next batch
while the current one is written: customers are matched or created (one insert
returning the new ones, one look-up for those that existed), then the event's
customers, their repair cases and the SMS in the outbox are inserted, one
``INSERT … SELECT FROM unnest`` each, without model instances. Unique constraints
make a re-run (after a crash, or by mistake) add nothing twice.
"""

import csv
import datetime as dt
import io
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from functools import partial
from queue import Full, Queue
from typing import Any, TypeVar

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.errors import ApplicationError
from complaints.locks import advisory_lock, is_locked
from complaints.models import Customer, MessageChannel
from complaints.phones import mask_phone, normalise_phone
from complaints.services.bulk import insert_new
from complaints.services.concurrency import bump_version, lock_versioned
from complaints.services.messaging import queue_messages
from complaints.services.queueing import enqueue_after_commit
from complaints.services.webhooks import queue_event
from repair import webhooks
from repair.enums import DamageType, ImportState
from repair.models import KeyEvent, KeyEventCustomer, RepairCase
from surveys.enums import SATISFIED_SCORE

logger = logging.getLogger(__name__)
T = TypeVar("T")

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


# First bytes of files people save by mistake instead of CSV.
NOT_CSV_SIGNATURES = {
    b"PK\x03\x04": "Excel workbook (.xlsx) or zip",
    b"\xd0\xcf\x11\xe0": "Excel 97-2003 workbook (.xls)",
    b"%PDF": "PDF",
    b"\x89PNG": "PNG image",
    b"\xff\xd8\xff": "JPEG image",
}


def check_csv(head: bytes) -> None:
    """Refuse what is not CSV text, judged by content, never by the file's name."""
    for signature, kind in NOT_CSV_SIGNATURES.items():
        if head.startswith(signature):
            message = _("This is a %(kind)s file, not CSV: save it as CSV (UTF-8) first.") % {
                "kind": kind
            }
            raise ApplicationError(message, code="not_csv", details={"file": [message]})
    encoding = _encoding(head)
    try:
        sample = head.decode(encoding, errors="strict")
    except UnicodeDecodeError as error:
        sample = head[: error.start].decode(encoding) if error.start >= len(head) - 4 else None
    if sample is None or "\x00" in sample:
        message = _("This file is not text in UTF-8 or GBK: save it as CSV first.")
        raise ApplicationError(message, code="not_csv", details={"file": [message]})


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


IMPORT_LOCK = "repair.key_event_import"


def run_import(event_id: int) -> bool:
    """Import the event's file unless it is done or another worker is importing it now.

    What ``import_key_event_task`` runs, however often it is delivered: a redelivery after
    a worker died, the resume sweep and a second upload's message all meet here, and the
    advisory lock lets exactly one of them import. Returns whether this call imported.
    """
    with advisory_lock(IMPORT_LOCK, event_id) as mine:
        if not mine:
            logger.info("Key event %s is being imported by another worker", event_id)
            return False
        event = KeyEvent.objects.get(pk=event_id)
        if event.import_state not in (ImportState.QUEUED, ImportState.RUNNING):
            return False
        import_affected(event)
        return True


def resume_stalled_imports() -> int:
    """Queue again the imports that are queued or running but that no worker holds.

    A worker killed in the middle of an import (or a message lost with the broker)
    leaves its event ``running`` or ``queued``; the import is idempotent, so starting
    it again completes it with every row exactly once. Returns how many were queued.
    """
    from repair.tasks import import_key_event_task

    stalled = [
        pk
        for pk in KeyEvent.objects.filter(
            import_state__in=[ImportState.QUEUED, ImportState.RUNNING]
        ).values_list("pk", flat=True)
        if not is_locked(IMPORT_LOCK, pk)
    ]
    for pk in stalled:
        import_key_event_task.delay(pk)
    return len(stalled)


def import_affected(event: KeyEvent) -> KeyEvent:
    """Import the event's CSV in batches; the counters show progress while it runs."""
    # The import's state changes count as changes of the event (its ETag); the
    # progress counters in between do not.
    KeyEvent.objects.filter(pk=event.pk).update(
        import_state=ImportState.RUNNING, rows_done=0, rows_bad=0, version=F("version") + 1
    )
    errors: list[tuple[int, str, str]] = []
    try:
        total = sum(1 for _row in _file_rows(event))
        if total > MAX_ROWS:
            raise ApplicationError(
                _("The file has %(total)s rows; at most %(max)s.")
                % {"total": total, "max": MAX_ROWS}
            )
        KeyEvent.objects.filter(pk=event.pk).update(rows_total=total)
        for done, bad, batch in _read_ahead(_batches(event, errors)):
            _import_batch(event, batch)
            _progress(event, done, bad)
    except Exception:
        KeyEvent.objects.filter(pk=event.pk).update(
            import_state=ImportState.FAILED, version=F("version") + 1
        )
        logger.exception("Key event %s import failed", event.pk)
        raise
    _write_errors(event, errors)
    with transaction.atomic():
        KeyEvent.objects.filter(pk=event.pk).update(
            import_state=ImportState.DONE, version=F("version") + 1
        )
        event.refresh_from_db()
        # One summary event, not repair.opened per case: see repair/webhooks.py.
        queue_event(webhooks.KEY_EVENT_IMPORTED, partial(webhooks.key_event_data, event))
    return event


def _batches(
    event: KeyEvent, errors: list[tuple[int, str, str]]
) -> Iterator[tuple[int, int, list[tuple[Row, str]]]]:
    """The valid rows with their E.164 phones, in batches (the last one may be empty).

    With each batch, the rows read and skipped so far; skipped rows go to ``errors``.
    """
    seen: dict[str, int] = {}
    done = 0
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
            yield done, len(errors), batch
            batch = []
    yield done, len(errors), batch


def _read_ahead(items: Iterator[T], *, depth: int = 2) -> Iterator[T]:
    """``items``, produced by a thread at most ``depth`` ahead of the caller.

    Reading the next batch and parsing its phones (most of the import's Python work)
    then overlaps with the database writing this one. An exception in the thread is
    raised here; leaving the loop early stops the thread.
    """
    queue: Queue = Queue(maxsize=depth)
    stop = threading.Event()
    end = object()

    def put(entry: tuple[Any, BaseException | None]) -> None:
        while not stop.is_set():
            try:
                queue.put(entry, timeout=0.1)
                return
            except Full:
                continue

    def produce() -> None:
        try:
            for item in items:
                put((item, None))
                if stop.is_set():
                    break
            put((end, None))
        except BaseException as error:  # handed over to the caller, raised there
            put((end, error))
        finally:
            close = getattr(items, "close", None)
            if close is not None:
                close()

    thread = threading.Thread(target=produce, name="key-event-reader", daemon=True)
    thread.start()
    try:
        while True:
            item, error = queue.get()
            if error is not None:
                raise error
            if item is end:
                return
            yield item
    finally:
        stop.set()
        thread.join()


def _file_rows(event: KeyEvent) -> Iterator[Row]:
    """One pass over the uploaded file (the text wrapper closes it at the end)."""
    with event.import_file.open("rb") as stream:
        yield from read_rows(stream)


def _progress(event: KeyEvent, done: int, bad: int) -> None:
    KeyEvent.objects.filter(pk=event.pk).update(rows_done=done, rows_bad=bad)


def _import_batch(event: KeyEvent, batch: list[tuple[Row, str]]) -> None:
    if not batch:
        return
    now = timezone.now()
    with transaction.atomic():
        phones = [phone for _row, phone in batch]
        created = insert_new(
            Customer,
            {"phone": phones, "name": [row.name or mask_phone(phone) for row, phone in batch]},
            fixed={"account_number": None},
            now=now,
            returning=("phone", "id", "language"),
        )
        found = {phone: (pk, language) for phone, pk, language in created}
        if known := [phone for phone in phones if phone not in found]:
            found.update(
                (phone, (pk, language))
                for phone, pk, language in Customer.objects.filter(phone__in=known).values_list(
                    "phone", "pk", "language"
                )
            )
        ids = [found[phone][0] for phone in phones]
        # Listed as notified at once: the SMS are queued below, in the same transaction.
        listed = insert_new(
            KeyEventCustomer,
            {
                "customer_id": ids,
                "line_number": [row.line for row, _phone in batch],
                "note": [row.note for row, _phone in batch],
            },
            fixed={"event_id": event.pk, "notified": True},
            now=now,
            returning=("customer_id",),
        )
        insert_new(
            RepairCase,
            {"customer_id": ids},
            fixed={
                "damage_type": DamageType.KEY_EVENT,
                "key_event_id": event.pk,
                "level": settings.REPAIR_LEVEL_BASE.get(DamageType.KEY_EVENT, 1),
                "reason": event.name[:500],
                "due_at": now + dt.timedelta(hours=settings.REPAIR_DUE_HOURS),
            },
            now=now,
        )
        texts = _sms_texts(event)
        queue_messages(
            channel=MessageChannel.SMS,
            recipients=phones,
            bodies=[
                texts[found[phone][1][:2]].replace("{customer_name}", row.name or "")
                for row, phone in batch
            ],
            dedupe_keys=[f"keyevent:{event.pk}:{pk}" for pk in ids],
            not_before=now,
        )
        # Customers listed by an earlier run: their SMS is queued (or was) too.
        if len(listed) < len(ids):
            new = {pk for (pk,) in listed}
            KeyEventCustomer.objects.filter(
                event=event, customer_id__in=[pk for pk in ids if pk not in new]
            ).update(notified=True)


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


def draw_follow_up_sample(
    event: KeyEvent, *, size: int = DEFAULT_SAMPLE_SIZE, expected_version: int | None = None
) -> int:
    """Invite a random sample of the affected customers to the follow-up survey.

    Customers already sampled are not drawn again, so drawing twice grows the sample.
    Only once the import is done: a sample of the rows read so far would not be random.
    Refused (412) when the event changed since ``expected_version``.
    """
    from surveys.services import invite_customer

    if size < 1:
        message = _("The sample needs at least one customer.")
        raise ApplicationError(message, code="invalid", details={"size": [message]})
    with transaction.atomic():
        # The event's row lock keeps a new upload from starting while the sample is drawn.
        locked = lock_versioned(KeyEvent, event.pk, expected_version=expected_version)
        if locked.import_state != ImportState.DONE:
            raise ApplicationError(
                _("Draw the sample once the import of the affected customers is done."),
                code="import_not_done",
                status=409,
            )
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
        if drawn:  # the event's report changed
            locked.save(update_fields=[bump_version(locked)])
    return len(drawn)


def event_report(event: KeyEvent) -> dict[str, Any]:
    """Affected, notified, sampled, responded and satisfied, and the repair cases' progress."""
    from django.db.models import Avg, Count, Q

    affected = KeyEventCustomer.objects.filter(event=event).aggregate(
        affected=Count("id"),
        notified=Count("id", filter=Q(notified=True)),
        sampled=Count("id", filter=Q(sampled=True)),
        responded=Count("id", filter=Q(invitation__response__isnull=False)),
        satisfied=Count("id", filter=Q(invitation__response__score__gte=SATISFIED_SCORE)),
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


def attach_file(event: KeyEvent, *, upload, expected_version: int | None = None) -> KeyEvent:
    """Store the uploaded CSV and queue its import after commit.

    Refused (412) when the event changed since ``expected_version``.
    """
    from repair.tasks import import_key_event_task

    head = upload.read(SNIFF_BYTES)
    upload.seek(0)
    check_csv(head)
    with transaction.atomic():
        # Locked so that two uploads, or an upload and a sample draw, never overlap.
        locked = lock_versioned(KeyEvent, event.pk, expected_version=expected_version)
        if locked.import_state in (ImportState.QUEUED, ImportState.RUNNING):
            raise ApplicationError(
                _("An import of this event is still running."), code="busy", status=409
            )
        locked.import_file.save(f"event-{locked.pk}.csv", upload, save=False)
        locked.import_state = ImportState.QUEUED
        locked.rows_total = locked.rows_done = locked.rows_bad = 0
        locked.save(
            update_fields=[
                "import_file",
                "import_state",
                "rows_total",
                "rows_done",
                "rows_bad",
                bump_version(locked),
            ]
        )
        # If the broker is down the file still waits, queued: the resume sweep starts it.
        enqueue_after_commit(import_key_event_task, locked.pk)
    return locked
