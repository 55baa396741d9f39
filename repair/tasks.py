"""Celery tasks of the repair app: thin and id-based."""

from celery import shared_task

from complaints.locks import beat_singleton


@shared_task(time_limit=120, soft_time_limit=100)
@beat_singleton
def assign_callbacks_task() -> int:
    """Every minute: hand bookings whose clock is about to start to available agents."""
    from repair.services.callbacks import assign_due_callbacks

    return assign_due_callbacks()


@shared_task(time_limit=3600, soft_time_limit=3500)
def import_key_event_task(event_id: int) -> bool:
    """Import a key event's affected customers; safe to deliver twice or after a crash."""
    from repair.services.key_events import run_import

    return run_import(event_id)


@shared_task(time_limit=60, soft_time_limit=50)
@beat_singleton
def resume_key_event_imports_task() -> int:
    """Every minute: start again the imports a dead worker (or a lost message) left behind."""
    from repair.services.key_events import resume_stalled_imports

    return resume_stalled_imports()
