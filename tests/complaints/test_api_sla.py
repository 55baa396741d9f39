"""SLA clocks in the API: the complaints' and work orders' clocks, their status, and the
SLA policies endpoint."""

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from complaints import services
from complaints.api.sla import SlaStatus, sla_status
from complaints.models import Category, Complaint, Department, SlaPolicy
from complaints.services.sla import check_deadlines
from tests.factories import UserFactory, make_complaint

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOUR = dt.timedelta(hours=1)
START = dt.datetime(2026, 11, 16, 10, 0, tzinfo=SHANGHAI)  # a Monday
URL = "/api/v1/complaints/"
POLICIES = "/api/v1/sla-policies/"


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code
    return body


def moment(value: str | None) -> dt.datetime | None:
    return None if value is None else dt.datetime.fromisoformat(value)


# --- The status, a pure function of the clock columns --------------------------------

T = START  # any time: the function only looks at which columns are set


def clocks(**columns):
    """A complaint's clock columns: both clocks running, nothing marked, unless given."""
    values = dict.fromkeys(
        (
            "response_met_at",
            "response_warned_at",
            "response_breached_at",
            "resolution_met_at",
            "resolution_warned_at",
            "resolution_breached_at",
            "resolution_paused_at",
        )
    )
    values.update(response_due_at=T, resolution_due_at=T)
    values.update(columns)
    return SimpleNamespace(**values)


STATUSES = [
    ("both running", clocks(), SlaStatus.OK),
    ("response warned", clocks(response_warned_at=T), SlaStatus.AT_RISK),
    ("resolution warned", clocks(resolution_warned_at=T), SlaStatus.AT_RISK),
    (
        "response breached",
        clocks(response_warned_at=T, response_breached_at=T),
        SlaStatus.BREACHED,
    ),
    (
        "breach outranks a warning",
        clocks(response_warned_at=T, resolution_breached_at=T),
        SlaStatus.BREACHED,
    ),
    (
        "a met clock's breach is history",
        clocks(response_met_at=T, response_breached_at=T),
        SlaStatus.OK,
    ),
    ("paused", clocks(response_met_at=T, resolution_paused_at=T), SlaStatus.PAUSED),
    # The response clock still counts down while resolution is paused: "ok", with its due time.
    ("paused, response still running", clocks(resolution_paused_at=T), SlaStatus.OK),
    (
        "a paused clock's marks do not count",
        clocks(response_met_at=T, resolution_paused_at=T, resolution_breached_at=T),
        SlaStatus.PAUSED,
    ),
    (
        "a running clock's breach outranks the pause",
        clocks(resolution_paused_at=T, response_breached_at=T),
        SlaStatus.BREACHED,
    ),
    ("both met", clocks(response_met_at=T, resolution_met_at=T), SlaStatus.MET),
    (
        "met late is met",
        clocks(response_met_at=T, resolution_met_at=T, resolution_breached_at=T),
        SlaStatus.MET,
    ),
    (
        "no first-response target",
        clocks(response_due_at=None, resolution_met_at=T),
        SlaStatus.MET,
    ),
    ("no first-response target, running", clocks(response_due_at=None), SlaStatus.OK),
    ("no clocks at all", clocks(response_due_at=None, resolution_due_at=None), SlaStatus.MET),
]


@pytest.mark.parametrize(("case", "complaint", "status"), STATUSES, ids=[s[0] for s in STATUSES])
def test_the_status_of_the_clocks(case, complaint, status):
    assert sla_status(complaint) == status


# --- Clocks on complaints and work orders ------------------------------------------


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


@pytest.fixture
def api(agent):
    return client_for(agent)


def general(agent, **fields) -> Complaint:
    fields.setdefault("received_at", timezone.now())
    return make_complaint(created_by=agent, assignee=agent, **fields)  # general priority


def sla_of(api, complaint: Complaint) -> dict:
    """The complaint's ``sla`` from the detail, checked to be the same in the list."""
    detail = api.get(f"{URL}{complaint.pk}/").json()["sla"]
    rows = api.get(URL).json()["results"]
    assert [row["sla"] for row in rows if row["id"] == complaint.pk] == [detail]
    return detail


def test_a_new_complaint_has_both_clocks_running(clock, api, agent):
    complaint = general(agent)
    sla = sla_of(api, complaint)
    assert set(sla) == {"response", "resolution", "status"}
    assert set(sla["response"]) == {"due_at", "warn_at", "met_at", "warned_at", "breached_at"}
    assert set(sla["resolution"]) == {
        "due_at",
        "warn_at",
        "met_at",
        "warned_at",
        "breached_at",
        "paused_at",
        "paused_seconds",
    }
    assert moment(sla["response"]["due_at"]) == START + 4 * HOUR
    assert moment(sla["response"]["warn_at"]) == START + 4 * HOUR * 0.8
    assert moment(sla["resolution"]["due_at"]) == START + 24 * HOUR
    assert moment(sla["resolution"]["warn_at"]) == START + 24 * HOUR * 0.8
    assert sla["response"]["met_at"] is None and sla["resolution"]["paused_seconds"] == 0
    assert sla["status"] == "ok"


def test_warned_then_breached(clock, api, agent):
    complaint = general(agent)
    warned = START + dt.timedelta(hours=3, minutes=12)  # 80 % of 4 hours
    check_deadlines(now=warned)
    sla = sla_of(api, complaint)
    assert moment(sla["response"]["warned_at"]) == warned
    assert sla["response"]["breached_at"] is None
    assert sla["status"] == "at_risk"

    check_deadlines(now=START + 4 * HOUR)
    sla = sla_of(api, complaint)
    assert moment(sla["response"]["breached_at"]) == START + 4 * HOUR
    assert sla["status"] == "breached"


def test_the_resolution_clock_breaches_after_the_first_response(clock, api, agent):
    complaint = general(agent)
    services.log_contact(complaint, channel="call", outcome="reached", by=agent)
    check_deadlines(now=START + 24 * HOUR)
    sla = sla_of(api, complaint)
    assert moment(sla["response"]["met_at"]) == START
    assert sla["response"]["breached_at"] is None
    assert moment(sla["resolution"]["warned_at"]) == START + 24 * HOUR
    assert moment(sla["resolution"]["breached_at"]) == START + 24 * HOUR
    assert sla["status"] == "breached"


def test_waiting_on_the_customer_pauses_and_resuming_counts_the_pause(clock, api, agent):
    complaint = services.start_work(general(agent), by=agent)
    services.log_contact(complaint, channel="call", outcome="reached", by=agent)
    clock.shift(2 * HOUR)
    complaint = services.wait_on_customer(complaint, by=agent)
    sla = sla_of(api, complaint)
    assert sla["status"] == "paused"
    assert moment(sla["resolution"]["paused_at"]) == START + 2 * HOUR

    clock.shift(30 * HOUR)  # past the original due time, but paused
    check_deadlines(now=timezone.now())
    assert sla_of(api, complaint)["status"] == "paused"

    services.resume(complaint, by=agent)
    sla = sla_of(api, complaint)
    assert sla["status"] == "ok"
    assert sla["resolution"]["paused_at"] is None
    assert sla["resolution"]["paused_seconds"] == 30 * 3600
    assert moment(sla["resolution"]["due_at"]) == START + 54 * HOUR


def test_a_proposed_resolution_meets_both_clocks(clock, api, agent):
    complaint = services.start_work(general(agent), by=agent)
    clock.shift(HOUR)
    services.propose_resolution(complaint, summary="Fixed", by=agent)
    sla = sla_of(api, complaint)
    assert moment(sla["response"]["met_at"]) == START + HOUR
    assert moment(sla["resolution"]["met_at"]) == START + HOUR
    assert sla["status"] == "met"


def test_work_orders_show_their_clock(clock, agent, department_user):
    complaint = services.start_work(general(agent), by=agent)
    order = services.dispatch_work_order(
        complaint,
        department=Department.objects.get(code="billing"),
        instructions="Refund",
        by=agent,
    )
    url = f"/api/v1/work-orders/{order.pk}/"
    body = client_for(department_user).get(url).json()
    assert moment(body["due_at"]) == START + 48 * HOUR
    assert moment(body["warn_at"]) == START + 48 * HOUR * 0.8
    assert body["warned_at"] is None and body["breached_at"] is None

    check_deadlines(now=START + 48 * HOUR)
    body = client_for(department_user).get(url).json()
    assert moment(body["warned_at"]) == START + 48 * HOUR
    assert moment(body["breached_at"]) == START + 48 * HOUR
    assert body["state"] == "overdue"
    listed = client_for(agent).get("/api/v1/work-orders/").json()["results"]
    assert moment(listed[0]["breached_at"]) == START + 48 * HOUR


# --- SLA policies ----------------------------------------------------------------------


@pytest.fixture
def administrator_client(administrator):
    return client_for(administrator)


def policy_body(**fields) -> dict:
    body = {
        "priority": "general",
        "category": "billing_dispute",
        "first_response_minutes": 30,
        "resolution_minutes": 600,
    }
    return {**body, **fields}


def test_everyone_who_works_complaints_reads_the_policies(agent, supervisor):
    response = client_for(agent).get(POLICIES)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["count"] == SlaPolicy.objects.count() > 0
    first = body["results"][0]
    assert set(first) == {
        "id",
        "applies_to",
        "priority",
        "category",
        "customer_tier",
        "first_response_minutes",
        "resolution_minutes",
        "warn_percent",
        "is_active",
        "updated_at",
    }
    one = client_for(supervisor).get(f"{POLICIES}{first['id']}/")
    assert one.status_code == 200 and one.json() == first


def test_policies_filter_by_what_they_apply_to(agent):
    rows = client_for(agent).get(POLICIES, {"applies_to": "work_order"}).json()["results"]
    assert rows and {row["applies_to"] for row in rows} == {"work_order"}
    assert {row["priority"] for row in rows} == {""}
    problem = assert_problem(client_for(agent).get(POLICIES, {"applies_to": "x"}), 400, "invalid")
    assert set(problem["errors"]) == {"applies_to"}


def test_a_supervisor_adds_a_policy_that_new_clocks_follow(clock, agent, supervisor):
    response = client_for(supervisor).post(POLICIES, policy_body())
    assert response.status_code == 201, response.content
    body = response.json()
    policy = SlaPolicy.objects.get(pk=body["id"])
    assert response["Location"] == f"{POLICIES}{policy.pk}/"
    assert body["applies_to"] == "complaint" and body["category"] == "billing_dispute"
    assert body["warn_percent"] == 80 and body["is_active"] is True
    assert body["customer_tier"] == ""
    complaint = general(agent, category=Category.objects.get(code="billing_dispute"))
    assert complaint.sla_policy_id == policy.pk
    assert complaint.response_due_at == START + dt.timedelta(minutes=30)
    assert complaint.resolution_due_at == START + dt.timedelta(minutes=600)


def test_a_work_order_policy(administrator_client):
    body = {"applies_to": "work_order", "resolution_minutes": 24 * 60, "warn_percent": 50}
    response = administrator_client.post(POLICIES, body)
    assert response.status_code == 201, response.content
    assert response.json()["priority"] == "" and response.json()["first_response_minutes"] is None


def test_a_supervisor_changes_a_policy(supervisor):
    policy = SlaPolicy.objects.create(priority="urgent", resolution_minutes=600)
    response = client_for(supervisor).patch(
        f"{POLICIES}{policy.pk}/", {"warn_percent": 75, "customer_tier": "vip"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["warn_percent"] == 75 and response.json()["customer_tier"] == "vip"
    policy.refresh_from_db()
    assert (policy.warn_percent, policy.customer_tier, policy.resolution_minutes) == (
        75,
        "vip",
        600,
    )
    deactivated = client_for(supervisor).patch(f"{POLICIES}{policy.pk}/", {"is_active": False})
    assert deactivated.json()["is_active"] is False


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (policy_body(warn_percent=0), {"warn_percent"}),
        (policy_body(warn_percent=100), {"warn_percent"}),
        (policy_body(resolution_minutes=0), {"resolution_minutes"}),
        ({"priority": "urgent"}, {"resolution_minutes"}),
        (policy_body(first_response_minutes=0), {"first_response_minutes"}),
        (policy_body(priority=""), {"priority"}),
        (policy_body(priority="whenever"), {"priority"}),
        (policy_body(category="no_such_category"), {"category"}),
        (policy_body(customer_tier="gold"), {"customer_tier"}),
        (
            {"applies_to": "work_order", "priority": "urgent", "resolution_minutes": 60},
            {"priority"},
        ),
        (
            {"applies_to": "work_order", "first_response_minutes": 10, "resolution_minutes": 60},
            {"first_response_minutes"},
        ),
        (
            policy_body(applies_to="work_order", first_response_minutes=None),
            {"priority", "category"},
        ),
        (
            {"applies_to": "work_order", "customer_tier": "vip", "resolution_minutes": 60},
            {"customer_tier"},
        ),
    ],
)
def test_bad_policies_are_refused_per_field(supervisor, body, fields):
    before = SlaPolicy.objects.count()
    problem = assert_problem(client_for(supervisor).post(POLICIES, body), 400, "invalid")
    assert set(problem["errors"]) == fields
    assert SlaPolicy.objects.count() == before


def test_a_change_is_checked_against_the_stored_policy(supervisor):
    policy = SlaPolicy.objects.create(
        priority="urgent", first_response_minutes=30, resolution_minutes=600
    )
    problem = assert_problem(
        client_for(supervisor).patch(f"{POLICIES}{policy.pk}/", {"applies_to": "work_order"}),
        400,
        "invalid",
    )
    assert set(problem["errors"]) == {"priority", "first_response_minutes"}
    problem = assert_problem(
        client_for(supervisor).patch(f"{POLICIES}{policy.pk}/", {"warn_percent": 100}),
        400,
        "invalid",
    )
    assert set(problem["errors"]) == {"warn_percent"}
    policy.refresh_from_db()
    assert (policy.applies_to, policy.warn_percent) == ("complaint", 80)


def test_agents_read_but_do_not_write_policies(agent):
    policy = SlaPolicy.objects.create(priority="urgent", resolution_minutes=600)
    client = client_for(agent)
    assert_problem(client.post(POLICIES, policy_body()), 403, "permission_denied")
    assert_problem(
        client.patch(f"{POLICIES}{policy.pk}/", {"warn_percent": 50}), 403, "permission_denied"
    )
    policy.refresh_from_db()
    assert policy.warn_percent == 80
    assert not SlaPolicy.objects.filter(category__code="billing_dispute").exists()


def test_department_users_do_not_see_policies(department_user):
    assert_problem(client_for(department_user).get(POLICIES), 403, "permission_denied")


def test_policies_are_not_replaced_or_deleted_through_the_api(supervisor, administrator):
    policy = SlaPolicy.objects.create(priority="urgent", resolution_minutes=600)
    for user in (supervisor, administrator):
        client = client_for(user)
        assert client.put(f"{POLICIES}{policy.pk}/", policy_body()).status_code == 405
        assert client.delete(f"{POLICIES}{policy.pk}/").status_code == 405
    assert SlaPolicy.objects.filter(pk=policy.pk).exists()


def test_an_unknown_policy_is_404(supervisor):
    assert_problem(client_for(supervisor).get(f"{POLICIES}999999/"), 404, "not_found")
    assert_problem(
        client_for(supervisor).patch(f"{POLICIES}999999/", {"warn_percent": 50}), 404, "not_found"
    )


# The caller (session, user, two permission reads), the count and the page.
POLICY_LIST_QUERIES = 6


@pytest.mark.parametrize("rows", [3, 30])
def test_the_policy_list_costs_the_same_for_3_or_30_rows(rows, django_assert_max_num_queries, db):
    SlaPolicy.objects.all().delete()
    categories = list(Category.objects.all()[:3])
    for number in range(rows):
        SlaPolicy.objects.create(
            priority="general",
            category=categories[number % len(categories)],
            resolution_minutes=60 + number,
        )
    client = client_for(UserFactory(username="reader", role="Agent"))
    with django_assert_max_num_queries(POLICY_LIST_QUERIES):
        response = client.get(POLICIES)
    assert len(response.json()["results"]) == rows
