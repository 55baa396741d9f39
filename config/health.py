"""Liveness and readiness probes for load balancers and orchestrators."""

from django.core.cache import cache
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from complaints.tasks import WORKER_HEARTBEAT_KEY

# A probe must answer fast even when a dependency hangs.
BROKER_TIMEOUT_SECONDS = 2


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive; says nothing about its dependencies."""
    return JsonResponse({"status": "ok"})


@require_GET
@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to serve: the database and the broker answer. 503 names the one that failed."""
    checks = {"database": _check_database(), "broker": _check_broker()}
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


def _worker_last_seen() -> str | None:
    try:
        return cache.get(WORKER_HEARTBEAT_KEY)
    except Exception:  # the cache is Redis too; readiness already reports the broker
        return None
