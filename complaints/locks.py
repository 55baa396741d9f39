"""Cluster-wide locks on PostgreSQL advisory locks: one runner of a piece of work at a time.

A session-level advisory lock belongs to the database connection, so it survives the
transactions of a long job and is released by PostgreSQL itself when the process holding
it dies (a killed worker never leaves a stale lock behind, unlike a lock row or a Redis
key waiting for its expiry). On the embedded SQLite there is one machine and the lock
always succeeds.
"""

import contextlib
import zlib
from collections.abc import Iterator

from django.db import connection


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
