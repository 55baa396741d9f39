"""The read replica: which reads may go there, and when they must not.

With ``DATABASE_REPLICA_URL`` set, ``DATABASES["replica"]`` is a PostgreSQL streaming
replica and :class:`ReplicaRouter` routes. A read goes to the replica only inside an
explicit :func:`replica_reads` scope, which the dashboards, reports, exports and
list-only API actions open; everything else reads the primary, because a replica trails
it and a page that acts on what it reads must see the latest state. Inside a scope the
primary still answers when:

- the request has already written (any write is routed here, and the first one pins
  the rest of the request to the primary: it must read what it wrote), or the request
  is not a safe method (it may check state it is about to change);
- the replica does not answer, or lags more than ``DATABASE_REPLICA_MAX_LAG_SECONDS``.
  Each fallback counts in ``cts_replica_fallback_total{reason="down|lag"}``, the lag is
  ``cts_replica_lag_seconds``, and a warning is logged when the state changes.

Celery tasks open no scope, so they read the primary. The per-request state is a
context variable that :class:`config.middleware.ReadAfterWriteMiddleware` resets.
"""

import contextvars
import functools
import logging
import math
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import Error, InterfaceError, OperationalError, connections
from django.http import FileResponse
from prometheus_client import Counter, Gauge

logger = logging.getLogger(__name__)

DEFAULT = "default"
REPLICA = "replica"
# The replica's health is checked at most this often per process: a check is one round
# trip, and a dashboard refreshing every 30 s per supervisor must not double its queries.
HEALTH_CACHE_SECONDS = 5.0

# One query: is it a replica at all; has it replayed everything it received (then it is
# current even if the last replayed commit is old, as when the primary is idle); and how
# old is the last commit it replayed. "replay >= receive": after a restart the receive
# position starts at a segment boundary, behind what was already replayed.
LAG_SQL = """
    SELECT pg_is_in_recovery(),
           pg_last_wal_replay_lsn() >= pg_last_wal_receive_lsn(),
           EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp())
"""

FALLBACKS = Counter(
    "cts_replica_fallback",
    "Reads allowed on the read replica that went to the primary instead, by reason.",
    ["reason"],
)
LAG = Gauge(
    "cts_replica_lag_seconds",
    "Replication lag of the read replica at its last check (NaN: it did not answer).",
    # Under prometheus_client's multiprocess mode (several gunicorn workers), the value of
    # the live process that checked last; ignored otherwise.
    multiprocess_mode="livemostrecent",
)
for _reason in ("down", "lag"):
    FALLBACKS.labels(reason=_reason)  # both series exist from the start, at zero

_read_alias: contextvars.ContextVar[str] = contextvars.ContextVar("read_alias", default=DEFAULT)
_pinned: contextvars.ContextVar[bool] = contextvars.ContextVar("pinned", default=False)


@dataclass(frozen=True)
class Health:
    """What the last check found: ``ok``, ``down`` or ``lag``, and the lag (None: unknown)."""

    state: str
    lag: float | None
    checked_at: float


_health: Health | None = None
_logged_state: str | None = None  # the state the last warning was about
_health_lock = threading.Lock()


def replica_configured() -> bool:
    return REPLICA in settings.DATABASES


def replica_health() -> Health:
    """The replica's state, checked at most every ``HEALTH_CACHE_SECONDS`` in this process."""
    global _health, _logged_state
    with _health_lock:
        now = time.monotonic()
        if _health is None or now - _health.checked_at >= HEALTH_CACHE_SECONDS:
            _health = _check(now)
            # One warning per change of state; a replica healthy from the start is no news.
            if _health.state != (_logged_state or "ok"):
                _log_change(_health)
            _logged_state = _health.state
        return _health


def forget_health() -> None:
    """Check again at the next scope (after a failure in a scope, and in tests)."""
    global _health
    with _health_lock:
        _health = None


def _check(now: float) -> Health:
    connection = connections[REPLICA]
    try:
        with connection.cursor() as cursor:
            cursor.execute(LAG_SQL)
            in_recovery, replayed_all, seconds = cursor.fetchone()
    except Error:  # refused, timed out, or a connection the server closed (InterfaceError)
        # The connection is unusable; drop it so the next check connects afresh.
        with suppress(Error):
            connection.close()
        LAG.set(math.nan)
        return Health("down", None, now)
    if not in_recovery or replayed_all:
        # Not a standby (the URL names a primary, or a pooler in front of one), or
        # nothing received is left to replay: current, however old its last commit.
        lag: float | None = 0.0
    elif seconds is None:
        lag = None  # received WAL but replayed no transaction yet: catching up
    else:
        lag = max(float(seconds), 0.0)
    LAG.set(math.nan if lag is None else lag)
    limit = settings.DATABASE_REPLICA_MAX_LAG_SECONDS
    return Health("ok" if lag is not None and lag <= limit else "lag", lag, now)


def _log_change(health: Health) -> None:
    if health.state == "ok":
        logger.warning("Read replica healthy again (lag %.1f s): reads go to it.", health.lag)
    elif health.state == "down":
        logger.warning("Read replica not answering: its reads go to the primary.")
    else:
        lag = "unknown" if health.lag is None else f"{health.lag:.1f} s"
        logger.warning(
            "Read replica lags %s (limit %s s): its reads go to the primary.",
            lag,
            settings.DATABASE_REPLICA_MAX_LAG_SECONDS,
        )


def _scope_alias() -> str:
    """Where this scope's reads go; a fallback from a configured replica is counted."""
    if not replica_configured() or _pinned.get():
        return DEFAULT
    health = replica_health()
    if health.state == "ok":
        return REPLICA
    FALLBACKS.labels(reason=health.state).inc()
    return DEFAULT


class _ReplicaReads:
    """Context manager and view decorator; see :func:`replica_reads`."""

    def __init__(self) -> None:
        self._tokens: list[contextvars.Token[str]] = []

    def __enter__(self) -> str:
        alias = _scope_alias()
        self._tokens.append(_read_alias.set(alias))
        return alias

    def __exit__(self, *exc_info: object) -> None:
        _read_alias.reset(self._tokens.pop())

    def __call__(self, view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def scoped(*args: Any, **kwargs: Any) -> Any:
            with _ReplicaReads() as alias:
                try:
                    response = view(*args, **kwargs)
                except (OperationalError, InterfaceError):
                    # The replica may have died since its last check, mid-view. The views
                    # in a scope only read, so they can run again on the primary.
                    if alias != REPLICA or _pinned.get() or not _replica_failed():
                        raise
                    alias = DEFAULT
                    _read_alias.set(alias)  # undone with the scope's own token
                    response = view(*args, **kwargs)
                streamed_from_replica = alias == REPLICA and not _pinned.get()
            # A streamed export (CSV) reads its rows while the server sends them, after
            # the view returned: those reads belong to the scope too. A file response
            # (XLSX) was built inside the view and streams a file, not rows.
            if (
                streamed_from_replica
                and getattr(response, "streaming", False)
                and not isinstance(response, FileResponse)
            ):
                response.streaming_content = _on_replica(response.streaming_content)
            return response

        return scoped


def replica_reads() -> _ReplicaReads:
    """Reads inside may go to the replica: ``with replica_reads():`` or ``@replica_reads()``.

    Only for reads that tolerate trailing the primary by up to the lag limit (dashboards,
    reports, exports, list-only API actions). As a decorator, put it below the access
    decorators (``@login_required``) so that the user is loaded from the primary; a view
    it decorates must only read, since it may run twice (again on the primary when the
    replica fails under it).
    """
    return _ReplicaReads()


def _replica_failed() -> bool:
    """After an operational error inside a scope: is the replica the culprit? (Counted.)"""
    forget_health()
    health = replica_health()
    if health.state == "ok":
        return False
    FALLBACKS.labels(reason=health.state).inc()
    return True


def _on_replica(content: Iterable[bytes]) -> Iterator[bytes]:
    """Each chunk of ``content`` produced with reads routed to the replica, and only then.

    The server iterates after the request's own state was reset (and in a thread whose
    base state a session save may have pinned), so the scope's decision is set anew
    around each chunk.
    """
    chunks = iter(content)
    while True:
        tokens = (_read_alias.set(REPLICA), _pinned.set(False))
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        finally:
            _pinned.reset(tokens[1])
            _read_alias.reset(tokens[0])
        yield chunk


@contextmanager
def request_state(*, pinned: bool) -> Iterator[None]:
    """One request's routing state: nothing written yet, unless ``pinned`` from the start."""
    tokens = (_pinned.set(pinned), _read_alias.set(DEFAULT))
    try:
        yield
    finally:
        _read_alias.reset(tokens[1])
        _pinned.reset(tokens[0])


class ReplicaRouter:
    """Reads to the alias the current scope chose; writes, and reads after them, to the primary."""

    def db_for_read(self, model: type, **hints: Any) -> str:
        return DEFAULT if _pinned.get() else _read_alias.get()

    def db_for_write(self, model: type, **hints: Any) -> str:
        _pinned.set(True)
        return DEFAULT

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # Same rows on both: an object read from the replica may be tied to one from the primary.
        if {obj1._state.db, obj2._state.db} <= {DEFAULT, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        # The replica replays the primary's migrations; it is read-only.
        return False if db == REPLICA else None
