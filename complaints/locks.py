"""Cluster-wide locks on PostgreSQL advisory locks: one runner of a piece of work at a time.

A session-level advisory lock belongs to the database connection, so it survives the
transactions of a long job and is released by PostgreSQL itself when the process holding
it dies (a killed worker never leaves a stale lock behind, unlike a lock row or a Redis
key waiting for its expiry). On the embedded SQLite there is one machine and the lock
always succeeds.
"""

import contextlib
import datetime as dt
import functools
import logging
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Any, TypeVar
from urllib.parse import quote

from django.core.cache import cache
from django.db import connection

logger = logging.getLogger(__name__)
F = TypeVar("F", bound=Callable[..., Any])


def _key(name: str) -> int:
    """A stable 32-bit number for a lock's name (PostgreSQL's two-key form takes int4s)."""
    return zlib.crc32(name.encode()) - 2**31


@contextlib.contextmanager
def advisory_lock(name: str, item: int = 0) -> Iterator[bool]:
    """Try to hold ``(name, item)`` for the block; yields whether this process got it.

    Never waits: a second runner learns at once that the work is in hand.
    """
    if connection.vendor != "postgresql":
        yield True
        return
    key = _key(name)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [key, item])
        acquired = cursor.fetchone()[0]
    try:
        yield acquired
    finally:
        if acquired:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [key, item])


def is_locked(name: str, item: int = 0) -> bool:
    """Whether some session holds ``(name, item)`` now (False on SQLite)."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' "
            "AND classid = %s::oid AND objid = %s::oid AND objsubid = 2 AND granted)",
            [_key(name) & 0xFFFFFFFF, item & 0xFFFFFFFF],
        )
        return cursor.fetchone()[0]


BEAT_LOCK_PREFIX = "beat:"
BEAT_RUN_KEY = "beat:last-run:{}"
# Share of a schedule's period that must pass between two beat runs of it. Not the whole
# period: a worker starts a run a little after beat sends it, so two runs of one beat may
# start slightly less than a period apart, and must both go ahead.
BEAT_SPACING_SHARE = 0.9


def beat_singleton(function: F) -> F:
    """Make a beat-scheduled task do its work at most once per period, however many beats.

    A second beat started by mistake sends every periodic task again. A run that beat sent
    (its message names its ``PeriodicTask`` in the ``periodic_task_name`` header) takes an
    advisory lock named after the task, and inside it claims the period: when another run
    of the same schedule started less than ``BEAT_SPACING_SHARE`` of a period ago, or holds
    the lock now, it logs that and returns ``None`` at once. Runs not sent by beat (queued
    after a commit, re-queued to drain a backlog, started by hand) run as before. This is
    on top of the state filters that already make the work safe to repeat.
    """
    task_name = f"{function.__module__}.{function.__name__}"

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        from celery import current_task

        periodic = (
            getattr(current_task.request, "periodic_task_name", None) if current_task else None
        )
        if not periodic:
            return function(*args, **kwargs)
        with advisory_lock(BEAT_LOCK_PREFIX + task_name) as mine:
            if not mine:
                logger.info("%s skipped: another run of it holds the beat lock", task_name)
                return None
            if not _claim_period(periodic):
                logger.info("%s skipped: %r ran already this period", task_name, periodic)
                return None
            return function(*args, **kwargs)

    run.beat_singleton = True
    return run  # type: ignore[return-value]


def _claim_period(periodic_task_name: str) -> bool:
    """Note a run of this schedule now unless one ran within the spacing; whether it may run.

    Called under the task's advisory lock, so the read and the write are one step for the
    whole cluster. The stamp lives in the cache (Redis in production): losing it costs at
    most one repeated run, which the state filters make harmless.
    """
    spacing = _spacing_seconds(periodic_task_name)
    key = beat_run_key(periodic_task_name)
    now = time.time()
    last = cache.get(key)
    if last is not None and now - last < spacing:
        return False
    cache.set(key, now, timeout=int(spacing) + 60)
    return True


def beat_run_key(periodic_task_name: str) -> str:
    """The cache key of a schedule's last beat run (names have spaces; keys may not)."""
    return BEAT_RUN_KEY.format(quote(periodic_task_name))


def _spacing_seconds(periodic_task_name: str) -> float:
    """The least time between two runs of the named schedule (0 when it has no period)."""
    from celery.schedules import crontab, schedule
    from django_celery_beat.models import PeriodicTask

    row = (
        PeriodicTask.objects.select_related("interval", "crontab")
        .filter(name=periodic_task_name)
        .first()
    )
    if row is None or (row.interval is None and row.crontab is None):
        return 0.0
    plan = row.schedule
    if isinstance(plan, crontab):
        # The gap between its next two firings (crontab has no period of its own).
        first = plan.remaining_estimate(plan.now())
        after = plan.remaining_estimate(plan.now() + first + dt.timedelta(seconds=1))
        period = (after - first).total_seconds()
    elif isinstance(plan, schedule):
        period = plan.run_every.total_seconds()
    else:
        return 0.0
    return period * BEAT_SPACING_SHARE
