"""Retention: remove what the centre no longer needs to keep, keep what statistics need.

Two kinds, each with its own period (``RETENTION_*_DAYS``, 0 = never): attachments of
complaints that ended long ago are deleted (file and row), and customers out of touch
for long are anonymised through ``services.privacy.anonymise_customers`` (complaints,
categories, priorities, SLA clocks and scores stay; the identity goes; each one is in the
audit trail with no actor, i.e. the system). Both work in batches of
``RETENTION_BATCH_SIZE``, one transaction each, so a first run over years of history
never holds locks for long; rows locked by someone else are skipped until the next run.
A re-run finds nothing more to do: the selection filters on state (``anonymised_at``,
the attachment rows themselves).
"""

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from complaints.models import Attachment
from complaints.selectors import attachments_past_retention, customers_past_retention
from complaints.services.privacy import anonymise_customers

logger = logging.getLogger(__name__)

# The advisory lock (``complaints.locks``) that keeps two runs from overlapping.
RETENTION_LOCK = "retention"


@dataclass
class RetentionResult:
    """What a run did (or, dry, would do); ``None`` for a kind whose period is 0 (off)."""

    customers: int | None
    attachments: int | None
    dry_run: bool = False
    # The run stopped at its time budget with work left (the task queues a continuation).
    more: bool = False

    def as_dict(self) -> dict:
        return asdict(self)


def apply_retention(
    *,
    dry_run: bool = False,
    batch_size: int | None = None,
    via: str = "command",
    now: dt.datetime | None = None,
    time_budget: float | None = None,
) -> RetentionResult:
    """Delete old attachments, then anonymise customers out of touch; returns the counts.

    Attachments go first so that each is counted once, as an attachment (anonymising a
    customer deletes their remaining attachments too). ``dry_run`` counts and changes
    nothing. ``time_budget`` (seconds) stops between batches once spent.
    """
    now = now or timezone.now()
    size = batch_size or settings.RETENTION_BATCH_SIZE
    attachment_cutoff = _cutoff(now, settings.RETENTION_ATTACHMENT_DAYS)
    customer_cutoff = _cutoff(now, settings.RETENTION_CUSTOMER_DAYS)
    if dry_run:
        return RetentionResult(
            customers=_count(customers_past_retention, customer_cutoff),
            attachments=_count(attachments_past_retention, attachment_cutoff),
            dry_run=True,
        )
    deadline = None if time_budget is None else time.monotonic() + time_budget
    result = RetentionResult(customers=None, attachments=None)
    if attachment_cutoff is not None:
        result.attachments, more = _in_batches(
            lambda after: _delete_attachments(attachment_cutoff, after=after, limit=size),
            deadline,
        )
        result.more |= more
    if customer_cutoff is not None and result.more:
        result.customers = 0  # on, but the budget went on attachments: the next run
    elif customer_cutoff is not None:
        reason = (
            f"retention: no contact since {customer_cutoff:%Y-%m-%d} "
            f"(RETENTION_CUSTOMER_DAYS={settings.RETENTION_CUSTOMER_DAYS})"
        )
        result.customers, more = _in_batches(
            lambda after: _anonymise_customers(
                customer_cutoff, after=after, limit=size, reason=reason, via=via, now=now
            ),
            deadline,
        )
        result.more |= more
    logger.info(
        "Retention: %s attachments deleted, %s customers anonymised%s",
        result.attachments,
        result.customers,
        " (more left)" if result.more else "",
    )
    return result


def _cutoff(now: dt.datetime, days: int) -> dt.datetime | None:
    return None if days == 0 else now - dt.timedelta(days=days)


def _count(selector: Callable[[dt.datetime], QuerySet], cutoff: dt.datetime | None) -> int | None:
    return None if cutoff is None else selector(cutoff).count()


def _in_batches(
    batch: Callable[[int], tuple[int, int | None]], deadline: float | None
) -> tuple[int, bool]:
    """Run ``batch(after_pk)`` until it finds nothing; returns (total, stopped with more left).

    Walking up the primary key ends the loop even when a batch changes nothing (its rows
    were taken by a concurrent anonymisation between the selection and the change). The
    deadline is checked after a batch, so every run makes progress.
    """
    total, after = 0, 0
    while True:
        done, last = batch(after)
        if last is None:
            return total, False
        total += done
        after = last
        if deadline is not None and time.monotonic() >= deadline:
            return total, True


def _delete_attachments(cutoff: dt.datetime, *, after: int, limit: int) -> tuple[int, int | None]:
    """One batch: files first, then rows, in one transaction.

    If the transaction fails after the files went, the rows stay pointing at nothing and
    the next run deletes them; the other order could leave files no row names, which
    nothing would ever find again.
    """
    with transaction.atomic():
        batch = list(
            attachments_past_retention(cutoff)
            .filter(pk__gt=after)
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
            .only("pk", "file")[:limit]
        )
        if not batch:
            return 0, None
        for attachment in batch:
            attachment.file.delete(save=False)
        Attachment.objects.filter(pk__in=[attachment.pk for attachment in batch]).delete()
    return len(batch), batch[-1].pk


def _anonymise_customers(
    cutoff: dt.datetime, *, after: int, limit: int, reason: str, via: str, now: dt.datetime
) -> tuple[int, int | None]:
    """One batch: lock the customers still past retention, then anonymise them.

    Selecting and locking in the same statement as the checks (no contact, no open work)
    means a customer whose complaint is being registered right now (intake holds the
    customer's row) is skipped, not anonymised under the agent's hands.
    """
    with transaction.atomic():
        ids = list(
            customers_past_retention(cutoff)
            .filter(pk__gt=after)
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
            .values_list("pk", flat=True)[:limit]
        )
        if not ids:
            return 0, None
        done = anonymise_customers(ids, by=None, reason=reason, via=via, now=now)
    return done, ids[-1]
