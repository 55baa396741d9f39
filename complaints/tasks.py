"""Celery tasks of the complaints app: thin, id-based, time-limited."""

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

WORKER_HEARTBEAT_KEY = "celery:worker-heartbeat"
# Beat sends the heartbeat every minute; keep it a little longer than that.
WORKER_HEARTBEAT_TTL_SECONDS = 600


@shared_task(time_limit=30, soft_time_limit=20)
def record_worker_heartbeat_task() -> str:
    """Note that a worker ran a beat-scheduled task, for /readyz and operators.

    A fresh value proves both that beat schedules and that a worker consumes.
    """
    stamp = timezone.now().isoformat()
    cache.set(WORKER_HEARTBEAT_KEY, stamp, timeout=WORKER_HEARTBEAT_TTL_SECONDS)
    return stamp
