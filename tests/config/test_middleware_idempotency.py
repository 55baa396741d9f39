"""Idempotency-Key on API POSTs: a retry replays the first success and creates nothing; the
same key with another request is 422; failures keep nothing; keys are the caller's and last
24 hours; concurrent retries against a live server create exactly one complaint."""

import datetime as dt
import json
import threading

import psycopg2
import pytest
import requests
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints.models import ApiToken, Complaint, IdempotencyKey
from complaints.services import idempotency, issue_api_token
from repair.models import CallbackRequest, KeyEvent
from surveys.api.authentication import sign
from surveys.models import SmsReply
from tests.api import assert_problem, client_for, token_client
from tests.factories import key_event_fields, make_complaint

URL = "/api/v1/complaints/"
INTAKE = {"phone": "13812345678", "channel": "phone", "description": "No signal since Monday"}
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def api(db, integration_user):
    return token_client(integration_user, ["complaints:read", "complaints:write"])


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def post(client, body=INTAKE, key="order-1", path=URL, **extra):
    return client.post(path, body, format="json", HTTP_IDEMPOTENCY_KEY=key, **extra)


@pytest.mark.django_db
def test_a_retry_replays_the_first_answer_and_creates_nothing(api):
    first = post(api)
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    again = post(api)
    assert again.status_code == 201
    assert again.content == first.content
    assert (again["Location"], again["ETag"]) == (first["Location"], first["ETag"])
    assert again["Content-Type"] == first["Content-Type"] == "application/json"
    assert again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1
    stored = IdempotencyKey.objects.get()
    assert (stored.key, stored.method, stored.path, stored.status_code) == (
        "order-1",
        "POST",
        URL,
        201,
    )


@pytest.mark.django_db
def test_the_same_body_written_differently_is_the_same_request(api):
    post(api)
    rewritten = json.dumps(dict(reversed(list(INTAKE.items()))), indent=4)
    again = api.post(
        URL, rewritten, content_type="application/json", HTTP_IDEMPOTENCY_KEY="order-1"
    )
    assert again["Idempotent-Replayed"] == "true"
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_another_body_or_endpoint_is_422(api, agent):
    post(api)
    problem = assert_problem(
        post(api, {**INTAKE, "description": "Another complaint"}), 422, "idempotency_key_reused"
    )
    assert f"POST {URL}" in problem["errors"]["Idempotency-Key"][0]
    assert_problem(
        post(api, {"phone": "13900000000"}, path="/api/v1/customers/"),
        422,
        "idempotency_key_reused",
    )
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
def test_a_failed_request_keeps_nothing_so_the_fixed_one_may_use_the_key(api):
    assert_problem(post(api, {**INTAKE, "channel": "pigeon"}), 400, "invalid")
    assert IdempotencyKey.objects.count() == 0
    assert post(api).status_code == 201
    assert Complaint.objects.count() == 1


@pytest.mark.django_db
def test_keys_belong_to_their_caller(api, integration_user, agent):
    other_token = token_client(integration_user, ["complaints:write"])
    session = client_for(agent)
    for client in (api, other_token, session):
        response = post(client)
        assert response.status_code == 201 and "Idempotent-Replayed" not in response
    assert Complaint.objects.count() == 3
    owners = set(IdempotencyKey.objects.values_list("owner", flat=True))
    tokens = ApiToken.objects.values_list("pk", flat=True)
    assert owners == {*(f"token:{pk}" for pk in tokens), f"user:{agent.pk}"}


@pytest.mark.django_db
def test_a_key_lives_a_day(api):
    post(api)
    with time_machine.travel(timezone.now() + dt.timedelta(hours=23)):
        assert post(api)["Idempotent-Replayed"] == "true"
    with time_machine.travel(timezone.now() + dt.timedelta(hours=25)):
        again = post(api)
    assert again.status_code == 201 and "Idempotent-Replayed" not in again
    assert Complaint.objects.count() == 2


@pytest.mark.django_db
def test_the_purge_deletes_expired_keys_in_batches(api, monkeypatch):
    for number in range(5):
        post(api, key=f"old-{number}")
    with time_machine.travel(timezone.now() + dt.timedelta(hours=20)):
        post(api, key="fresh")
    monkeypatch.setattr(idempotency, "PURGE_BATCH_SIZE", 2)
    assert idempotency.purge_expired_keys(now=timezone.now() + dt.timedelta(hours=25)) == 5
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


@pytest.mark.django_db
def test_the_purge_runs_every_hour():
    from django_celery_beat.models import PeriodicTask

    task = PeriodicTask.objects.get(task="complaints.tasks.purge_idempotency_keys_task")
    assert task.enabled and task.interval.every == 3600


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["", "x" * 256, "ключ", "tab\there"])
def test_an_unusable_key_is_400(api, key):
    response = api.post(URL, INTAKE, format="json", HTTP_IDEMPOTENCY_KEY=key)
    problem = assert_problem(response, 400, "invalid_idempotency_key")
    assert "Idempotency-Key" in problem["errors"]
    assert Complaint.objects.count() == 0


@pytest.mark.django_db
def test_an_unknown_token_with_a_key_is_401_and_keeps_nothing(db):
    from rest_framework.test import APIClient

    client = APIClient(HTTP_AUTHORIZATION="Bearer cts_00000000_nope")
    assert_problem(post(client), 401, "authentication_failed")
    assert IdempotencyKey.objects.count() == 0


@pytest.mark.django_db
def test_an_upload_is_replayed_by_its_content_not_its_multipart_boundary(api, integration_user):
    complaint = make_complaint(created_by=integration_user)
    path = f"{URL}{complaint.pk}/attachments/"

    def upload(content: bytes, key: str = "photo-1"):
        file = SimpleUploadedFile("photo.png", content, content_type="image/png")
        return api.post(path, {"file": file}, format="multipart", HTTP_IDEMPOTENCY_KEY=key)

    assert upload(PNG).status_code == 201
    assert upload(PNG)["Idempotent-Replayed"] == "true"
    assert_problem(upload(PNG + b"\x01"), 422, "idempotency_key_reused")
    assert complaint.attachments.count() == 1


@pytest.mark.django_db
def test_every_app_s_creating_posts_honour_the_key(integration_user, supervisor, settings):
    callbacks = token_client(integration_user, ["callbacks:write"])
    for _ in range(2):
        post(callbacks, {"phone": "13812345678", "source": "ivr"}, path="/api/v1/callbacks/")
    assert CallbackRequest.objects.get().joined_count == 0  # not joined: the retry was replayed
    event = key_event_fields()
    boss = client_for(supervisor)
    for _ in range(2):
        post(boss, event, path="/api/v1/repair/key-events/")
    assert KeyEvent.objects.count() == 1
    # the SMS gateway signs instead of authenticating: its keys are its own
    settings.SMS_INBOUND_SECRET = "gateway-secret"
    from rest_framework.test import APIClient

    body = json.dumps({"from": "13900009999", "text": "5"}).encode()
    for _ in range(2):
        stamp = str(int(timezone.now().timestamp()))
        response = APIClient().post(
            "/api/v1/surveys/sms-replies/",
            body,
            content_type="application/json",
            HTTP_X_TIMESTAMP=stamp,
            HTTP_X_SIGNATURE=sign("gateway-secret", stamp, body),
            HTTP_IDEMPOTENCY_KEY="sms-77",
        )
        assert response.status_code == 201
    assert SmsReply.objects.count() == 1


@pytest.mark.django_db
def test_a_retry_waits_for_its_running_twin_then_gives_409(api, settings):
    """A twin that runs longer than IDEMPOTENCY_WAIT_SECONDS: 409 with Retry-After."""
    settings.IDEMPOTENCY_WAIT_SECONDS = 1
    token = ApiToken.objects.get()
    database = settings.DATABASES["default"]
    twin = psycopg2.connect(
        dbname=database["NAME"], user=database["USER"], host=database["HOST"], port=database["PORT"]
    )
    try:
        with twin.cursor() as cursor:  # the twin's uncommitted claim on the key
            cursor.execute(
                "INSERT INTO complaints_idempotencykey (owner, key, method, path, fingerprint, "
                "response_headers, response_body, created_at) "
                "VALUES (%s, 'order-1', 'POST', %s, '', '{}', '', now())",
                [f"token:{token.pk}", URL],
            )
            response = post(api)
    finally:
        twin.rollback()
        twin.close()
    problem = assert_problem(response, 409, "idempotency_in_progress")
    assert response["Retry-After"] == "1" and "retry" in problem["detail"]
    assert Complaint.objects.count() == 0


# --- Concurrent retries against a live server ------------------------------------------

RETRIES = 8


def test_concurrent_retries_create_exactly_one_complaint(live_server, reference_data, agent):
    """Eight clients send the same intake with the same key at the same moment."""
    _token, raw = issue_api_token(name="IVR", user=agent, scopes=["complaints:write"])
    start = threading.Barrier(RETRIES)
    responses: list[requests.Response] = []
    lock = threading.Lock()

    def send() -> None:
        start.wait(timeout=10)
        response = requests.post(
            f"{live_server.url}{URL}",
            json=INTAKE,
            headers={"Authorization": f"Bearer {raw}", "Idempotency-Key": "call-4711"},
            timeout=30,
        )
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=send) for _ in range(RETRIES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(responses) == RETRIES
    assert {response.status_code for response in responses} == {201}, [
        response.content for response in responses
    ]
    assert len({response.content for response in responses}) == 1
    assert len({response.headers["Location"] for response in responses}) == 1
    replayed = [r for r in responses if r.headers.get("Idempotent-Replayed") == "true"]
    assert len(replayed) == RETRIES - 1
    assert Complaint.objects.count() == 1
