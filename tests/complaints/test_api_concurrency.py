"""ETag and If-Match beyond complaints: work orders and SLA policies. A stale If-Match gets
412 and nothing is overwritten; the answer carries the new ETag."""

import pytest

from complaints import services
from complaints.models import Department, SlaPolicy, WorkOrder
from tests.api import assert_problem, client_for
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

WORK_ORDERS = "/api/v1/work-orders/"
POLICIES = "/api/v1/sla-policies/"


@pytest.fixture
def complaint(agent):
    return services.start_work(make_complaint(assignee=agent, created_by=agent), by=agent)


@pytest.fixture
def work_order(complaint, agent, department_user):
    return services.dispatch_work_order(
        complaint,
        department=Department.objects.get(code="billing"),
        instructions="Refund the double charge",
        by=agent,
    )


def test_dispatching_answers_with_the_work_order_s_etag_and_location(complaint, agent):
    Department.objects.get_or_create(code="billing", defaults={"name": "Billing"})
    response = client_for(agent).post(
        f"/api/v1/complaints/{complaint.pk}/dispatch/",
        {"department": "billing", "instructions": "Check the bill"},
        HTTP_IF_MATCH=f'"{complaint.version}"',
    )
    assert response.status_code == 201, response.content
    work_order = WorkOrder.objects.get(pk=response.json()["id"])
    assert response["ETag"] == '"1"'
    assert response["Location"] == f"{WORK_ORDERS}{work_order.pk}/"


def test_a_department_answers_with_if_match(work_order, department_user):
    api = client_for(department_user)
    etag = api.get(f"{WORK_ORDERS}{work_order.pk}/")["ETag"]
    assert etag == '"1"'
    response = api.post(
        f"{WORK_ORDERS}{work_order.pk}/answer/", {"answer": "Refunded"}, HTTP_IF_MATCH=etag
    )
    assert response.status_code == 200, response.content
    assert response["ETag"] == '"2"'


def test_a_stale_answer_or_cancel_is_412_and_changes_nothing(work_order, department_user, agent):
    WorkOrder.objects.filter(pk=work_order.pk).update(version=2)  # changed meanwhile
    url = f"{WORK_ORDERS}{work_order.pk}/"
    problem = assert_problem(
        client_for(department_user).post(
            f"{url}answer/", {"answer": "Refunded"}, HTTP_IF_MATCH='"1"'
        ),
        412,
        "stale_version",
    )
    assert problem["errors"] == {"version": ["2"]}
    assert_problem(
        client_for(agent).post(f"{url}cancel/", {"reason": "dup"}, HTTP_IF_MATCH='"1"'),
        412,
        "stale_version",
    )
    work_order.refresh_from_db()
    assert (work_order.state, work_order.answer) == ("open", "")


def test_sla_policies_carry_etags_and_refuse_stale_patches(supervisor):
    api = client_for(supervisor)
    created = api.post(POLICIES, {"priority": "urgent", "resolution_minutes": 100})
    assert created.status_code == 201, created.content
    assert created["ETag"] == '"1"'
    url = created["Location"]
    assert api.get(url)["ETag"] == '"1"'
    first = api.patch(url, {"resolution_minutes": 90}, HTTP_IF_MATCH='"1"')
    assert (first.status_code, first["ETag"]) == (200, '"2"')
    # a second supervisor still holding version 1 does not overwrite the first's change
    assert_problem(
        api.patch(url, {"resolution_minutes": 30}, HTTP_IF_MATCH='"1"'), 412, "stale_version"
    )
    assert SlaPolicy.objects.get(pk=created.json()["id"]).resolution_minutes == 90


@pytest.mark.parametrize(
    ("header", "status", "code"),
    [('W/"1"', 412, "precondition_failed"), ("1", 412, "precondition_failed"),
     ('"1", "2"', 400, "invalid_if_match")],
)  # fmt: skip
def test_if_match_must_name_one_strong_version(work_order, department_user, header, status, code):
    response = client_for(department_user).post(
        f"{WORK_ORDERS}{work_order.pk}/answer/", {"answer": "Refunded"}, HTTP_IF_MATCH=header
    )
    assert_problem(response, status, code)
    work_order.refresh_from_db()
    assert work_order.state == "open"
