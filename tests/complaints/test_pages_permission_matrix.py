"""Who may open which page, as one matrix: role × page → status."""

import pytest
from django.urls import reverse

from complaints import services
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

PEOPLE = ["anonymous", "agent", "other_agent", "department_user", "supervisor", "administrator"]

# page → expected status for each of PEOPLE, in that order (302 for anonymous: log in first).
#                  anonymous agent other  dept  super admin
MATRIX = {
    "queue":       (302,      200,  200,   302,  200,  200),
    "new":         (302,      200,  200,   403,  200,  200),
    "detail":      (302,      200,  404,   200,  200,  200),
    "note":        (302,      302,  404,   403,  302,  302),
    "work_orders": (302,      403,  403,   200,  200,  200),
    "work_order":  (302,      200,  404,   200,  200,  200),
    "answer":      (302,      403,  404,   302,  403,  403),
    "dashboard":   (302,      403,  403,   403,  200,  200),
    "webhooks":    (302,      403,  403,   403,  403,  200),
}  # fmt: skip


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
        case "webhooks":
            return client.get(reverse("complaints:webhooks"))
    raise AssertionError(page)


CASES = [(page, person) for page in MATRIX for person in PEOPLE]


@pytest.mark.parametrize(("page", "person"), CASES, ids=[f"{p}-{who}" for p, who in CASES])
def test_permission_matrix(client, request, world, page, person):
    complaint, work_order = world
    if person != "anonymous":
        client.force_login(request.getfixturevalue(person))
    response = request_page(client, page, complaint, work_order)
    assert response.status_code == MATRIX[page][PEOPLE.index(person)]
    if person == "anonymous":
        assert reverse("login") in response["Location"]
