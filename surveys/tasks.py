"""Celery tasks of the surveys app."""

from celery import shared_task

from complaints.locks import beat_singleton


@shared_task(time_limit=300, soft_time_limit=240)
@beat_singleton
def send_survey_invitations_task() -> int:
    """Every minute: send due invitations through the outbox; re-queue after a full batch.

    A backlog (a worker that was down, a busy day) drains batch after batch instead of
    one batch a minute.
    """
    from surveys.services import SEND_BATCH_SIZE, send_due_invitations

    sent = send_due_invitations()
    if sent >= SEND_BATCH_SIZE:
        send_survey_invitations_task.delay()
    return sent
