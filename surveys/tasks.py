"""Celery tasks of the surveys app."""

from celery import shared_task


@shared_task(time_limit=300, soft_time_limit=240)
def send_survey_invitations_task() -> int:
    """Every minute: send the invitations whose delay has passed (through the outbox)."""
    from surveys.services import send_due_invitations

    return send_due_invitations()
