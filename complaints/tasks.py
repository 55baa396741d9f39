"""Celery tasks of the complaints app: thin, id-based, time-limited."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

logger = logging.getLogger(__name__)

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


@shared_task(time_limit=3600, soft_time_limit=3300)
def train_classifier_task() -> int | None:
    """Weekly: learn from last week's final priorities and categories (overrides included).

    Too little data is not a failure: the rules keep classifying alone.
    """
    from complaints.errors import ApplicationError
    from complaints.services.learning import train_classifier

    try:
        return train_classifier().version
    except ApplicationError as error:
        logger.info("Classifier not trained: %s", error.message)
        return None
