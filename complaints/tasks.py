"""Celery tasks of the complaints app: thin, id-based, time-limited."""

import logging

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from complaints.locks import beat_singleton

logger = logging.getLogger(__name__)

WORKER_HEARTBEAT_KEY = "celery:worker-heartbeat"
LAST_DEADLINE_CHECK_KEY = "sla:last-deadline-check"
# Beat sends the heartbeat every minute; keep it a little longer than that.
WORKER_HEARTBEAT_TTL_SECONDS = 600


@shared_task(time_limit=30, soft_time_limit=20)
@beat_singleton
def record_worker_heartbeat_task() -> str:
    """Note that a worker ran a beat-scheduled task, for /readyz and operators.

    A fresh value proves both that beat schedules and that a worker consumes.
    """
    stamp = timezone.now().isoformat()
    cache.set(WORKER_HEARTBEAT_KEY, stamp, timeout=WORKER_HEARTBEAT_TTL_SECONDS)
    return stamp


@shared_task(time_limit=3600, soft_time_limit=3300)
@beat_singleton
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


@shared_task(time_limit=300, soft_time_limit=240)
@beat_singleton
def check_deadlines_task() -> dict[str, int]:
    """Every minute: mark SLA warnings and breaches that fell due, once each."""
    from complaints.services.sla import check_deadlines

    counts = check_deadlines()
    cache.set(LAST_DEADLINE_CHECK_KEY, timezone.now().isoformat(), timeout=None)
    return counts


@shared_task(time_limit=3600, soft_time_limit=3500)
def recalculate_sla_task(user_id: int | None) -> int:
    """A supervisor asked to apply changed policies to open complaints (one event each)."""
    from complaints.models import User
    from complaints.services.sla import recalculate_open_clocks

    user = User.objects.filter(pk=user_id).first() if user_id else None
    return recalculate_open_clocks(by=user)


@shared_task(time_limit=300, soft_time_limit=240, ignore_result=True)
@beat_singleton
def send_outbox_task() -> dict:
    """Send due outbox messages; re-queue while more are waiting.

    Also scheduled every minute as a sweep, so messages queued while the broker
    was down still go out.
    """
    from complaints.services.messaging import deliver_due_messages

    result = deliver_due_messages()
    if result["more"]:
        send_outbox_task.delay()
    return result


@shared_task(time_limit=240, soft_time_limit=200)
@beat_singleton
def refresh_rollups_task() -> dict[str, int]:
    """Every five minutes: today's and yesterday's roll-up rows, recomputed from the raw rows.

    Idempotent; a second beat running at once waits for the first's lock and
    recomputes the same rows again.
    """
    from complaints.reports.rollups import refresh_recent

    return refresh_recent()


@shared_task(time_limit=3600, soft_time_limit=3500)
@beat_singleton
def nightly_rollups_task() -> dict[str, int]:
    """Once a night: earlier days whose complaints, work orders or bookings changed."""
    from complaints.reports.rollups import nightly_pass

    return nightly_pass()


@shared_task(time_limit=600, soft_time_limit=540)
@beat_singleton
def purge_idempotency_keys_task() -> int:
    """Hourly: forget Idempotency-Key responses older than IDEMPOTENCY_KEY_TTL_HOURS."""
    from complaints.services.idempotency import purge_expired_keys

    return purge_expired_keys()


@shared_task(time_limit=300, soft_time_limit=240, ignore_result=True)
@beat_singleton
def send_webhooks_task() -> dict:
    """Send due webhook deliveries; re-queue while more are waiting.

    Queued after each commit that writes deliveries, and scheduled every minute
    as a sweep: deliveries written while the broker was down still go out.
    """
    from complaints.services.webhooks import deliver_due_webhooks

    result = deliver_due_webhooks()
    if result["more"]:
        send_webhooks_task.delay()
    return result


@shared_task(time_limit=600, soft_time_limit=540, ignore_result=True)
@beat_singleton
def purge_webhook_deliveries_task() -> int:
    """Daily: forget finished deliveries older than ``WEBHOOK_RETENTION_DAYS``."""
    from complaints.services.webhooks import purge_old_deliveries

    return purge_old_deliveries()


# A weekly run stops between batches after this many seconds and queues its continuation,
# so a first run over years of history stays well inside its time limit.
RETENTION_TASK_BUDGET_SECONDS = 3000


@shared_task(time_limit=3600, soft_time_limit=3300)
@beat_singleton
def apply_retention_task() -> dict | None:
    """Weekly: delete old attachments and anonymise customers past their retention periods.

    Under an advisory lock: a second beat, or a continuation still running, finds the
    work in hand and returns. The continuation is queued after the lock is released.
    """
    from complaints.locks import advisory_lock
    from complaints.services.retention import RETENTION_LOCK, apply_retention

    with advisory_lock(RETENTION_LOCK) as acquired:
        if not acquired:
            logger.info("Retention already running elsewhere; this run does nothing.")
            return None
        result = apply_retention(via="task", time_budget=RETENTION_TASK_BUDGET_SECONDS)
    if result.more:
        apply_retention_task.delay()
    return result.as_dict()
