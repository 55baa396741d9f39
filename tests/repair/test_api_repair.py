"""The repair API: cases (list, scoping, detail with scripts, opening by hand, take, contacts,
closing), the strategy library, the metrics, key events (record, upload, progress, sample,
report, skipped rows), who may call what, query counts and the OpenAPI description."""

import csv
import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from complaints import services
from complaints.enums import ContactChannel
from complaints.models import Category, OutboundMessage
from repair.enums import ImportState, RepairContactChannel, RepairState
from repair.models import KeyEvent, KeyEventCustomer, RepairCase, RepairContact, RepairStrategy
from repair.services.callbacks import book_callback
from repair.services.cases import close_case, log_repair_contact, open_repair_case
from repair.services.key_events import import_affected
from tests.factories import CustomerFactory, make_complaint
from tests.openapi import assert_described

pytestmark = pytest.mark.django_db

URL = "/api/v1/repair/"
CASES = f"{URL}cases/"
EVENTS = f"{URL}key-events/"
SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = dt.timedelta(hours=1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    """Uploaded and generated files go to a folder of the test's own."""
    settings.MEDIA_ROOT = tmp_path


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def api(agent):
    return client_for(agent)


@pytest.fixture
def boss(supervisor):
    return client_for(supervisor)


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    return body


def moment(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def make_case(*, due_in: float = 48, customer=None, **fields) -> RepairCase:
    """A case as the services leave it, due ``due_in`` hours from now."""
    fields.setdefault("damage_type", "call_loss")
    return RepairCase.objects.create(
        customer=customer or CustomerFactory(),
        due_at=timezone.now() + due_in * HOUR,
        **fields,
    )


def case_url(case: RepairCase, action: str = "") -> str:
    return f"{CASES}{case.pk}/" + (f"{action}/" if action else "")


def event_url(event: KeyEvent, action: str = "") -> str:
    return f"{EVENTS}{event.pk}/" + (f"{action}/" if action else "")


def listed(client, url: str = CASES, **params) -> list[int]:
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


# --- The case list ---------------------------------------------------------------------


@pytest.fixture
def cases(agent, other_agent, team, other_team):
    """Five cases: whose they are, by name, with their due times in hours from now."""
    return {
        "mine": make_case(owner=agent, team=team, due_in=30, level=2),
        "team_pile": make_case(team=team, due_in=10, damage_type="complaint", level=3),
        "mine_elsewhere": make_case(owner=agent, team=other_team, due_in=20, level=1),
        "other_team": make_case(owner=other_agent, team=other_team, due_in=5, level=2),
        "nobody_s": make_case(due_in=40, damage_type="process", level=1),
    }


def ids(cases: dict, *names: str) -> list[int]:
    return [cases[name].pk for name in names]


def test_agents_see_their_own_and_their_team_s_cases_nearest_due_first(api, cases):
    assert listed(api) == ids(cases, "team_pile", "mine_elsewhere", "mine")


def test_supervisors_see_every_case(boss, cases):
    assert listed(boss) == ids(
        cases, "other_team", "team_pile", "mine_elsewhere", "mine", "nobody_s"
    )


def test_the_list_shows_each_case_with_its_customer_owner_and_sources(api, agent, team):
    complaint = make_complaint(created_by=agent, team=team)
    booking, _created = book_callback(phone="13812345678", source="ivr")
    case = open_repair_case(
        customer=complaint.customer,
        damage_type="call_loss",
        complaint=complaint,
        source_callback=booking,
        reason="三次未接通",
    )
    row = api.get(CASES).json()["results"][0]
    assert row["id"] == case.pk
    assert row["customer"]["id"] == complaint.customer_id
    assert row["customer"]["phone"].count("*") == 4  # agents see it masked
    assert (row["damage_type"], row["state"], row["reason"]) == ("call_loss", "open", "三次未接通")
    assert row["complaint"] == {"id": complaint.pk, "reference": complaint.reference}
    assert row["source_callback"] == booking.pk
    assert row["source_response"] is None and row["key_event"] is None
    assert row["team"] == {"id": team.pk, "name": team.name}
    assert row["owner"] is None and row["opened_by"] is None and row["overdue"] is False
    assert moment(row["due_at"]) == case.due_at


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"damage_type": "complaint"}, ["team_pile"]),
        ({"damage_type": ["complaint", "process"]}, ["team_pile", "nobody_s"]),
        ({"level": 1}, ["mine_elsewhere", "nobody_s"]),
        ({"mine": "true"}, ["mine_elsewhere", "mine"]),
        ({"mine": "false"}, ["other_team", "team_pile", "mine_elsewhere", "mine", "nobody_s"]),
        ({"state": "in_progress"}, ["mine"]),
        ({"state": ["open", "repaired"]}, ["other_team", "team_pile", "mine_elsewhere"]),
    ],
)
def test_the_list_filters(boss, cases, supervisor, params, expected):
    cases["mine"].state = RepairState.IN_PROGRESS
    cases["mine"].save()
    cases["nobody_s"].state = RepairState.NOT_REPAIRED
    cases["nobody_s"].save()
    if params.get("mine") == "true":  # the supervisor's own cases
        RepairCase.objects.filter(pk__in=ids(cases, "mine", "mine_elsewhere")).update(
            owner=supervisor
        )
    assert listed(boss, **params) == ids(cases, *expected)


def test_the_owner_filter(boss, cases, agent):
    assert listed(boss, owner=agent.pk) == ids(cases, "mine_elsewhere", "mine")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"state": "lost"}, "state"),
        ({"damage_type": "flood"}, "damage_type"),
        ({"level": "high"}, "level"),
        ({"owner": "me"}, "owner"),
    ],
)
def test_bad_filters_are_refused(api, params, field):
    assert field in assert_problem(api.get(CASES, params), 400, "invalid")["errors"]


def test_the_list_pages_by_cursor(boss, cases):
    first = boss.get(CASES, {"page_size": 2}).json()
    assert [row["id"] for row in first["results"]] == ids(cases, "other_team", "team_pile")
    second = boss.get(first["next"]).json()
    assert [row["id"] for row in second["results"]] == ids(cases, "mine_elsewhere", "mine")
    third = boss.get(second["next"]).json()
    assert [row["id"] for row in third["results"]] == ids(cases, "nobody_s")
    assert third["next"] is None


# --- One case --------------------------------------------------------------------------


def test_the_detail_has_contacts_scripts_in_the_customer_s_language_and_sources(api, agent, team):
    complaint = make_complaint(created_by=agent, team=team)
    customer = complaint.customer
    customer.language = "en"
    customer.save()
    case = open_repair_case(customer=customer, damage_type="complaint", complaint=complaint)
    log_repair_contact(case, agent=agent, channel="call", reached=False, note="关机")
    log_repair_contact(case, agent=agent, channel="sms", reached=True, note="已回复")
    RepairStrategy.objects.create(
        name="Retired", line="people", damage_types=[], script_en="x", script_zh_hans="x",
        is_active=False,
    )  # fmt: skip
    response = api.get(case_url(case))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == "in_progress" and body["owner"]["username"] == "agent"
    assert body["complaint"]["reference"] == complaint.reference
    assert [(c["channel"], c["reached"], c["note"]) for c in body["contacts"]] == [
        ("call", False, "关机"),
        ("sms", True, "已回复"),
    ]
    assert body["contacts"][0]["agent"]["username"] == "agent"
    # The seeded library: every active strategy naming `complaint` (none naming no type).
    assert [s["name"] for s in body["strategies"]] == list(
        RepairStrategy.objects.filter(is_active=True, damage_types__contains=["complaint"])
        .order_by("line", "name")
        .values_list("name", flat=True)
    )
    apology = next(s for s in body["strategies"] if s["line"] == "people")
    assert apology["script"].startswith(f"Hello {customer.name}, this is {agent}.")
    assert complaint.reference in apology["script"]
    assert "Retired" not in {s["name"] for s in body["strategies"]}


def test_a_chinese_speaking_customer_gets_the_chinese_script(api, agent, team):
    case = make_case(owner=agent, team=team, customer=CustomerFactory(name="王伟"))
    scripts = api.get(case_url(case)).json()["strategies"]
    assert [s["name"] for s in scripts] == ["Return the missed call and explain"]
    assert scripts[0]["script"].startswith("王伟您好")


def test_supervisors_see_the_phone(boss, agent):
    case = make_case(owner=agent, customer=CustomerFactory(phone="+8613812345678"))
    assert boss.get(case_url(case)).json()["customer"]["phone"] == "+8613812345678"
    assert client_for(agent).get(case_url(case)).json()["customer"]["phone"] == "138****5678"


def test_an_agent_of_another_team_cannot_see_or_touch_the_case(agent, other_agent, team):
    case = make_case(team=team)
    stranger = client_for(other_agent)
    assert_problem(stranger.get(case_url(case)), 404, "not_found")
    assert_problem(stranger.post(case_url(case, "take")), 404, "not_found")
    assert_problem(
        stranger.post(case_url(case, "contacts"), {"channel": "call", "reached": True}),
        404,
        "not_found",
    )
    assert_problem(
        stranger.post(case_url(case, "close"), {"repaired": True, "outcome": "x"}),
        404,
        "not_found",
    )
    assert listed(stranger) == []
    case.refresh_from_db()
    assert case.state == RepairState.OPEN and not case.contacts.exists()


def test_unknown_cases_are_404(api):
    assert_problem(api.get(f"{CASES}999999/"), 404, "not_found")
    assert_problem(api.post(f"{CASES}999999/take/"), 404, "not_found")


# --- Opening by hand -----------------------------------------------------------------


def test_a_supervisor_opens_a_case_by_hand(boss, supervisor, agent):
    complaint = make_complaint(created_by=agent, team=agent.team)
    with time_machine.travel(dt.datetime(2026, 11, 16, 10, tzinfo=SHANGHAI), tick=False):
        response = boss.post(
            CASES,
            {
                "customer": complaint.customer_id,
                "damage_type": "complaint",
                "complaint": complaint.reference,
                "reason": "客户在微博上投诉",
            },
        )
    assert response.status_code == 201, response.content
    case = RepairCase.objects.get()
    assert response["Location"] == case_url(case)
    body = response.json()
    assert body["id"] == case.pk and body["opened_by"]["username"] == "supervisor"
    assert (body["damage_type"], body["state"], body["reason"]) == (
        "complaint",
        "open",
        "客户在微博上投诉",
    )
    assert body["level"] == 2  # the complaint type's base level
    assert body["team"]["id"] == agent.team_id  # the complaint's team (no REPAIR_TEAMS entry)
    assert moment(body["due_at"]) == dt.datetime(2026, 11, 18, 10, tzinfo=SHANGHAI)
    assert body["contacts"] == [] and body["strategies"]
    assert case.opened_by == supervisor and case.complaint == complaint


def test_opening_again_answers_the_open_case_of_the_same_kind(boss):
    customer = CustomerFactory()
    existing = open_repair_case(customer=customer, damage_type="process")
    body = {"customer": customer.pk, "damage_type": "process", "reason": "Again"}
    response = boss.post(CASES, body)
    assert response.status_code == 200, response.content
    assert response.json()["id"] == existing.pk and "Location" not in response
    assert RepairCase.objects.count() == 1
    # Another kind, or after the first is closed, is a new case.
    assert boss.post(CASES, {**body, "damage_type": "call_loss"}).status_code == 201
    RepairCase.objects.filter(pk=existing.pk).update(state=RepairState.REPAIRED)
    assert boss.post(CASES, body).status_code == 201
    assert RepairCase.objects.count() == 3


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"customer": None}, "customer"),
        ({"customer": 999999}, "customer"),
        ({"damage_type": "flood"}, "damage_type"),
        ({"damage_type": "key_event"}, "damage_type"),
        ({"complaint": "C-2026-999999"}, "complaint"),
        ({"complaint": "someone else's"}, "complaint"),
        ({"reason": ""}, "reason"),
        ({"reason": "x" * 501}, "reason"),
    ],
)
def test_bad_openings_are_refused_per_field(boss, agent, changes, field):
    customer = CustomerFactory()
    if changes.get("complaint") == "someone else's":
        changes["complaint"] = make_complaint(created_by=agent).reference
    body = {"customer": customer.pk, "damage_type": "process", "reason": "By hand", **changes}
    problem = assert_problem(boss.post(CASES, body), 400, "invalid")
    assert field in problem["errors"], problem
    assert not RepairCase.objects.exists()


def test_missing_fields_are_named(boss):
    problem = assert_problem(boss.post(CASES, {}), 400, "invalid")
    assert set(problem["errors"]) == {"customer", "damage_type", "reason"}


# --- Take, contacts, close -------------------------------------------------------------


def test_take_log_contacts_and_close(api, agent, other_agent, team):
    case = make_case(team=team, owner=None, damage_type="complaint")
    taken = api.post(case_url(case, "take"))
    assert taken.status_code == 200, taken.content
    assert taken.json()["state"] == "in_progress"
    assert taken.json()["owner"]["username"] == "agent"

    logged = api.post(
        case_url(case, "contacts"), {"channel": "visit", "reached": True, "note": "上门道歉"}
    )
    assert logged.status_code == 201, logged.content
    body = logged.json()
    assert (body["contact"]["channel"], body["contact"]["note"]) == ("visit", "上门道歉")
    assert body["contact"]["agent"]["username"] == "agent"
    assert body["case"]["id"] == case.pk and body["case"]["state"] == "in_progress"

    strategy = RepairStrategy.objects.get(line="cross_department")
    closed = api.post(
        case_url(case, "close"),
        {
            "repaired": True,
            "outcome": "  退还多收费用，客户接受  ",
            "satisfied_after": True,
            "strategy": strategy.pk,
        },
    )
    assert closed.status_code == 200, closed.content
    body = closed.json()
    assert (body["state"], body["outcome"], body["satisfied_after"]) == (
        "repaired",
        "退还多收费用，客户接受",
        True,
    )
    assert body["strategy"] == {"id": strategy.pk, "name": strategy.name}
    assert body["closed_at"] and body["overdue"] is False
    assert [c["channel"] for c in body["contacts"]] == ["visit"]

    # A closed case refuses everything.
    again = api.post(case_url(case, "close"), {"repaired": False, "outcome": "Twice"})
    assert_problem(again, 409, "illegal_transition")
    assert_problem(api.post(case_url(case, "take")), 409, "illegal_transition")
    contact = api.post(case_url(case, "contacts"), {"channel": "call"})
    assert_problem(contact, 409, "illegal_transition")
    assert RepairContact.objects.count() == 1


def test_a_contact_on_a_case_nobody_owns_makes_the_caller_its_owner(api, team):
    case = make_case(team=team)
    body = api.post(case_url(case, "contacts"), {"channel": "call"}).json()
    assert body["contact"]["reached"] is True  # the default
    assert body["case"]["owner"]["username"] == "agent"
    assert body["case"]["state"] == "in_progress"


def test_not_repaired_and_not_asked(api, agent, team):
    case = make_case(owner=agent, team=team, due_in=-1)
    assert api.get(case_url(case)).json()["overdue"] is True
    body = api.post(case_url(case, "close"), {"repaired": False, "outcome": "客户拒绝沟通"}).json()
    assert (body["state"], body["satisfied_after"], body["strategy"]) == (
        "not_repaired",
        None,
        None,
    )
    assert body["overdue"] is False


def test_closing_with_a_follow_up_survey_names_the_invitation(api, agent, team):
    case = make_case(owner=agent, team=team)
    body = api.post(
        case_url(case, "close"),
        {"repaired": True, "outcome": "Apologised", "follow_up_survey": True},
    ).json()
    case.refresh_from_db()
    assert body["follow_up_invitation"] == case.follow_up_invitation_id is not None
    refused = api.post(
        case_url(make_case(owner=agent, team=team), "close"),
        {"repaired": False, "outcome": "No", "follow_up_survey": True},
    )
    assert "follow_up_survey" in assert_problem(refused, 400, "invalid")["errors"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"outcome": "Done"}, "repaired"),
        ({"repaired": True}, "outcome"),
        ({"repaired": True, "outcome": "   "}, "outcome"),
        ({"repaired": "perhaps", "outcome": "Done"}, "repaired"),
        ({"repaired": True, "outcome": "Done", "satisfied_after": "very"}, "satisfied_after"),
        ({"repaired": True, "outcome": "Done", "strategy": 999999}, "strategy"),
        ({"repaired": True, "outcome": "Done", "strategy": "retired"}, "strategy"),
    ],
)
def test_bad_closings_are_refused_per_field(api, agent, team, body, field):
    case = make_case(owner=agent, team=team)
    if body.get("strategy") == "retired":
        body["strategy"] = RepairStrategy.objects.create(
            name="Old", line="people", script_en="x", script_zh_hans="x", is_active=False
        ).pk
    problem = assert_problem(api.post(case_url(case, "close"), body), 400, "invalid")
    assert field in problem["errors"], problem
    case.refresh_from_db()
    assert case.is_open


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "channel"),
        ({"channel": "pigeon"}, "channel"),
        ({"channel": "call", "reached": "maybe"}, "reached"),
        ({"channel": "call", "note": "x" * 1001}, "note"),
    ],
)
def test_bad_contacts_are_refused_per_field(api, agent, team, body, field):
    case = make_case(owner=agent, team=team)
    problem = assert_problem(api.post(case_url(case, "contacts"), body), 400, "invalid")
    assert field in problem["errors"], problem
    assert not RepairContact.objects.exists()


# --- Strategies ------------------------------------------------------------------------


def test_the_strategy_library_lists_the_active_strategies(api):
    RepairStrategy.objects.create(
        name="Retired", line="people", script_en="x", script_zh_hans="x", is_active=False
    )
    everywhere = RepairStrategy.objects.create(
        name="Listen first", line="people", damage_types=[], script_en="Hi", script_zh_hans="您好"
    )
    response = api.get(f"{URL}strategies/")
    assert response.status_code == 200, response.content
    rows = response.json()
    active = RepairStrategy.objects.filter(is_active=True).order_by("line", "name")
    assert [row["id"] for row in rows] == [strategy.pk for strategy in active]
    listen = next(row for row in rows if row["id"] == everywhere.pk)
    assert listen == {
        "id": everywhere.pk,
        "name": "Listen first",
        "line": "people",
        "damage_types": [],
        "script_en": "Hi",
        "script_zh_hans": "您好",
    }


def test_strategies_filtered_by_damage_type_include_those_for_every_type(api):
    RepairStrategy.objects.create(
        name="Listen first", line="people", damage_types=[], script_en="Hi", script_zh_hans="您好"
    )
    names = [
        row["name"] for row in api.get(f"{URL}strategies/", {"damage_type": "call_loss"}).json()
    ]
    assert names == ["Listen first", "Return the missed call and explain"]
    problem = assert_problem(api.get(f"{URL}strategies/", {"damage_type": "x"}), 400, "invalid")
    assert "damage_type" in problem["errors"]


# --- Metrics ---------------------------------------------------------------------------


def test_the_metrics_default_to_the_last_30_days(api, agent):
    now = dt.datetime(2026, 11, 16, 10, tzinfo=SHANGHAI)
    with time_machine.travel(now - 40 * 24 * HOUR, tick=False):  # outside the period
        close_case(make_case(), by=agent, repaired=True, outcome="Old", satisfied_after=False)
    with time_machine.travel(now - 2 * HOUR, tick=False):
        on_time = make_case()
        close_case(on_time, by=agent, repaired=True, outcome="Fixed", satisfied_after=True)
        late = make_case(due_in=-1)
        close_case(late, by=agent, repaired=False, outcome="Too late", satisfied_after=None)
        make_case()  # open
        billing = Category.objects.get(code="billing_dispute")
        customer = CustomerFactory()
        make_complaint(customer=customer, category=billing, description="多扣费")
        make_complaint(customer=customer, category=billing, description="又多扣费")  # repeat
    with time_machine.travel(now, tick=False):
        response = api.get(f"{URL}metrics/")
    assert response.status_code == 200, response.content
    figures = response.json()
    assert moment(figures.pop("since")) == now - dt.timedelta(days=30)
    assert moment(figures.pop("until")) == now
    assert figures == {
        "closed": 2,
        "on_time": 1,
        "asked": 1,
        "satisfied": 1,
        "on_time_rate": 0.5,
        "satisfied_rate": 1.0,
        "complaints": 2,
        "repeat_complaints": 1,
        "repeat_rate": 0.5,
        "open_backlog": RepairCase.objects.filter(state__in=["open", "in_progress"]).count(),
    }


def test_the_metrics_of_a_given_period(api, agent):
    close_case(make_case(), by=agent, repaired=True, outcome="Fixed", satisfied_after=True)
    empty = api.get(
        f"{URL}metrics/",
        {"since": "2020-01-01T00:00:00+08:00", "until": "2020-02-01T00:00:00+08:00"},
    ).json()
    assert (empty["closed"], empty["on_time_rate"], empty["repeat_rate"]) == (0, None, None)


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "2026-11-16T00:00:00+08:00", "until": "2026-11-15T00:00:00+08:00"}, "until"),
        ({"since": "2024-01-01T00:00:00+08:00", "until": "2026-11-15T00:00:00+08:00"}, "since"),
        ({"until": "tomorrow"}, "until"),
    ],
)
def test_a_bad_metrics_period_is_refused(api, params, field):
    problem = assert_problem(api.get(f"{URL}metrics/", params), 400, "invalid")
    assert field in problem["errors"]


# --- Key events ------------------------------------------------------------------------

EVENT = {
    "name": "光缆中断",
    "kind": "network_outage",
    "started_at": "2026-11-16T08:00:00+08:00",
    "ended_at": "2026-11-16T14:30:00+08:00",
    "description": "城东光缆被挖断",
    "sms_en": "Dear {customer_name}, sorry about {event_name}.",
    "sms_zh_hans": "{customer_name}您好，{event_name}给您带来不便，深表歉意。",
}


def make_event(**fields) -> KeyEvent:
    data = {**EVENT, **fields}
    data["started_at"] = moment(data["started_at"])
    data["ended_at"] = data["ended_at"] and moment(data["ended_at"])
    return KeyEvent.objects.create(**data)


def upload(content: bytes, name: str = "affected.csv") -> dict:
    return {"file": SimpleUploadedFile(name, content, content_type="text/csv")}


def test_a_key_event_from_record_to_report(boss, supervisor, django_capture_on_commit_callbacks):
    created = boss.post(EVENTS, EVENT)
    assert created.status_code == 201, created.content
    event = KeyEvent.objects.get()
    assert created["Location"] == event_url(event)
    body = created.json()
    assert (body["name"], body["kind"], body["import_state"]) == (
        "光缆中断",
        "network_outage",
        "none",
    )
    assert body["created_by"]["username"] == "supervisor" and body["progress_percent"] == 0
    assert body["report"]["affected"] == 0 and body["skipped_rows"] is None
    assert_problem(boss.get(event_url(event, "skipped")), 404, "not_found")
    # A client asking for CSV gets the problem too, not 406.
    assert_problem(boss.get(event_url(event, "skipped"), HTTP_ACCEPT="text/csv"), 404, "not_found")

    rows = b"phone,name,account,note\n13812345678,Wang,A1,\n13900000001,Li,,VIP\nbad,X,,\n"
    with django_capture_on_commit_callbacks(execute=False) as queued:
        uploaded = boss.post(event_url(event, "file"), upload(rows), format="multipart")
    assert uploaded.status_code == 202, uploaded.content
    assert len(queued) == 1  # the import runs after commit, in the worker
    assert uploaded.json()["import_state"] == "queued"
    assert uploaded.json()["progress_percent"] == 0

    import_affected(KeyEvent.objects.get())  # what the worker does
    body = boss.get(event_url(event)).json()
    assert body["import_state"] == "done" and body["progress_percent"] == 100
    assert (body["rows_total"], body["rows_done"], body["rows_bad"]) == (3, 3, 1)
    report = body["report"]
    assert (report["affected"], report["notified"], report["cases"]) == (2, 2, 2)
    assert (report["sampled"], report["responded"], report["satisfaction"]) == (0, 0, None)
    assert body["skipped_rows"] == event_url(event, "skipped")
    assert RepairCase.objects.filter(key_event=event, damage_type="key_event").count() == 2
    assert OutboundMessage.objects.count() == 2

    skipped = boss.get(body["skipped_rows"], HTTP_ACCEPT="text/csv")
    assert skipped.status_code == 200
    assert skipped["Content-Type"] == "text/csv"
    assert f'filename="key-event-{event.pk}-skipped.csv"' in skipped["Content-Disposition"]
    text = b"".join(skipped.streaming_content).decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [
        ["line", "phone", "reason"],
        ["4", "bad", "invalid phone number"],
    ]

    sampled = boss.post(event_url(event, "sample"), {"size": 1})
    assert sampled.status_code == 200, sampled.content
    assert sampled.json() == {"drawn": 1}
    assert boss.post(event_url(event, "sample")).json() == {"drawn": 1}  # the one left
    assert boss.post(event_url(event, "sample")).json() == {"drawn": 0}
    report = boss.get(event_url(event)).json()["report"]
    assert (report["affected"], report["sampled"], report["responded"]) == (2, 2, 0)
    assert KeyEventCustomer.objects.filter(event=event, invitation__isnull=False).count() == 2


def test_an_upload_is_refused_while_an_import_is_queued_or_running(boss):
    event = make_event()
    for state in (ImportState.QUEUED, ImportState.RUNNING):
        KeyEvent.objects.filter(pk=event.pk).update(import_state=state)
        busy = boss.post(event_url(event, "file"), upload(b"13812345678,A\n"), format="multipart")
        assert_problem(busy, 409, "busy")
    event.refresh_from_db()
    assert not event.import_file


def test_uploading_again_after_an_import_imports_the_new_file(
    boss, django_capture_on_commit_callbacks
):
    event = make_event()
    boss.post(event_url(event, "file"), upload(b"13812345678,A\n"), format="multipart")
    import_affected(KeyEvent.objects.get())
    with django_capture_on_commit_callbacks(execute=False) as queued:
        again = boss.post(
            event_url(event, "file"), upload(b"13812345678,A\n13900000001,B\n"), format="multipart"
        )
    assert again.status_code == 202 and len(queued) == 1
    import_affected(KeyEvent.objects.get())
    assert boss.get(event_url(event)).json()["report"]["affected"] == 2


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "file"),
        ({"file": "not a file"}, "file"),
        (upload(b""), "file"),
    ],
)
def test_an_upload_needs_a_file(boss, body, field):
    event = make_event()
    problem = assert_problem(
        boss.post(event_url(event, "file"), body, format="multipart"), 400, "invalid"
    )
    assert field in problem["errors"]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"kind": "earthquake"}, "kind"),
        ({"started_at": "this morning"}, "started_at"),
        ({"ended_at": "2026-11-16T07:00:00+08:00"}, "ended_at"),
        ({"sms_en": ""}, "sms_en"),
        ({"sms_zh_hans": "长" * 501}, "sms_zh_hans"),
    ],
)
def test_bad_key_events_are_refused_per_field(boss, changes, field):
    problem = assert_problem(boss.post(EVENTS, {**EVENT, **changes}), 400, "invalid")
    assert field in problem["errors"], problem
    assert not KeyEvent.objects.exists()


def test_an_event_without_an_end_or_description(boss):
    body = {key: value for key, value in EVENT.items() if key not in ("ended_at", "description")}
    response = boss.post(EVENTS, body)
    assert response.status_code == 201, response.content
    assert response.json()["ended_at"] is None and response.json()["description"] == ""


@pytest.mark.parametrize("size", [0, -3, "many", 500_001])
def test_a_bad_sample_size_is_refused(boss, size):
    problem = assert_problem(
        boss.post(event_url(make_event(), "sample"), {"size": size}), 400, "invalid"
    )
    assert "size" in problem["errors"]


def test_key_events_are_listed_latest_first_and_unknown_ones_are_404(api):
    first = make_event(name="First", started_at="2026-11-01T08:00:00+08:00", ended_at=None)
    second = make_event(name="Second", started_at="2026-11-10T08:00:00+08:00", ended_at=None)
    KeyEvent.objects.filter(pk=second.pk).update(
        import_state="running", rows_total=200, rows_done=50
    )
    rows = api.get(EVENTS).json()["results"]
    assert [row["id"] for row in rows] == [second.pk, first.pk]
    assert (rows[0]["import_state"], rows[0]["progress_percent"]) == ("running", 25)
    assert "report" not in rows[0]
    assert_problem(api.get(f"{EVENTS}999999/"), 404, "not_found")
    assert_problem(api.get(f"{EVENTS}999999/skipped/"), 404, "not_found")


# --- Who may call what ---------------------------------------------------------------------

READ, WRITE, REPORTS = "complaints:read", "complaints:write", "reports:read"


def _upload(scene: dict) -> dict:
    return upload(b"13812345678,A\n")


# endpoint → (method, path with {case} and {event}, body or a function of the scene, format)
ENDPOINTS = {
    "cases": ("get", CASES, None),
    "open_case": (
        "post",
        CASES,
        lambda scene: {"customer": scene["customer"], "damage_type": "process", "reason": "x"},
    ),
    "case": ("get", CASES + "{case}/", None),
    "take": ("post", CASES + "{case}/take/", None),
    "contact": ("post", CASES + "{case}/contacts/", {"channel": "call"}),
    "close": ("post", CASES + "{case}/close/", {"repaired": True, "outcome": "Fixed"}),
    "strategies": ("get", URL + "strategies/", None),
    "metrics": ("get", URL + "metrics/", None),
    "key_events": ("get", EVENTS, None),
    "record_event": ("post", EVENTS, EVENT),
    "key_event": ("get", EVENTS + "{event}/", None),
    "upload": ("post", EVENTS + "{event}/file/", _upload),
    "sample": ("post", EVENTS + "{event}/sample/", None),
    "skipped": ("get", EVENTS + "{event}/skipped/", None),
}
OK = {"get": 200, "post": 201}
# Actions on an existing record answer 200, creations 201, the queued import 202.
OK_OVERRIDES = {"take": 200, "close": 200, "upload": 202, "sample": 200}
READS = [endpoint for endpoint, (method, _, _) in ENDPOINTS.items() if method == "get"]
SUPERVISORS_ONLY = {"open_case", "record_event", "upload", "sample"}
AGENT_WORK = [endpoint for endpoint in ENDPOINTS if endpoint not in SUPERVISORS_ONLY]


def ok(endpoint: str) -> int:
    return OK_OVERRIDES.get(endpoint, OK[ENDPOINTS[endpoint][0]])


def everything(status: int) -> dict[str, int]:
    return dict.fromkeys(ENDPOINTS, status)


def allowed(*endpoints: str, otherwise: int) -> dict[str, int]:
    return {
        endpoint: ok(endpoint) if endpoint in endpoints else otherwise for endpoint in ENDPOINTS
    }


def without(endpoints: list[str], *left_out: str) -> list[str]:
    return [endpoint for endpoint in endpoints if endpoint not in left_out]


EXPECTED: dict[str, dict[str, int]] = {
    "anonymous": everything(401),
    # Agents work cases; opening by hand and key events are for supervisors.
    "agent": allowed(*AGENT_WORK, otherwise=403),
    "supervisor": allowed(*ENDPOINTS, otherwise=0),
    "administrator": allowed(*ENDPOINTS, otherwise=0),
    # Department users answer work orders; repair is not theirs.
    "department_user": everything(403),
    "token_without_scope": everything(403),
    # The metrics are a report: reports:read, not complaints:read.
    "token_read": allowed(*without(READS, "metrics"), otherwise=403),
    "token_read_write": allowed(*without(AGENT_WORK, "metrics"), otherwise=403),
    "token_reports": allowed("metrics", otherwise=403),
    "supervisor_token": allowed(*ENDPOINTS, otherwise=0),
    # Scopes do not lift a role's limits.
    "department_token": everything(403),
}

TOKENS = {
    "token_without_scope": ("integration_user", ["callbacks:read", "callbacks:write"]),
    "token_read": ("integration_user", [READ]),
    "token_read_write": ("integration_user", [READ, WRITE]),
    "token_reports": ("integration_user", [REPORTS]),
    "supervisor_token": ("supervisor", [READ, WRITE, REPORTS]),
    "department_token": ("department_user", [READ, WRITE, REPORTS]),
}


def caller(role: str, request) -> APIClient:
    client = APIClient()
    if role in TOKENS:
        username, scopes = TOKENS[role]
        user = request.getfixturevalue(username)
        _token, raw = services.issue_api_token(name=role, user=user, scopes=scopes)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    elif role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


@pytest.fixture
def scene(team, integration_user):
    """A case agents of the team and the integration (its owner) see, an imported event."""
    case = make_case(team=team, owner=integration_user)
    event = make_event(import_state=ImportState.DONE)
    event.errors_file.save("skipped.csv", ContentFile(b"line,phone,reason\n"))
    return {"case": case.pk, "customer": case.customer_id, "event": event.pk}


@pytest.mark.parametrize(
    ("role", "endpoint"), [(role, endpoint) for role in EXPECTED for endpoint in ENDPOINTS]
)
def test_permission_matrix(role, endpoint, scene, request):
    method, path, body = ENDPOINTS[endpoint]
    client = caller(role, request)
    data = body(scene) if callable(body) else body
    extra = {"format": "multipart"} if endpoint == "upload" else {}
    response = getattr(client, method)(path.format(**scene), data, **extra)
    expected = EXPECTED[role][endpoint]
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response["Content-Type"].startswith("application/problem+json")
        if expected == 401:
            assert response["WWW-Authenticate"].startswith("Bearer")


# --- Query counts --------------------------------------------------------------------------

# The caller (session, user, its two permission reads), the page, and one INSERT into the
# audit trail for the customers' phone numbers a supervisor sees in full.
CASE_LIST_QUERIES = 6
# The caller, the case, its contacts and the strategies.
CASE_DETAIL_QUERIES = 7
# The caller and the page.
KEY_EVENT_LIST_QUERIES = 5


@pytest.mark.parametrize("rows", [3, 20])
def test_the_case_list_costs_the_same_for_3_or_20_rows(
    boss, supervisor, agent, team, rows, django_assert_num_queries
):
    complaint = make_complaint(created_by=agent)
    strategy = RepairStrategy.objects.first()
    for number in range(rows):
        case = make_case(
            team=team if number % 2 else None,
            owner=(agent, None, supervisor)[number % 3],
            complaint=complaint if number % 2 else None,
            opened_by=supervisor if number % 4 == 0 else None,
            due_in=number,
        )
        if number % 5 == 0:
            close_case(
                case,
                by=agent,
                repaired=True,
                outcome="Fixed",
                satisfied_after=True,
                strategy=strategy,
            )
    with django_assert_num_queries(CASE_LIST_QUERIES):
        response = boss.get(CASES, {"page_size": 50})
    assert len(response.json()["results"]) == rows


@pytest.mark.parametrize("contacts", [1, 3])
def test_the_case_detail_costs_the_same_for_1_or_3_contacts(
    api, agent, other_agent, team, contacts, django_assert_num_queries
):
    complaint = make_complaint(created_by=agent, team=team)
    case = open_repair_case(
        customer=complaint.customer, damage_type="complaint", complaint=complaint
    )
    for number in range(contacts):
        log_repair_contact(
            case, agent=(agent, other_agent)[number % 2], channel="call", reached=True
        )
    with django_assert_num_queries(CASE_DETAIL_QUERIES):
        response = api.get(case_url(case))
    assert len(response.json()["contacts"]) == contacts


@pytest.mark.parametrize("rows", [3, 20])
def test_the_key_event_list_costs_the_same_for_3_or_20_events(
    api, supervisor, rows, django_assert_num_queries
):
    for number in range(rows):
        make_event(name=f"Event {number}", created_by=supervisor if number % 2 else None)
    with django_assert_num_queries(KEY_EVENT_LIST_QUERIES):
        response = api.get(EVENTS, {"page_size": 50})
    assert len(response.json()["results"]) == rows


# --- OpenAPI -------------------------------------------------------------------------------

SCHEMA_ENDPOINTS = {
    "/api/v1/repair/cases/": {"get", "post"},
    "/api/v1/repair/cases/{id}/": {"get"},
    "/api/v1/repair/cases/{id}/take/": {"post"},
    "/api/v1/repair/cases/{id}/contacts/": {"post"},
    "/api/v1/repair/cases/{id}/close/": {"post"},
    "/api/v1/repair/strategies/": {"get"},
    "/api/v1/repair/metrics/": {"get"},
    "/api/v1/repair/key-events/": {"get", "post"},
    "/api/v1/repair/key-events/{id}/": {"get"},
    "/api/v1/repair/key-events/{id}/file/": {"post"},
    "/api/v1/repair/key-events/{id}/sample/": {"post"},
    "/api/v1/repair/key-events/{id}/skipped/": {"get"},
}
BODILESS = {"/api/v1/repair/cases/{id}/take/"}


def test_every_repair_endpoint_is_described_with_bodies_and_problems(schema):
    assert_described(schema, SCHEMA_ENDPOINTS, bodiless=BODILESS)


def test_answers_and_media_types_are_documented(schema):
    paths = schema["paths"]
    opened = paths["/api/v1/repair/cases/"]["post"]["responses"]
    assert {"200", "201", "400"} <= set(opened) and "Location" in opened["201"]["headers"]
    upload_operation = paths["/api/v1/repair/key-events/{id}/file/"]["post"]
    assert "multipart/form-data" in upload_operation["requestBody"]["content"]
    assert {"202", "409"} <= set(upload_operation["responses"])
    skipped = paths["/api/v1/repair/key-events/{id}/skipped/"]["get"]["responses"]["200"]
    assert set(skipped["content"]) == {"text/csv"}
    detail = schema["components"]["schemas"]["RepairCaseDetail"]
    assert detail["allOf"][0] == {"$ref": "#/components/schemas/RepairCase"}
    assert set(detail["allOf"][1]["properties"]) == {"contacts", "strategies"}


def test_filters_queries_and_enums_are_documented(schema):
    def names(path: str) -> set[str]:
        return {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}

    assert {"state", "damage_type", "owner", "mine", "level", "cursor"} <= names(
        "/api/v1/repair/cases/"
    )
    assert names("/api/v1/repair/metrics/") == {"since", "until"}
    assert names("/api/v1/repair/strategies/") == {"damage_type"}
    components = schema["components"]["schemas"]
    assert set(components["RepairCaseStateEnum"]["enum"]) == set(RepairState.values)
    assert set(components["ImportStateEnum"]["enum"]) == set(ImportState.values)
    assert "KeyEventKindEnum" in components and "DamageTypeEnum" in components
    # A repair contact's channels are documented as the complaint contact's enum: keep
    # the two choice sets the same.
    assert set(RepairContactChannel.values) == set(ContactChannel.values)
    channel = components["RepairContactRequest"]["properties"]["channel"]
    assert channel == {"$ref": "#/components/schemas/ContactChannelEnum"}
