"""The work-orders API: who sees which, answering, cancelling."""

import pytest
from rest_framework.test import APIClient

from complaints import services
from complaints.enums import EventKind, State, WorkOrderState
from complaints.models import Complaint, Department, WorkOrder
from tests.factories import UserFactory, make_complaint

pytestmark = pytest.mark.django_db

URL = "/api/v1/work-orders/"


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


@pytest.fixture
def billing(department_user):
    return Department.objects.get(code="billing")


@pytest.fixture
def network(db):
    return Department.objects.create(code="network", name="Network")


@pytest.fixture
def network_user(network):
    return UserFactory(username="network", department=network, role="Department")


def dispatched(*, by, department, team=None, instructions="Please check") -> WorkOrder:
    """A work order on a fresh in-progress complaint of ``by``'s team (or ``team``)."""
    complaint = make_complaint(created_by=by, assignee=by, **({"team": team} if team else {}))
    complaint = services.start_work(complaint, by=by)
    return services.dispatch_work_order(
        complaint, department=department, instructions=instructions, by=by
    )


def listed(client, **params) -> set[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


def test_department_users_see_only_their_department(
    agent, other_agent, department_user, network_user, billing, network
):
    ours = dispatched(by=agent, department=billing)
    also_ours = dispatched(by=other_agent, department=billing)
    theirs = dispatched(by=agent, department=network)
    assert listed(client_for(department_user)) == {ours.pk, also_ours.pk}
    assert listed(client_for(network_user)) == {theirs.pk}
    assert_problem(client_for(department_user).get(f"{URL}{theirs.pk}/"), 404, "not_found")


def test_agents_see_the_work_orders_of_complaints_they_can_see(
    agent, other_agent, billing, network, team
):
    teammate = UserFactory(username="teammate", team=team, role="Agent")
    mine = dispatched(by=agent, department=billing)
    teams = dispatched(by=teammate, department=network)
    others = dispatched(by=other_agent, department=billing)
    assert listed(client_for(agent)) == {mine.pk, teams.pk}
    assert listed(client_for(other_agent)) == {others.pk}
    assert_problem(client_for(agent).get(f"{URL}{others.pk}/"), 404, "not_found")


def test_supervisors_see_every_work_order(agent, other_agent, supervisor, billing, network):
    orders = {
        dispatched(by=agent, department=billing).pk,
        dispatched(by=other_agent, department=network).pk,
    }
    assert listed(client_for(supervisor)) == orders


def test_the_state_filter(agent, department_user, billing):
    open_order = dispatched(by=agent, department=billing)
    answered = dispatched(by=agent, department=billing)
    services.answer_work_order(answered, answer="Done", by=department_user)
    client = client_for(department_user)
    assert listed(client) == {open_order.pk, answered.pk}
    assert listed(client, state="open") == {open_order.pk}
    assert listed(client, state="answered") == {answered.pk}
    problem = assert_problem(client.get(URL, {"state": "lost"}), 400, "invalid")
    assert set(problem["errors"]) == {"state"}


def test_the_work_order_shape(agent, department_user, billing):
    work_order = dispatched(by=agent, department=billing, instructions="核对账单")
    body = client_for(department_user).get(f"{URL}{work_order.pk}/").json()
    assert body["complaint"] == {
        "id": work_order.complaint_id,
        "reference": work_order.complaint.reference,
    }
    assert body["department"] == {"code": "billing", "name": "Billing"}
    assert body["instructions"] == "核对账单"
    assert body["state"] == WorkOrderState.OPEN
    assert body["created_by"]["username"] == "agent"
    assert body["answer"] == "" and body["answered_by"] is None and body["answered_at"] is None


def test_answering_the_last_open_order_resumes_the_complaint(agent, department_user, billing):
    work_order = dispatched(by=agent, department=billing)
    response = client_for(department_user).post(
        f"{URL}{work_order.pk}/answer/", {"answer": "已退款"}
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["state"] == WorkOrderState.ANSWERED
    assert body["answer"] == "已退款" and body["answered_by"]["username"] == "billing"
    complaint = Complaint.objects.get(pk=work_order.complaint_id)
    assert complaint.state == State.IN_PROGRESS
    assert complaint.events.filter(kind=EventKind.WORK_ORDER_ANSWERED).exists()


def test_an_answered_order_cannot_be_answered_again(agent, department_user, billing):
    work_order = dispatched(by=agent, department=billing)
    client = client_for(department_user)
    assert client.post(f"{URL}{work_order.pk}/answer/", {"answer": "Done"}).status_code == 200
    assert_problem(
        client.post(f"{URL}{work_order.pk}/answer/", {"answer": "Again"}), 409, "work_order_closed"
    )


def test_an_empty_answer_is_refused(agent, department_user, billing):
    work_order = dispatched(by=agent, department=billing)
    response = client_for(department_user).post(f"{URL}{work_order.pk}/answer/", {"answer": " "})
    assert set(assert_problem(response, 400, "invalid")["errors"]) == {"answer"}


def test_only_the_department_answers(agent, supervisor, network_user, billing):
    work_order = dispatched(by=agent, department=billing)
    body = {"answer": "Done"}
    assert_problem(
        client_for(agent).post(f"{URL}{work_order.pk}/answer/", body), 403, "permission_denied"
    )
    assert_problem(
        client_for(supervisor).post(f"{URL}{work_order.pk}/answer/", body), 403, "permission_denied"
    )
    assert_problem(
        client_for(network_user).post(f"{URL}{work_order.pk}/answer/", body), 404, "not_found"
    )
    assert WorkOrder.objects.get(pk=work_order.pk).state == WorkOrderState.OPEN


def test_the_complaints_team_cancels_a_work_order(agent, department_user, billing):
    work_order = dispatched(by=agent, department=billing)
    assert_problem(
        client_for(department_user).post(f"{URL}{work_order.pk}/cancel/", {"reason": "No"}),
        403,
        "permission_denied",
    )
    response = client_for(agent).post(
        f"{URL}{work_order.pk}/cancel/", {"reason": "Customer withdrew"}
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == WorkOrderState.CANCELLED
    assert Complaint.objects.get(pk=work_order.complaint_id).state == State.IN_PROGRESS
    missing_reason = client_for(agent).post(f"{URL}{work_order.pk}/cancel/", {})
    assert set(assert_problem(missing_reason, 400, "invalid")["errors"]) == {"reason"}


def test_work_orders_appear_on_the_complaint_timeline(agent, department_user, billing):
    work_order = dispatched(by=agent, department=billing)
    client_for(department_user).post(f"{URL}{work_order.pk}/answer/", {"answer": "Done"})
    events = client_for(agent).get(f"/api/v1/complaints/{work_order.complaint_id}/events/").json()
    linked = [event for event in events["results"] if event["work_order"] == work_order.pk]
    assert [event["kind"] for event in linked] == [
        EventKind.WORK_ORDER_DISPATCHED,
        EventKind.WORK_ORDER_ANSWERED,
    ]


# The caller (session, user, two permission reads, groups) and the page.
WORK_ORDER_LIST_QUERIES = 6


@pytest.mark.parametrize("person", ["department_user", "agent", "supervisor"])
@pytest.mark.parametrize("rows", [3, 30])
def test_the_work_order_list_costs_the_same_for_3_or_30_rows(
    request, agent, billing, person, rows, django_assert_max_num_queries
):
    for number in range(rows):
        work_order = dispatched(by=agent, department=billing)
        if number % 2:
            services.answer_work_order(
                work_order, answer="Done", by=request.getfixturevalue("department_user")
            )
    client = client_for(request.getfixturevalue(person))
    with django_assert_max_num_queries(WORK_ORDER_LIST_QUERIES):
        response = client.get(URL)
    assert len(response.json()["results"]) == rows
