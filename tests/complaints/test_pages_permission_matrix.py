"""Who may open which page, as one matrix: role × page → status."""

import pytest
from django.urls import reverse

from complaints import services
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

PEOPLE = ["anonymous", "agent", "other_agent", "department_user", "supervisor", "administrator"]

# page → expected status per person (302 for anonymous: sent to log in).
MATRIX = {
    "queue": dict(
        anonymous=302,
        agent=200,
        other_agent=200,
        department_user=302,
        supervisor=200,
        administrator=200,
    ),
    "new": dict(
        anonymous=302,
        agent=200,
        other_agent=200,
        department_user=403,
        supervisor=200,
        administrator=200,
    ),
    "detail": dict(
        anonymous=302,
        agent=200,
        other_agent=404,
        department_user=200,
        supervisor=200,
        administrator=200,
    ),
    "note": dict(
        anonymous=302,
        agent=302,
        other_agent=404,
        department_user=403,
        supervisor=302,
        administrator=302,
    ),
    "work_orders": dict(
        anonymous=302,
        agent=403,
        other_agent=403,
        department_user=200,
        supervisor=200,
        administrator=200,
    ),
    "work_order": dict(
        anonymous=302,
        agent=200,
        other_agent=404,
        department_user=200,
        supervisor=200,
        administrator=200,
    ),
    "answer": dict(
        anonymous=302,
        agent=403,
        other_agent=404,
        department_user=302,
        supervisor=403,
        administrator=302,
    ),
    "dashboard": dict(
        anonymous=302,
        agent=403,
        other_agent=403,
        department_user=403,
        supervisor=200,
        administrator=200,
    ),
}


@pytest.fixture
def world(agent, department_user, team):
    complaint = make_complaint(team=team, assignee=agent, description="matrix")
    services.start_work(complaint, by=agent)
    work_order = services.dispatch_work_order(
        complaint, department=department_user.department, instructions="check", by=agent
    )
    return complaint, work_order


def request_page(client, page, complaint, work_order):
    match page:
        case "queue":
            return client.get(reverse("complaints:queue"))
        case "new":
            return client.get(reverse("complaints:new"))
        case "detail":
            return client.get(reverse("complaints:detail", args=[complaint.pk]))
        case "note":
            url = reverse("complaints:action", args=[complaint.pk, "note"])
            return client.post(url, {"text": "a note"})
        case "work_orders":
            return client.get(reverse("complaints:work_orders"))
        case "work_order":
            return client.get(reverse("complaints:work_order", args=[work_order.pk]))
        case "answer":
            url = reverse("complaints:work_order", args=[work_order.pk])
            return client.post(url, {"answer": "done"})
        case "dashboard":
            return client.get(reverse("complaints:dashboard"))
    raise AssertionError(page)


CASES = [(page, person) for page in MATRIX for person in PEOPLE]


@pytest.mark.parametrize(("page", "person"), CASES, ids=[f"{p}-{who}" for p, who in CASES])
def test_permission_matrix(client, request, world, page, person):
    complaint, work_order = world
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))
    response = request_page(client, page, complaint, work_order)
    assert response.status_code == MATRIX[page][person]
    if person == "anonymous":
        assert reverse("login") in response["Location"]
