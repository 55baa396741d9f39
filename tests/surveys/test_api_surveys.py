"""The surveys API: the SMS gateway's signed replies, results, responses, invitations and
phone surveys, who may call what, and what the lists cost."""

import datetime as dt
import hashlib
import hmac
import json
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.utils import timezone
from drf_spectacular.drainage import GENERATOR_STATS
from rest_framework.test import APIClient

from complaints import services as complaint_services
from complaints.services import KNOWN_SCOPES, issue_api_token
from surveys import services
from surveys.enums import InvitationState
from surveys.models import SmsReply, SurveyInvitation, SurveyResponse
from tests.factories import CustomerFactory, make_complaint

pytestmark = pytest.mark.django_db

API = "/api/v1/surveys/"
INBOUND = f"{API}sms-replies/"
SECRET = "gateway-shared-secret-for-tests"
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Today at noon, as in test_services_surveys: the data must be recent for signed links.
NOON = timezone.now().astimezone(SHANGHAI).replace(hour=12, minute=0, second=0, microsecond=0)
SENT = NOON + dt.timedelta(hours=2)


# --- Helpers -------------------------------------------------------------------------


def close(agent, customer=None, **fields):
    """A complaint taken through to confirmed closure by the real services."""
    complaint = make_complaint(
        created_by=agent, assignee=agent, customer=customer or CustomerFactory(), **fields
    )
    complaint = complaint_services.start_work(complaint, by=agent)
    complaint = complaint_services.propose_resolution(complaint, summary="done", by=agent)
    return complaint_services.confirm_resolution(complaint, method="phone", by=agent)


def invite(agent, capture, **fields) -> SurveyInvitation:
    """Close a complaint at noon (the survey is scheduled after commit), send it at two."""
    with time_machine.travel(NOON, tick=False), capture(execute=True):
        complaint = close(agent, **fields)
    services.send_due_invitations(now=SENT)
    return SurveyInvitation.objects.get(complaint=complaint)


def questions_of(invitation) -> dict[str, int]:
    return {q.kind: q.pk for q in invitation.questionnaire.questions.all()}


def answer(invitation, score=5, level=None, recommend=None, via="web"):
    ids = questions_of(invitation)
    answers = {ids["score"]: score, ids["satisfaction"]: level or str(score)}
    if recommend is not None:
        answers[ids["recommend"]] = recommend
    return services.record_response(invitation, answers=answers, via=via)


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """What the gateway computes, written out here rather than borrowed from the code."""
    return hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()


def deliver(client, body, *, secret=SECRET, timestamp=None, sign=True, headers=None):
    raw = json.dumps(body, ensure_ascii=False).encode()
    stamp = str(int(time.time()) if timestamp is None else timestamp)
    sent = {"X-Timestamp": stamp, "X-Signature": signature(secret, stamp, raw)} if sign else {}
    sent.update(headers or {})
    return client.post(INBOUND, data=raw, content_type="application/json", headers=sent)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    return body


@pytest.fixture
def invitation(agent, django_capture_on_commit_callbacks):
    return invite(agent, django_capture_on_commit_callbacks)


@pytest.fixture
def gateway(settings):
    settings.SMS_INBOUND_SECRET = SECRET
    return APIClient()


@pytest.fixture
def api(agent):
    client = APIClient()
    client.force_login(agent)
    return client


# --- The SMS gateway's signed replies ---------------------------------------------------


def test_a_signed_reply_is_recorded_and_answers_the_survey(gateway, invitation):
    national = invitation.customer.phone.removeprefix("+86")
    response = deliver(gateway, {"from": national, "text": "1 太慢了"})
    assert response.status_code == 201, response.content
    body = response.json()
    reply = SmsReply.objects.get()
    survey = SurveyResponse.objects.get()
    assert body == {
        "id": reply.pk,
        "parsed": True,
        "score": 1,
        "matched_invitation": True,
        "response_id": survey.pk,
    }
    assert reply.text == "1 太慢了" and reply.phone == invitation.customer.phone
    assert survey.answered_via == "sms" and survey.score == 1 and survey.is_low
    assert survey.comment == "太慢了"
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ANSWERED


def test_full_width_and_words_are_read_with_the_given_time(gateway, invitation):
    received = (timezone.now() - dt.timedelta(minutes=3)).replace(microsecond=0)
    response = deliver(
        gateway,
        {"from": invitation.customer.phone, "text": "５分", "received_at": received.isoformat()},
    )
    assert response.status_code == 201, response.content
    assert response.json()["score"] == 5
    assert SmsReply.objects.get().received_at == received


def test_an_unreadable_reply_waits_for_an_agent(gateway, invitation, api):
    phone = invitation.customer.phone
    response = deliver(gateway, {"from": phone, "text": "你们到底什么时候修好"})
    assert response.status_code == 201
    assert response.json() == {
        "id": SmsReply.objects.get().pk,
        "parsed": False,
        "score": None,
        "matched_invitation": True,
        "response_id": None,
    }
    assert SurveyResponse.objects.count() == 0
    deliver(gateway, {"from": phone, "text": "5"})  # then a readable one
    unread = api.get(INBOUND, {"parsed": "false"}).json()["results"]
    assert [row["text"] for row in unread] == ["你们到底什么时候修好"]
    assert unread[0]["complaint"]["reference"] == invitation.complaint.reference
    assert unread[0]["phone"] == phone  # the agent handled the complaint
    everything = api.get(INBOUND).json()["results"]
    assert [row["text"] for row in everything] == ["5", "你们到底什么时候修好"]  # newest first


def test_a_reply_from_a_number_never_surveyed_is_kept_unmatched(gateway):
    response = deliver(gateway, {"from": "13900009999", "text": "5"})
    assert response.status_code == 201
    assert response.json()["matched_invitation"] is False
    assert response.json()["response_id"] is None
    assert SmsReply.objects.get().phone == "+8613900009999"


def test_a_timestamp_within_five_minutes_is_accepted(gateway):
    response = deliver(
        gateway, {"from": "13900009999", "text": "5"}, timestamp=int(time.time()) - 240
    )
    assert response.status_code == 201


NOW = object()  # stands for the current Unix time in the cases below


@pytest.mark.parametrize(
    ("case", "options", "code"),
    [
        ("wrong secret", {"secret": "not-the-secret"}, "signature_invalid"),
        ("forged signature", {"headers": {"X-Signature": "0" * 64}}, "signature_invalid"),
        ("no headers", {"sign": False}, "signature_missing"),
        ("no signature", {"sign": False, "headers": {"X-Timestamp": NOW}}, "signature_missing"),
        ("no timestamp", {"headers": {"X-Timestamp": ""}}, "signature_missing"),
        ("stale", {"timestamp": -301}, "timestamp_stale"),
        ("from the future", {"timestamp": 301}, "timestamp_stale"),
        ("not a number", {"headers": {"X-Timestamp": "yesterday"}}, "timestamp_invalid"),
    ],
)
def test_unsigned_or_stale_deliveries_are_refused_and_store_nothing(
    gateway, invitation, case, options, code
):
    options = dict(options)
    if "timestamp" in options:
        options["timestamp"] = int(time.time()) + options["timestamp"]
    headers = options.get("headers", {})
    options["headers"] = {
        name: str(int(time.time())) if value is NOW else value for name, value in headers.items()
    }
    response = deliver(gateway, {"from": invitation.customer.phone, "text": "5"}, **options)
    assert_problem(response, 401, code)
    assert response["WWW-Authenticate"].startswith("HMAC-SHA256")
    assert SmsReply.objects.count() == 0
    assert SurveyResponse.objects.count() == 0


def test_a_signature_over_another_body_is_refused(gateway, invitation):
    stamp = str(int(time.time()))
    signed_for = json.dumps({"from": invitation.customer.phone, "text": "1"}).encode()
    sent = json.dumps({"from": invitation.customer.phone, "text": "5"}).encode()
    response = gateway.post(
        INBOUND,
        data=sent,
        content_type="application/json",
        headers={"X-Timestamp": stamp, "X-Signature": signature(SECRET, stamp, signed_for)},
    )
    assert_problem(response, 401, "signature_invalid")
    assert SmsReply.objects.count() == 0


def test_without_a_secret_the_endpoint_is_not_configured(settings, invitation):
    settings.SMS_INBOUND_SECRET = ""
    response = deliver(APIClient(), {"from": invitation.customer.phone, "text": "5"}, secret="")
    body = assert_problem(response, 503, "not_configured")
    assert "not configured" in body["detail"]
    assert SmsReply.objects.count() == 0


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"text": "5"}, {"from"}),
        ({"from": "13900009999"}, {"text"}),
        ({"from": "13900009999", "text": "5", "received_at": "soon"}, {"received_at"}),
    ],
)
def test_a_signed_but_malformed_body_is_refused_per_field(gateway, body, fields):
    response = deliver(gateway, body)
    problem = assert_problem(response, 400, "invalid")
    assert set(problem["errors"]) == fields
    assert SmsReply.objects.count() == 0


def test_a_browser_session_cannot_deliver_replies(gateway, supervisor, invitation):
    gateway.force_login(supervisor)
    response = gateway.post(INBOUND, {"from": invitation.customer.phone, "text": "5"})
    assert_problem(response, 401, "signature_missing")
    assert SmsReply.objects.count() == 0


# --- Results ---------------------------------------------------------------------------


@pytest.fixture
def known_data_set(agent, other_agent, django_capture_on_commit_callbacks):
    """The data set of test_services_surveys: five answers and one invitation unanswered."""
    scores = [
        (agent, 5, 10),
        (agent, 4, 9),
        (agent, 2, 3),
        (other_agent, 5, 7),
        (other_agent, 1, None),
    ]
    for index, (person, score, recommend) in enumerate(scores):
        invitation = invite(person, django_capture_on_commit_callbacks, description=f"问题 {index}")
        with time_machine.travel(SENT + dt.timedelta(hours=1), tick=False):
            answer(invitation, score=score, recommend=recommend)
    invite(agent, django_capture_on_commit_callbacks, description="没有回复")


def test_results_on_a_known_data_set(api, known_data_set):
    window = {
        "since": (NOON - dt.timedelta(days=1)).isoformat(),
        "until": NOON + dt.timedelta(days=1),
    }
    response = api.get(f"{API}results/", {**window, "group_by": "agent"})
    assert response.status_code == 200, response.content
    body = response.json()
    overall = body["overall"]
    assert overall["responses"] == 5
    assert overall["csat"] == 0.6  # 3 of 5 scored 4–5
    assert overall["average"] == 3.4
    assert overall["nps"] == 25.0  # 2 promoters, 1 detractor of 4
    assert overall["low"] == 2
    assert overall["invitations_sent"] == 6
    assert overall["response_rate"] == pytest.approx(5 / 6, abs=1e-4)
    assert body["group_by"] == "agent"
    assert dt.datetime.fromisoformat(body["since"]) == NOON - dt.timedelta(days=1)
    by_agent = {row["group"]: row for row in body["groups"]}
    assert set(by_agent) == {"agent", "other-agent"}
    assert by_agent["agent"]["responses"] == 3
    assert by_agent["agent"]["csat"] == pytest.approx(2 / 3, abs=1e-4)
    assert by_agent["other-agent"]["low"] == 1
    assert by_agent["other-agent"]["nps"] == 0.0  # one passive (7)


def test_results_by_channel_and_without_grouping(api, known_data_set):
    window = {"since": NOON - dt.timedelta(days=1), "until": NOON + dt.timedelta(days=1)}
    by_channel = api.get(f"{API}results/", {**window, "group_by": "channel"}).json()
    assert [(row["group"], row["responses"]) for row in by_channel["groups"]] == [("phone", 5)]
    plain = api.get(f"{API}results/", window).json()
    assert plain["group_by"] is None and plain["groups"] is None
    assert plain["overall"]["responses"] == 5


def test_results_default_to_the_last_30_days(api, agent, django_capture_on_commit_callbacks):
    recent = invite(agent, django_capture_on_commit_callbacks, description="最近")
    old = invite(agent, django_capture_on_commit_callbacks, description="很久以前")
    answer(recent, score=4)
    with time_machine.travel(timezone.now() - dt.timedelta(days=40), tick=False):
        answer(old, score=1)
    body = api.get(f"{API}results/").json()
    assert body["overall"]["responses"] == 1
    assert body["overall"]["average"] == 4.0
    until = dt.datetime.fromisoformat(body["until"])
    assert abs((timezone.now() - until).total_seconds()) < 60
    assert until - dt.datetime.fromisoformat(body["since"]) == dt.timedelta(days=30)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"group_by": "weather"}, "group_by"),
        ({"since": "last tuesday"}, "since"),
        ({"since": "2026-03-02T00:00:00+08:00", "until": "2026-03-01T00:00:00+08:00"}, "until"),
    ],
)
def test_bad_results_parameters_are_refused_per_parameter(api, params, field):
    problem = assert_problem(api.get(f"{API}results/", params), 400, "invalid")
    assert set(problem["errors"]) == {field}


# --- Responses -------------------------------------------------------------------------


def test_responses_are_listed_newest_first_and_filtered(
    api, agent, other_agent, django_capture_on_commit_callbacks
):
    happy = invite(agent, django_capture_on_commit_callbacks)
    unhappy = invite(agent, django_capture_on_commit_callbacks)
    theirs = invite(other_agent, django_capture_on_commit_callbacks)
    with time_machine.travel(SENT + dt.timedelta(hours=1), tick=False):
        first = answer(happy, score=5)
    with time_machine.travel(SENT + dt.timedelta(hours=2), tick=False):
        second = answer(unhappy, score=2)
    with time_machine.travel(SENT + dt.timedelta(hours=3), tick=False):
        third = answer(theirs, score=4)
    url = f"{API}responses/"
    ids = [row["id"] for row in api.get(url).json()["results"]]
    assert ids == [third.pk, second.pk, first.pk]
    assert [row["id"] for row in api.get(url, {"low": "true"}).json()["results"]] == [second.pk]
    assert [row["id"] for row in api.get(url, {"agent": other_agent.pk}).json()["results"]] == [
        third.pk
    ]
    window = {"since": SENT + dt.timedelta(minutes=90), "until": SENT + dt.timedelta(minutes=150)}
    assert [row["id"] for row in api.get(url, window).json()["results"]] == [second.pk]
    row = api.get(url, {"low": "true"}).json()["results"][0]
    assert row["complaint"] == {
        "id": unhappy.complaint_id,
        "reference": unhappy.complaint.reference,
    }
    assert row["agent"]["username"] == "agent"
    assert row["team"]["name"] == "Front line A"
    assert row["category"] == "network_signal" and row["complaint_channel"] == "phone"
    assert row["answered_via"] == "web" and row["is_low"] is True
    assert "answers" not in row
    assert_problem(api.get(url, {"agent": "someone"}), 400, "invalid")


def test_a_response_shows_every_answer(api, invitation):
    ids = questions_of(invitation)
    response = services.record_response(
        invitation,
        answers={
            ids["score"]: 3,
            ids["satisfaction"]: "2",
            ids["multiple_choice"]: ["处理速度", "进展告知"],
            ids["recommend"]: 6,
            ids["open_text"]: "等了太久",
        },
        via="web",
    )
    body = api.get(f"{API}responses/{response.pk}/").json()
    assert body["score"] == 3 and body["recommend"] == 6 and body["is_low"] is True
    assert body["comment"] == "等了太久"
    answers = {row["question"]["kind"]: row["value"] for row in body["answers"]}
    assert answers == {
        "score": 3,
        "satisfaction": "2",
        "multiple_choice": ["处理速度", "进展告知"],
        "recommend": 6,
        "open_text": "等了太久",
    }
    assert body["answers"][0]["question"]["text"] == "您对本次投诉的处理结果满意吗？（1–5分）"
    assert_problem(api.get(f"{API}responses/{response.pk + 1000}/"), 404, "not_found")


# --- Invitations and phone surveys -------------------------------------------------------


def test_invitations_are_listed_and_filtered(api, agent, django_capture_on_commit_callbacks):
    answered = invite(agent, django_capture_on_commit_callbacks)
    waiting = invite(agent, django_capture_on_commit_callbacks)
    answer(answered)
    url = f"{API}invitations/"
    assert [row["id"] for row in api.get(url).json()["results"]] == [waiting.pk, answered.pk]
    sent = api.get(url, {"state": "sent"}).json()["results"]
    assert [row["id"] for row in sent] == [waiting.pk]
    by_reference = api.get(url, {"complaint": answered.complaint.reference}).json()["results"]
    assert [row["id"] for row in by_reference] == [answered.pk]
    assert sent[0]["state"] == "sent" and sent[0]["channel"] == "sms"
    assert sent[0]["questionnaire"]["language"] == "zh-hans"
    assert sent[0]["rated_agent"]["username"] == "agent"
    assert "questions" not in sent[0]
    assert_problem(api.get(url, {"state": "lost"}), 400, "invalid")


def test_an_invitation_has_its_questions_and_the_values_they_take(api, invitation):
    body = api.get(f"{API}invitations/{invitation.pk}/").json()
    questions = {question["kind"]: question for question in body["questions"]}
    assert [question["position"] for question in body["questions"]] == [1, 2, 3, 4, 5]
    assert questions["score"]["text"] == "您对本次投诉的处理结果满意吗？（1–5分）"
    assert [option["value"] for option in questions["score"]["options"]] == [1, 2, 3, 4, 5]
    assert questions["satisfaction"]["options"][1] == {"value": "4", "label": "满意"}
    assert len(questions["recommend"]["options"]) == 11
    assert questions["open_text"]["options"] == [] and not questions["open_text"]["required"]
    assert body["customer"]["phone"] == invitation.customer.phone  # the assignee


def test_others_see_the_customer_phone_masked(other_agent, supervisor, invitation):
    client = APIClient()
    client.force_login(other_agent)
    masked = client.get(f"{API}invitations/{invitation.pk}/").json()["customer"]["phone"]
    assert masked == f"{invitation.customer.phone[3:6]}****{invitation.customer.phone[-4:]}"
    client.force_login(supervisor)
    full = client.get(f"{API}invitations/{invitation.pk}/").json()["customer"]["phone"]
    assert full == invitation.customer.phone


def phone_url(invitation) -> str:
    return f"{API}invitations/{invitation.pk}/phone-response/"


def test_an_agent_records_a_phone_survey(api, agent, invitation):
    ids = questions_of(invitation)
    body = {
        "answers": {
            str(ids["score"]): 4,
            str(ids["satisfaction"]): "4",
            str(ids["multiple_choice"]): ["服务态度"],
            str(ids["open_text"]): "电话回访：处理及时",
        },
    }
    response = api.post(phone_url(invitation), body)
    assert response.status_code == 201, response.content
    survey = SurveyResponse.objects.get()
    assert response["Location"] == f"{API}responses/{survey.pk}/"
    data = response.json()
    assert data["answered_via"] == "phone" and data["score"] == 4 and data["is_low"] is False
    assert data["recorded_by"]["username"] == "agent"
    assert data["comment"] == "电话回访：处理及时"
    assert {row["question"]["id"]: row["value"] for row in data["answers"]} == {
        ids["score"]: 4,
        ids["satisfaction"]: "4",
        ids["multiple_choice"]: ["服务态度"],
        ids["open_text"]: "电话回访：处理及时",
    }
    assert survey.recorded_by == agent
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ANSWERED


def test_a_phone_survey_comment_and_a_low_answer(api, invitation):
    ids = questions_of(invitation)
    body = {"answers": {ids["score"]: 1, ids["satisfaction"]: "1"}, "comment": "一直没人管"}
    response = api.post(phone_url(invitation), body)
    assert response.status_code == 201, response.content
    assert response.json()["is_low"] is True
    assert SurveyResponse.objects.get().comment == "一直没人管"


def test_a_second_submission_is_a_409_and_records_nothing(api, invitation):
    ids = questions_of(invitation)
    body = {"answers": {ids["score"]: 5, ids["satisfaction"]: "5"}}
    assert api.post(phone_url(invitation), body).status_code == 201
    assert_problem(api.post(phone_url(invitation), body), 409, "used")
    assert SurveyResponse.objects.count() == 1


def test_a_survey_answered_by_sms_cannot_be_taken_again_by_phone(gateway, api, invitation):
    assert deliver(gateway, {"from": invitation.customer.phone, "text": "4"}).status_code == 201
    ids = questions_of(invitation)
    body = {"answers": {ids["score"]: 5, ids["satisfaction"]: "5"}}
    assert_problem(api.post(phone_url(invitation), body), 409, "used")
    assert SurveyResponse.objects.get().answered_via == "sms"


@pytest.mark.parametrize(
    ("answers", "errors"),
    [
        # the required score and satisfaction are missing
        ({"open_text": "还行"}, {"score", "satisfaction"}),
        ({"score": 9, "satisfaction": "4"}, {"score"}),
        ({"score": 4, "satisfaction": "great"}, {"satisfaction"}),
        ({"score": 4, "satisfaction": "4", "recommend": 11}, {"recommend"}),
        ({"score": 4, "satisfaction": "4", "multiple_choice": ["价格"]}, {"multiple_choice"}),
        ({"score": 4, "satisfaction": "4", "unknown": 3}, {"999999"}),
    ],
)
def test_bad_answers_are_refused_per_question(api, invitation, answers, errors):
    ids = {**questions_of(invitation), "unknown": 999999}
    body = {"answers": {str(ids[kind]): value for kind, value in answers.items()}}
    problem = assert_problem(api.post(phone_url(invitation), body), 400, "invalid")
    named = {kind: str(ids[kind]) for kind in ids}
    assert set(problem["errors"]) == {"answers"}
    assert set(problem["errors"]["answers"]) == {named.get(error, error) for error in errors}
    assert SurveyResponse.objects.count() == 0
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.SENT


@pytest.mark.parametrize(
    "body",
    [{}, {"answers": {}}, {"answers": "5"}, {"answers": {"x": 5}}, {"answers": [5]}],
)
def test_a_malformed_phone_survey_is_refused(api, invitation, body):
    problem = assert_problem(api.post(phone_url(invitation), body), 400, "invalid")
    assert "answers" in problem["errors"]
    assert SurveyResponse.objects.count() == 0


def test_an_unknown_invitation_is_404(api):
    assert_problem(api.post(f"{API}invitations/999999/phone-response/", {}), 404, "not_found")


# --- Who may call what ------------------------------------------------------------------

# endpoint → (method, path with {response}/{invitation}, body)
ENDPOINTS = {
    "results": ("get", "results/", None),
    "responses.list": ("get", "responses/", None),
    "responses.detail": ("get", "responses/{response}/", None),
    "invitations.list": ("get", "invitations/", None),
    "invitations.detail": ("get", "invitations/{invitation}/", None),
    "invitations.phone_response": ("post", "invitations/{invitation}/phone-response/", "answers"),
    "sms_replies.list": ("get", "sms-replies/", None),
    "sms_replies.inbound": ("post", "sms-replies/", {"from": "13900009999", "text": "5"}),
}
READS = [endpoint for endpoint, (method, _, _) in ENDPOINTS.items() if method == "get"]
WORKS = {**dict.fromkeys(READS, 200), "invitations.phone_response": 201}
# Only the gateway's signature opens the inbound endpoint: sessions and tokens do not.
UNSIGNED = {"sms_replies.inbound": 401}


def everything(status: int) -> dict[str, int]:
    return {**dict.fromkeys(ENDPOINTS, status), **UNSIGNED}


EXPECTED: dict[str, dict[str, int]] = {
    "anonymous": everything(401),
    "agent": {**WORKS, **UNSIGNED},
    # Survey work is centre-wide: another team's agent takes phone surveys too.
    "other_agent": {**WORKS, **UNSIGNED},
    "supervisor": {**WORKS, **UNSIGNED},
    "administrator": {**WORKS, **UNSIGNED},
    "department_user": everything(403),
    "token_without_scope": everything(403),
    # BI tools read; no scope records a phone survey (agents do, in their own name).
    "token_reports": {**everything(403), **dict.fromkeys(READS, 200)},
    "token_every_scope": {**everything(403), **dict.fromkeys(READS, 200)},
}
TOKENS = {
    "token_without_scope": ["complaints:read", "complaints:write", "callbacks:read"],
    "token_reports": ["reports:read"],
    "token_every_scope": sorted(KNOWN_SCOPES),
}


def caller(role: str, request) -> APIClient:
    client = APIClient()
    if role in TOKENS:
        user = request.getfixturevalue("integration_user")
        _token, raw = issue_api_token(name=role, user=user, scopes=TOKENS[role])
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


@pytest.fixture
def scene(agent, settings, django_capture_on_commit_callbacks):
    """An answered invitation, one waiting for an answer, and an unreadable SMS reply."""
    settings.SMS_INBOUND_SECRET = SECRET
    answered = invite(agent, django_capture_on_commit_callbacks)
    waiting = invite(agent, django_capture_on_commit_callbacks)
    response = answer(answered, score=2)
    services.receive_sms_reply(phone=waiting.customer.phone, text="啥意思")
    ids = questions_of(waiting)
    return {
        "response": response.pk,
        "invitation": waiting.pk,
        "answers": {"answers": {str(ids["score"]): 4, str(ids["satisfaction"]): "4"}},
    }


@pytest.mark.parametrize(
    ("role", "endpoint"), [(role, endpoint) for role in EXPECTED for endpoint in ENDPOINTS]
)
def test_permission_matrix(role, endpoint, scene, request):
    method, path, body = ENDPOINTS[endpoint]
    client = caller(role, request)
    body = scene[body] if isinstance(body, str) else body
    response = getattr(client, method)(API + path.format(**scene), body)
    expected = EXPECTED[role][endpoint]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"].startswith("application/problem+json")
    if expected == 401:
        scheme = "HMAC-SHA256" if endpoint == "sms_replies.inbound" else "Bearer"
        assert response["WWW-Authenticate"].startswith(scheme)
    if endpoint == "sms_replies.inbound":
        assert SmsReply.objects.count() == 1  # the scene's, nothing more


@pytest.mark.parametrize("method", ["head", "options"])
def test_head_and_options_need_the_reports_scope(method, scene, request):
    path = f"{API}invitations/{scene['invitation']}/"
    assert getattr(caller("token_reports", request), method)(path).status_code == 200
    assert getattr(caller("token_without_scope", request), method)(path).status_code == 403


# --- What the lists cost -----------------------------------------------------------------

# The caller (session, user, its two permission reads) and the page; lists that show phone
# numbers in full add one INSERT into the audit trail for them.
LIST_QUERIES = 5
AUDITED = 1


@pytest.fixture
def answered_rows(agent, django_capture_on_commit_callbacks, request):
    rows = request.param
    invitations = [invite(agent, django_capture_on_commit_callbacks) for _ in range(rows)]
    for number, invitation in enumerate(invitations):
        # unreadable, so it stays matched to the invitation the answer then closes
        services.receive_sms_reply(phone=invitation.customer.phone, text=f"第{number}条：？")
        answer(invitation, score=number % 5 + 1)
    return rows


@pytest.mark.parametrize("answered_rows", [3, 20], indirect=True)
@pytest.mark.parametrize(
    ("path", "params", "queries"),
    [
        ("responses/", {"since": NOON - dt.timedelta(days=1)}, LIST_QUERIES),
        ("invitations/", {"state": "answered"}, LIST_QUERIES + AUDITED),
        ("sms-replies/", {"parsed": "false"}, LIST_QUERIES + AUDITED),
    ],
)
def test_lists_cost_the_same_for_3_or_20_rows(
    api, answered_rows, path, params, queries, django_assert_max_num_queries
):
    with django_assert_max_num_queries(queries):
        response = api.get(API + path, params)
    assert response.status_code == 200, response.content
    assert len(response.json()["results"]) == answered_rows


@pytest.mark.parametrize("answers", [1, 5])
def test_a_response_costs_the_same_however_many_answers(
    api, invitation, answers, django_assert_max_num_queries
):
    ids = list(questions_of(invitation).values())
    values = {"score": 4, "satisfaction": "4", "multiple_choice": ["服务态度"], "recommend": 9}
    given = {q.pk: values.get(q.kind, "好") for q in invitation.questionnaire.questions.all()}
    survey = services.record_response(
        invitation, answers={pk: given[pk] for pk in ids[:answers]}, via="web", require_all=False
    )
    # The caller (4), the response, its answers with their questions.
    with django_assert_max_num_queries(LIST_QUERIES + 1):
        body = api.get(f"{API}responses/{survey.pk}/").json()
    assert len(body["answers"]) == answers


# --- The schema ----------------------------------------------------------------------------


@pytest.fixture
def schema(tmp_path, capsys) -> dict:
    """``manage.py spectacular --validate --fail-on-warn``: any warning fails the command."""
    GENERATOR_STATS.reset()
    target = tmp_path / "schema.yml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    stderr = capsys.readouterr().err
    assert "Warning" not in stderr and "Error" not in stderr, stderr
    return yaml.safe_load(target.read_text())


def test_the_surveys_endpoints_are_described(schema):
    paths = schema["paths"]
    expected = {
        "/api/v1/surveys/results/": {"get"},
        "/api/v1/surveys/responses/": {"get"},
        "/api/v1/surveys/responses/{id}/": {"get"},
        "/api/v1/surveys/invitations/": {"get"},
        "/api/v1/surveys/invitations/{id}/": {"get"},
        "/api/v1/surveys/invitations/{id}/phone-response/": {"post"},
        "/api/v1/surveys/sms-replies/": {"get", "post"},
    }
    for path, methods in expected.items():
        assert {method for method in paths[path] if method != "parameters"} == methods, path
        for method in methods:
            operation = paths[path][method]
            assert "application/problem+json" in str(operation["responses"]), (path, method)
            if method == "post":
                assert "requestBody" in operation, path
    inbound = paths["/api/v1/surveys/sms-replies/"]["post"]
    assert inbound["security"] == [{"smsGatewaySignature": []}]
    assert any(parameter["name"] == "X-Timestamp" for parameter in inbound["parameters"])
    scheme = schema["components"]["securitySchemes"]["smsGatewaySignature"]
    assert scheme["name"] == "X-Signature" and "HMAC-SHA256" in scheme["description"]
    assert paths["/api/v1/surveys/sms-replies/"]["get"]["security"] == [
        {"apiToken": []},
        {"cookieAuth": []},
    ]
    results = {p["name"] for p in paths["/api/v1/surveys/results/"]["get"]["parameters"]}
    assert results == {"since", "until", "group_by"}
