"""Celery tasks of the repair app: thin and id-based."""

from celery import shared_task


@shared_task(time_limit=120, soft_time_limit=100)
def assign_callbacks_task() -> int:
    """Every minute: hand bookings whose clock is about to start to available agents."""
    from repair.services.callbacks import assign_due_callbacks

    return assign_due_callbacks()


@shared_task(time_limit=3600, soft_time_limit=3500)
def import_key_event_task(event_id: int) -> int:
    """Import a key event's affected customers; safe to run again after a crash."""
    from repair.models import KeyEvent
    from repair.services.key_events import import_affected

    return import_affected(KeyEvent.objects.get(pk=event_id)).rows_done
