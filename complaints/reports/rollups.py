"""Keeping the daily roll-ups: recompute whole days from the raw rows, set-based.

One recomputation = in one transaction, lock the source's ``RollupState`` row,
delete the source's rows of those days, and ``INSERT … SELECT`` them again from one
GROUP BY over the raw rows (the ORM writes the SELECT, so day boundaries in the
centre's zone are the database's own ``AT TIME ZONE``). Idempotent, and two beats
running at once serialise on the lock instead of interleaving. Nothing passes
through Python but the statements.
"""

import datetime as dt
import logging
from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Min
from django.db.models.functions import TruncDate
from django.utils import timezone

from complaints.models import RollupState
from complaints.reports import registry
from complaints.reports.scope import centre_zone, local_midnight, local_today

logger = logging.getLogger(__name__)

# Days per transaction when rebuilding: a month of raw rows is one GROUP BY of
# ~100,000 complaints at a million a year; small enough to keep locks short.
REBUILD_CHUNK_DAYS = 31
# With no nightly pass on record, look back this far for changed days.
NIGHTLY_DEFAULT_LOOKBACK = dt.timedelta(days=2)


def day_of(field: str) -> TruncDate:
    """The centre-local day of a timestamp column."""
    return TruncDate(field, tzinfo=centre_zone())


def _rows_query(source: registry.RollupSource, since: dt.datetime, until: dt.datetime):
    """The roll-up rows of [since, until) as one SELECT, columns in the model's order."""
    aliases = {column: f"r_{column}" for column in source.columns()}
    dimensions = {"day": day_of(source.time_field), **source.dimensions}
    return (
        source.base()
        .filter(**{f"{source.time_field}__gte": since, f"{source.time_field}__lt": until})
        .annotate(**{aliases[column]: expr for column, expr in dimensions.items()})
        .values(*(aliases[column] for column in dimensions))
        .annotate(**{aliases[column]: agg for column, agg in source.measures.items()})
        .values_list(*(aliases[column] for column in source.columns()))
        .order_by()
    )


def recompute(source: registry.RollupSource, first: dt.date, last: dt.date) -> int:
    """Replace the source's rows for days first..last (inclusive); returns rows written."""
    model = source.model
    table = connection.ops.quote_name(model._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(model._meta.get_field(column).column)
        for column in source.columns()
    )
    since, until = local_midnight(first), local_midnight(last + dt.timedelta(days=1))
    sql, params = _rows_query(source, since, until).query.sql_with_params()
    RollupState.objects.get_or_create(source=source.name)
    with transaction.atomic():
        RollupState.objects.select_for_update().get(source=source.name)
        model.objects.filter(day__gte=first, day__lte=last).delete()
        with connection.cursor() as cursor:
            cursor.execute(f"INSERT INTO {table} ({columns}) {sql}", params)  # noqa: S608
            written = cursor.rowcount
        RollupState.objects.filter(source=source.name).update(refreshed_at=timezone.now())
    return written


def refresh_recent(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Every few minutes: today's and yesterday's rows of every source."""
    today = local_today(now)
    return {
        source.name: recompute(source, today - dt.timedelta(days=1), today)
        for source in registry.rollup_sources()
    }


def _runs(days: Iterable[dt.date]) -> list[tuple[dt.date, dt.date]]:
    """Sorted days as contiguous (first, last) runs: one recomputation each."""
    runs: list[tuple[dt.date, dt.date]] = []
    for day in sorted(set(days)):
        if runs and day == runs[-1][1] + dt.timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def changed_days(source: registry.RollupSource, since: dt.datetime) -> list[dt.date]:
    """The days whose raw rows may have changed since ``since`` (one indexed query)."""
    return list(
        source.base()
        .filter(source.changed(since))
        .annotate(rollup_day=day_of(source.time_field))
        .values_list("rollup_day", flat=True)
        .distinct()
        .order_by()
    )


def nightly_pass(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Once a night: recompute the earlier days whose rows changed since the last pass.

    Complaints change long after the day they arrived (resolved, reopened, moved to
    another team, breached); the incremental refresh only covers two days.
    """
    now = now or timezone.now()
    written = {}
    for source in registry.rollup_sources():
        state, _created = RollupState.objects.get_or_create(source=source.name)
        since = state.nightly_at or now - NIGHTLY_DEFAULT_LOOKBACK
        days = changed_days(source, since)
        written[source.name] = sum(recompute(source, first, last) for first, last in _runs(days))
        RollupState.objects.filter(pk=state.pk).update(nightly_at=now)
    return written


def earliest_day(source: registry.RollupSource) -> dt.date | None:
    first = source.base().aggregate(first=Min(source.time_field))["first"]
    return local_today(first) if first else None


def rebuild(*, since: dt.date | None = None, now: dt.datetime | None = None) -> dict[str, int]:
    """Recompute every day from ``since`` (default: the first raw row) to today.

    The rows of days before ``since`` are kept; those from ``since`` on are replaced
    month by month (REBUILD_CHUNK_DAYS), each month in its own transaction.
    """
    today = local_today(now)
    written = {}
    for source in registry.rollup_sources():
        first = since or earliest_day(source)
        total = 0
        while first is not None and first <= today:
            last = min(first + dt.timedelta(days=REBUILD_CHUNK_DAYS - 1), today)
            total += recompute(source, first, last)
            first = last + dt.timedelta(days=1)
        written[source.name] = total
        if since is None:  # nothing before the first raw row can exist
            first_day = earliest_day(source)
            stale = source.model.objects.all()
            if first_day is not None:
                stale = stale.filter(day__lt=first_day)
            stale.delete()
    logger.info("Roll-ups rebuilt: %s", written)
    return written
