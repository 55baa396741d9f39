"""Liveness and readiness probes for load balancers and orchestrators."""

import datetime as dt
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from complaints.tasks import LAST_DEADLINE_CHECK_KEY, WORKER_HEARTBEAT_KEY

# A probe must answer fast even when a dependency hangs.
BROKER_TIMEOUT_SECONDS = 2
# Beat sends the heartbeat and the deadline check every minute: three minutes without
# one means two runs were missed, not one slow run.
DEEP_CHECK_MAX_AGE = dt.timedelta(minutes=3)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database and the broker answer. 503 names the one that failed.

    ``?deep=1`` also asks whether the background work runs: a worker's heartbeat and the
    last SLA deadline check are at most three minutes old. That is for monitoring, not for
    a load balancer: a stopped beat must page someone, not take every web node out.
    """
    checks = {"database": _check_database(), "broker": _check_broker()}
    if request.GET.get("deep") in ("1", "true", "yes"):
        checks.update(_deep_checks())
    ready = all(result == "ok" for result in checks.values())
    body = {
        "status": "ok" if ready else "unavailable",
        "checks": checks,
        "worker_last_seen": _worker_last_seen(),
    }
    return JsonResponse(body, status=200 if ready else 503)


def _check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not ready"; say which
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _check_broker() -> str:
    from config.celery import app

    try:
        with app.connection_for_write() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT_SECONDS)
    except Exception as exc:  # kombu raises transport-specific errors
        return f"error: {exc.__class__.__name__}"
    return "ok"


def _deep_checks() -> dict[str, str]:
    try:
        stamps = cache.get_many([WORKER_HEARTBEAT_KEY, LAST_DEADLINE_CHECK_KEY])
    except Exception as exc:  # the cache is Redis: both checks fail with the reason
        reason = f"error: {exc.__class__.__name__}"
        return {"worker_heartbeat": reason, "deadline_check": reason}
    now = timezone.now()
    return {
        "worker_heartbeat": _fresh(stamps.get(WORKER_HEARTBEAT_KEY), now=now),
        "deadline_check": _fresh(stamps.get(LAST_DEADLINE_CHECK_KEY), now=now),
    }


def _fresh(stamp: str | None, *, now: dt.datetime) -> str:
    """Say "ok" for a time stamp at most DEEP_CHECK_MAX_AGE old, else what is wrong with it."""
    if not stamp:
        return "error: never"
    try:
        age = now - dt.datetime.fromisoformat(stamp)
    except (TypeError, ValueError):
        return "error: unreadable"
    if age > DEEP_CHECK_MAX_AGE:
        return f"error: stale ({int(age.total_seconds())} s ago)"
    return "ok"


def last_deadline_check() -> dict[str, Any]:
    """When the SLA deadline check last finished, for the supervisor board.

    ``stale`` when it never ran or is older than DEEP_CHECK_MAX_AGE: then warnings and
    breaches on the board are not being marked, and supervisors should know.
    """
    try:
        stamp = cache.get(LAST_DEADLINE_CHECK_KEY)
        at = dt.datetime.fromisoformat(stamp) if stamp else None
    except Exception:  # an unreadable stamp or an unreachable cache: unknown, so stale
        at = None
    stale = at is None or timezone.now() - at > DEEP_CHECK_MAX_AGE
    return {"at": at and timezone.localtime(at), "stale": stale}


def _worker_last_seen() -> str | None:
    try:
        return cache.get(WORKER_HEARTBEAT_KEY)
    except Exception:  # the cache is Redis too; readiness already reports the broker
        return None
