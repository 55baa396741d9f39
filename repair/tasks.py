"""Celery tasks of the repair app: thin and id-based."""

from celery import shared_task


@shared_task(time_limit=120, soft_time_limit=100)
def assign_callbacks_task() -> int:
    """Every minute: hand bookings whose clock is about to start to available agents."""
    from repair.services.callbacks import assign_due_callbacks

    return assign_due_callbacks()
