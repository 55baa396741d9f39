"""The invitation task on a real worker: a backlog drains batch after batch."""

import datetime as dt
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.utils import timezone

from complaints import services as complaint_services
from config.celery import app
from surveys import services
from surveys.enums import InvitationState
from surveys.models import SurveyInvitation
from surveys.tasks import send_survey_invitations_task
from tests.factories import UserFactory, make_complaint


@pytest.mark.django_db(transaction=True)
def test_a_full_batch_queues_the_next_one(reference_data, monkeypatch):
    agent = UserFactory(username="agent", role="Agent")
    for number in range(5):
        complaint = make_complaint(created_by=agent, assignee=agent, description=f"问题 {number}")
        complaint = complaint_services.start_work(complaint, by=agent)
        complaint = complaint_services.propose_resolution(complaint, summary="done", by=agent)
        complaint_services.confirm_resolution(complaint, method="phone", by=agent)
    assert SurveyInvitation.objects.filter(state=InvitationState.SCHEDULED).count() == 5
    SurveyInvitation.objects.update(send_after=timezone.now() - dt.timedelta(minutes=1))
    monkeypatch.setattr(services, "SEND_BATCH_SIZE", 2)  # 2, 2, then 1: three runs

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        assert send_survey_invitations_task.delay().get(timeout=20) == 2
        deadline = time.monotonic() + 20
        while SurveyInvitation.objects.filter(state=InvitationState.SCHEDULED).exists():
            assert time.monotonic() < deadline, "the backlog should drain by re-queued runs"
            time.sleep(0.2)
    assert SurveyInvitation.objects.filter(state=InvitationState.SENT).count() == 5
