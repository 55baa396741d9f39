"""Structured logs: request ids (echoed, carried into tasks), context fields, JSON in
production, and a full flow whose whole log output holds no phone, email or answer text."""

import copy
import datetime as dt
import json
import logging
import logging.config
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints.models import Customer, OutboundMessage
from config.logging import (
    ContextFilter,
    JsonFormatter,
    MaskPersonalDataFilter,
    mask_personal_data,
)
from repair.enums import ImportState
from repair.models import KeyEvent
from tests.api import client_for
from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]


# --- Masking -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("SMS to +8613812345678: hello", "SMS to [phone]: hello"),
        ("call 138 1234 5678 or (010) 6552-9988", "call [phone] or [phone]"),
        ("tel:13812345678", "tel:[phone]"),
        ("Key (phone)=(+86 139-0000-0001) exists", "Key (phone)=([phone]) exists"),
        ("from wang.li+cts@example.com.cn today", "from [email] today"),
        ("on 2026-12-02 13812345678", "on 2026-12-02 [phone]"),
    ],
)
def test_phones_and_emails_are_masked(text, masked):
    assert mask_personal_data(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-02T00:10:57.250973+00:00",
        "2026-12-02 08:10:56,123",
        "succeeded in 0.04286043900003733s",
        "from 203.0.113.9 port 54321",
        "complaint C-2026-000123",
        "request 8d2dec7260f74b05a91d50fb736043b5",
        "12 34 56",
    ],
)
def test_times_addresses_references_and_ids_are_left_alone(text):
    assert mask_personal_data(text) == text


def record(message: str, *args, exc_info=None) -> logging.LogRecord:
    return logging.LogRecord("test", logging.INFO, __file__, 1, message, args, exc_info)


def test_the_filter_masks_arguments_and_tracebacks():
    try:
        raise ValueError("duplicate phone 13812345678 for a@b.example")
    except ValueError:
        item = record("SMS to %s failed", "+86 138 1234 5678", exc_info=sys.exc_info())
    item.data = {"args": "('+8613812345678',)", "kwargs": {"to": ["a@b.example"]}}
    MaskPersonalDataFilter().filter(item)
    ContextFilter().filter(item)
    line = JsonFormatter().format(item)
    assert "1234" not in line and "a@b.example" not in line
    body = json.loads(line)
    assert body["message"] == "SMS to [phone] failed"
    assert "duplicate phone [phone] for [email]" in body["exc_info"]
    assert body["data"] == {"args": "('[phone]',)", "kwargs": {"to": ["[email]"]}}
    assert {"time", "level", "name", "message"} <= set(body)


# --- Request ids and context ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_request_id_is_generated_or_kept_and_echoed(client):
    generated = client.get("/healthz")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", generated)
    kept = client.get("/healthz", HTTP_X_REQUEST_ID="lb-7f3a9c21-0001")
    assert kept["X-Request-ID"] == "lb-7f3a9c21-0001"
    for insane in ("x", "13812345678", "13812345678 <script>", "a" * 200, "id\nwith newline"):
        answered = client.get("/healthz", HTTP_X_REQUEST_ID=insane)["X-Request-ID"]
        assert answered != insane and re.fullmatch(r"[0-9a-f]{32}", answered)


def access_record(caplog, path: str) -> logging.LogRecord:
    (found,) = [
        item
        for item in caplog.records
        if item.name == "config.requests" and item.getMessage().split()[1] == path
    ]
    return found


@pytest.mark.django_db
def test_page_records_carry_request_user_and_complaint(client, agent, caplog):
    from tests.factories import make_complaint

    complaint = make_complaint(assignee=agent, created_by=agent)
    client.force_login(agent)
    caplog.handler.addFilter(ContextFilter())
    caplog.set_level(logging.INFO, logger="config.requests")
    path = f"/complaints/{complaint.pk}/"
    response = client.get(path, HTTP_X_REQUEST_ID="trace-page-0001")
    assert response.status_code == 200
    line = access_record(caplog, path)
    assert re.fullmatch(rf"GET {path} 200 in \d+ ms", line.getMessage())
    assert line.status == 200 and line.duration_ms >= 0
    assert line.request_id == "trace-page-0001"
    assert line.user_id == agent.pk
    assert line.complaint_id == complaint.pk
    assert line.complaint == complaint.reference  # the view bound the loaded complaint


@pytest.mark.django_db
def test_a_token_caller_is_named_once_drf_has_authenticated_it(agent, caplog):
    from tests.api import token_client

    api = token_client(agent, ["complaints:read"])
    caplog.handler.addFilter(ContextFilter())
    caplog.set_level(logging.INFO, logger="config.requests")
    assert api.get("/api/v1/me/").status_code == 200
    line = access_record(caplog, "/api/v1/me/")
    assert line.user_id == agent.pk and line.request_id


@pytest.mark.django_db
def test_an_anonymous_request_has_no_user_and_costs_no_query(
    client, caplog, django_assert_num_queries
):
    caplog.handler.addFilter(ContextFilter())
    caplog.set_level(logging.INFO, logger="config.requests")
    with django_assert_num_queries(0):
        client.get("/healthz")
    line = access_record(caplog, "/healthz")
    assert line.user_id is None and line.complaint_id is None


def test_the_production_profile_logs_json_and_the_others_plain():
    def formatter(profile: str, **extra: str) -> str:
        env = {key: value for key, value in os.environ.items() if key != "LOG_FORMAT"}
        env.update(
            DJANGO_SETTINGS_MODULE=f"config.settings.{profile}",
            SECRET_KEY="p" * 30 + "roduction-key-0123456789-abcdefghij",
            DATABASE_URL="postgres://postgres@127.0.0.1:5432/unused",
            REDIS_URL="redis://127.0.0.1:6379/12",
            **extra,
        )
        code = (
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.LOGGING['handlers']['console']['formatter'])"
        )
        done = subprocess.run(  # noqa: S603 - our interpreter, fixed code
            [sys.executable, "-c", code],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        return done.stdout.strip()

    assert formatter("production") == "json"
    assert formatter("production", LOG_FORMAT="plain") == "plain"
    assert formatter("development") == "plain"
    assert formatter("development", LOG_FORMAT="json") == "json"


# --- The full flow ---------------------------------------------------------------------------

INTAKE_PHONE = "138 1234 5678"
INTAKE_E164 = "+8613812345678"
CALLBACK_PHONE = "139-0000-0001"
CALLBACK_E164 = "+8613900000001"
KEY_EVENT_PHONE = "13700000002"
KEY_EVENT_E164 = "+8613700000002"
EMAIL = "wang.xiaoming@example.com.cn"
ANSWER_TEXT = "等了三天没人管，客服态度太差了"


def forbidden() -> list[str]:
    """Every spelling of the personal data the flow uses that a log could carry."""
    phones = []
    for spelling, e164 in [
        (INTAKE_PHONE, INTAKE_E164),
        (CALLBACK_PHONE, CALLBACK_E164),
        (KEY_EVENT_PHONE, KEY_EVENT_E164),
    ]:
        phones += [spelling, e164, e164[1:], e164[3:]]
    return [*phones, EMAIL, EMAIL.split("@")[0], ANSWER_TEXT, ANSWER_TEXT[:6]]


@pytest.fixture
def json_debug_logs(tmp_path):
    """This process's logs, as production writes them but at DEBUG, into a file."""
    path = tmp_path / "web.log"
    config = copy.deepcopy(settings.LOGGING)
    config["handlers"]["console"] = {
        **config["handlers"]["console"],
        "class": "logging.FileHandler",
        "filename": str(path),
        "encoding": "utf-8",
        "formatter": "json",
    }
    config["root"]["level"] = "DEBUG"
    logging.config.dictConfig(config)
    yield path
    logging.config.dictConfig(settings.LOGGING)


def json_lines(text: str) -> list[dict]:
    """The JSON records in a log (a worker's log also has Celery's start-up banner)."""
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


@pytest.mark.django_db(transaction=True)
def test_a_full_flow_logs_no_phone_email_or_answer_text(
    reference_data, team, settings, tmp_path, json_debug_logs, capfd
):
    """Intake with phone and email, a callback, a survey answer with free text and a
    key-event import, with a real worker running the tasks, all logging JSON at DEBUG."""
    from tests.faults.processes import django_env, start_worker, wait_for
    from tests.surveys.test_services_surveys import close

    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SMS_FILE_PATH = tmp_path / "var" / "outbox" / "sms.jsonl"
    # Quiet hours off (start == end), so every message goes out while the test waits.
    settings.QUIET_HOURS_START = settings.QUIET_HOURS_END = "00:00"
    worker = start_worker(
        "logs",
        env=django_env(
            LOG_FORMAT="json",
            LOG_LEVEL="DEBUG",
            VAR_DIR=str(tmp_path / "var"),
            QUIET_HOURS_START="00:00",
            QUIET_HOURS_END="00:00",
        ),
        log_dir=tmp_path / "logs",
    )
    try:
        agent = UserFactory(username="agent", team=team, role="Agent")
        supervisor = UserFactory(username="supervisor", team=team, role="Supervisor")
        agent_api = client_for(agent)
        created = agent_api.post(
            "/api/v1/complaints/",
            {
                "phone": INTAKE_PHONE,
                "email": EMAIL,
                "channel": "phone",
                "description": "No signal since Monday",
            },
            HTTP_X_REQUEST_ID="flow-intake-0001",
        )
        assert created.status_code == 201, created.content
        assert created["X-Request-ID"] == "flow-intake-0001"

        booked = agent_api.post(
            "/api/v1/callbacks/", {"phone": CALLBACK_PHONE, "source": "dropped_call"}
        )
        assert booked.status_code == 201, booked.content

        customer = Customer.objects.get(phone=INTAKE_E164)
        closed = close(agent, customer=customer)
        from surveys import services as survey_services
        from surveys.models import SurveyInvitation

        survey_services.send_due_invitations(now=timezone.now() + dt.timedelta(hours=2))
        invitation = SurveyInvitation.objects.get(complaint=closed)
        url = f"/surveys/a/{survey_services.token_for(invitation)}/"
        fields = {}
        for question in invitation.questionnaire.questions.all():
            value = {"score": "1", "satisfaction": "1", "recommend": "0"}.get(question.kind)
            if question.kind == "open_text":
                value = ANSWER_TEXT
            if value is not None:
                fields[f"q{question.pk}"] = value
        assert ANSWER_TEXT in fields.values()
        from django.test import Client

        customer_phone = Client()
        assert customer_phone.get(url).status_code == 200
        answered = customer_phone.post(url, fields)
        assert answered.status_code == 200, answered.content.decode()[:500]

        boss = client_for(supervisor)
        event = boss.post(
            "/api/v1/repair/key-events/",
            {
                "name": "光缆中断",
                "kind": "network_outage",
                "started_at": "2026-11-16T08:00:00+08:00",
                "sms_en": "Dear {customer_name}, sorry about {event_name}.",
                "sms_zh_hans": "{customer_name}您好，{event_name}给您带来不便，深表歉意。",
            },
        )
        assert event.status_code == 201, event.content
        rows = f"phone,name\n{KEY_EVENT_PHONE},Zhao\n".encode()
        uploaded = boss.post(
            f"/api/v1/repair/key-events/{event.json()['id']}/file/",
            {"file": SimpleUploadedFile("affected.csv", rows, content_type="text/csv")},
            format="multipart",
            HTTP_X_REQUEST_ID="flow-keyevent-0001",
        )
        assert uploaded.status_code == 202, uploaded.content

        def all_done() -> bool:
            imported = KeyEvent.objects.get().import_state == ImportState.DONE
            due = OutboundMessage.objects.filter(state="pending", not_before__lte=timezone.now())
            return imported and not due.exists()

        wait_for(all_done, 120, "the worker to import the file and send every due message")
        assert OutboundMessage.objects.filter(recipient=KEY_EVENT_E164, state="sent").exists()
        assert OutboundMessage.objects.filter(recipient=CALLBACK_E164, state="sent").exists()
    finally:
        worker.stop()

    captured = capfd.readouterr()
    web = json_debug_logs.read_text(encoding="utf-8")
    worker_log = worker.log_path.read_text(encoding="utf-8", errors="replace")
    outputs = {"web log": web, "worker log": worker_log}
    outputs |= {"stdout": captured.out, "stderr": captured.err}
    for where, text in outputs.items():
        for secret in forbidden():
            assert secret not in text, f"{secret!r} appears in the {where}"

    token = url.split("/")[3]
    assert token not in web, "a survey link's token is a credential"
    assert "/surveys/a/[token]/" in web
    web_records = json_lines(web)
    # Every line is one JSON record (how many depends on what earlier tests left loaded:
    # the records each step must leave are checked one by one below).
    assert web_records and len(web_records) == len(web.splitlines())
    intake = [item for item in web_records if item.get("request_id") == "flow-intake-0001"]
    assert intake and all(item.get("user_id") == agent.pk for item in intake)
    # The upload's request id went with the import task to the worker process.
    task_records = [
        item
        for item in json_lines(worker_log)
        if item.get("task_name") == "repair.tasks.import_key_event_task"
    ]
    assert task_records and all(
        item.get("request_id") == "flow-keyevent-0001" for item in task_records
    )
