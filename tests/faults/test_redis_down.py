"""Redis stopped while agents register complaints and customers answer surveys: every write
still succeeds, the follow-up work waits in the database (the outbox and the webhook delivery
table) and goes out once Redis is back, each piece exactly once."""

import datetime as dt
import json
import re
import uuid

import pytest
import requests
from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from complaints.enums import WebhookState
from complaints.models import Complaint, MessageState, OutboundMessage, WebhookDelivery
from complaints.services.tokens import issue_api_token
from complaints.services.webhooks import create_subscription
from surveys import services as survey_services
from surveys.models import SurveyInvitation, SurveyResponse
from tests.factories import UserFactory
from tests.faults.processes import (
    celery,
    django_env,
    free_port,
    start_gunicorn,
    start_redis,
    start_worker,
    wait_for,
)
from tests.surveys.test_services_surveys import close
from tests.webhook_receiver import Receiver

COMPLAINTS = 5


def answer_survey(base: str, token: str, invitation: SurveyInvitation) -> requests.Response:
    """What a customer's phone does: open the link, pick a score, send."""
    session = requests.Session()
    page = session.get(f"{base}/surveys/a/{token}/", timeout=30)
    assert page.status_code == 200, page.text[:500]
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    fields = {"csrfmiddlewaretoken": csrf}
    for question in invitation.questionnaire.questions.all():
        value = {"score": "1", "satisfaction": "1", "recommend": "0"}.get(question.kind)
        if value is None and question.kind == "open_text":
            value = "等了三天没人管"
        if value is not None:
            fields[f"q{question.pk}"] = value
    return session.post(
        f"{base}/surveys/a/{token}/", data=fields, headers={"Referer": page.url}, timeout=30
    )


@pytest.mark.django_db(transaction=True)
def test_writes_succeed_without_redis_and_the_follow_up_goes_out_once_it_is_back(
    reference_data, team, media, processes, tmp_path, django_capture_on_commit_callbacks
):
    agent = UserFactory(username="agent", team=team, role="Agent")
    ivr = UserFactory(username="ivr", team=team, role="Agent")
    token = issue_api_token(name="IVR", user=ivr, scopes=["complaints:write", "callbacks:write"])[1]
    closed = close(agent)
    invitation = SurveyInvitation.objects.get(complaint=closed)
    survey_services.send_due_invitations(now=timezone.now() + dt.timedelta(hours=2))
    invitation.refresh_from_db()
    survey_token = survey_services.token_for(invitation)
    OutboundMessage.objects.update(state=MessageState.SENT)  # what happened before the test

    port = free_port()
    env = django_env(
        REDIS_URL=f"redis://127.0.0.1:{port}/0", VAR_DIR=str(tmp_path / "var"), DEBUG="false"
    )
    redis = start_redis(port, log_dir=tmp_path)
    processes.append(redis)
    web_port = free_port()
    processes.append(start_gunicorn(web_port, env=env, log_dir=tmp_path))
    base = f"http://127.0.0.1:{web_port}"

    with Receiver() as receiver:
        subscription, secret = create_subscription(
            name="CRM",
            url=receiver.url,
            events=["complaint.created", "survey.answered", "callback.created"],
            by=None,
        )
        receiver.secret = secret
        redis.kill()  # Redis is gone: no broker, no cache

        headers = {"Authorization": f"Bearer {token}"}
        for number in range(COMPLAINTS):
            created = requests.post(
                f"{base}/api/v1/complaints/",
                json={
                    "phone": f"1380013{number:04d}",
                    "channel": "phone",
                    "description": f"宽带断网 {number}",
                },
                headers={**headers, "Idempotency-Key": str(uuid.uuid4())},
                timeout=30,
            )
            assert created.status_code == 201, created.text
        booked = requests.post(
            f"{base}/api/v1/callbacks/",
            json={"phone": "13900139000", "source": "dropped_call"},
            headers=headers,
            timeout=30,
        )
        assert booked.status_code == 201, booked.text
        answered = answer_survey(base, survey_token, invitation)
        assert answered.status_code == 200 and "public" not in answered.url, answered.text[:300]

        # Everything was written, and what follows waits in the database.
        assert Complaint.objects.count() == COMPLAINTS + 1
        assert SurveyResponse.objects.filter(invitation=invitation).exists()
        waiting = WebhookDelivery.objects.filter(state=WebhookState.PENDING)
        assert waiting.count() == COMPLAINTS + 2  # complaints, the booking, the answer
        pending_sms = OutboundMessage.objects.filter(state=MessageState.PENDING)
        assert pending_sms.exists()  # the dropped call's apology
        expected_sms = set(pending_sms.values_list("pk", flat=True))

        # Redis is back; a worker and the beat's sweeps (every second here) catch up.
        processes.append(start_redis(port, log_dir=tmp_path / "again"))
        fast, _created = IntervalSchedule.objects.get_or_create(every=1, period="seconds")
        PeriodicTask.objects.filter(
            task__in=["complaints.tasks.send_outbox_task", "complaints.tasks.send_webhooks_task"]
        ).update(interval=fast)
        processes.append(start_worker("catch-up", env=env, log_dir=tmp_path))
        processes.append(
            celery("beat", "beat", "-l", "INFO", "--pidfile=", env=env, log_dir=tmp_path)
        )

        wait_for(
            lambda: (
                not WebhookDelivery.objects.exclude(state=WebhookState.DELIVERED).exists()
                and not OutboundMessage.objects.filter(state=MessageState.PENDING).exists()
            ),
            90,
            "the outbox and the deliveries to drain",
        )
        ids = [request["headers"]["Webhook-Id"] for request in receiver.requests]
        assert len(ids) == len(set(ids)) == COMPLAINTS + 2  # each delivered once
        assert all(request["verified"] for request in receiver.requests)
        types = sorted(request["json"]["type"] for request in receiver.requests)
        assert types == sorted(
            ["complaint.created"] * COMPLAINTS + ["callback.created", "survey.answered"]
        )
    sent = [
        json.loads(line)
        for line in (tmp_path / "var" / "outbox" / "sms.jsonl").read_text().splitlines()
    ]
    assert len(sent) == len(expected_sms)  # each SMS sent once
    assert OutboundMessage.objects.filter(
        pk__in=expected_sms, state=MessageState.SENT
    ).count() == len(expected_sms)
