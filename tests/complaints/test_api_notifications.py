"""The notifications API: each caller's own, newest first, unread filter, marking read."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.enums import EventKind
from complaints.models import Notification
from complaints.services.sla import check_deadlines
from tests.factories import UserFactory, make_complaint

pytestmark = pytest.mark.django_db

URL = "/api/v1/notifications/"
START = dt.datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


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


def notify(user, count: int = 1, **fields) -> list[Notification]:
    return [
        Notification.objects.create(
            recipient=user, kind="sla_warned", message=f"{user.username} {number}", **fields
        )
        for number in range(count)
    ]


def listed(client, **params) -> list[int]:
    response = client.get(URL, params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_sla_notifications_reach_each_recipient_and_nobody_else(agent, supervisor, other_agent):
    with time_machine.travel(START, tick=False):
        complaint = make_complaint(created_by=agent, assignee=agent)
    check_deadlines(now=START + dt.timedelta(hours=24))
    for user in (agent, supervisor):
        rows = client_for(user).get(URL).json()["results"]
        mine = Notification.objects.filter(recipient=user)
        assert [row["id"] for row in rows] == list(mine.values_list("id", flat=True))
        assert {row["kind"] for row in rows} == {EventKind.SLA_WARNED, EventKind.SLA_BREACHED}
        assert {row["complaint"]["reference"] for row in rows} == {complaint.reference}
        assert all(row["read_at"] is None for row in rows)
    assert listed(client_for(other_agent)) == []


def test_the_shape_of_a_notification(agent):
    complaint = make_complaint(created_by=agent, assignee=agent)
    (notification,) = notify(agent, complaint=complaint)
    (row,) = client_for(agent).get(URL).json()["results"]
    assert row == {
        "id": notification.pk,
        "kind": "sla_warned",
        "message": "agent 0",
        "complaint": {"id": complaint.pk, "reference": complaint.reference},
        "work_order": None,
        "created_at": row["created_at"],
        "read_at": None,
    }


def test_not_even_a_supervisor_sees_anothers_notifications(agent, supervisor, administrator):
    mine = notify(agent, 2)
    theirs = notify(supervisor, 1)
    assert set(listed(client_for(agent))) == {n.pk for n in mine}
    assert set(listed(client_for(supervisor))) == {n.pk for n in theirs}
    assert listed(client_for(administrator)) == []


def test_newest_first_paged_by_cursor(agent):
    created = []
    with time_machine.travel(START, tick=False) as clock:
        for _number in range(5):
            created += notify(agent)
            clock.shift(dt.timedelta(minutes=1))
    client = client_for(agent)
    first = client.get(URL, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    third = client.get(second["next"]).json()
    ids = [row["id"] for page in (first, second, third) for row in page["results"]]
    assert ids == [n.pk for n in reversed(created)]
    assert third["next"] is None


def test_the_unread_filter(agent):
    read, *unread = notify(agent, 3)
    Notification.objects.filter(pk=read.pk).update(read_at=timezone.now())
    client = client_for(agent)
    assert set(listed(client, unread="true")) == {n.pk for n in unread}
    assert listed(client, unread="false") == [read.pk]
    assert len(listed(client)) == 3


def test_marking_one_read(agent):
    first, second = notify(agent, 2)
    client = client_for(agent)
    with time_machine.travel(START, tick=False):
        response = client.post(f"{URL}{first.pk}/read/")
    assert response.status_code == 200, response.content
    assert response.json()["id"] == first.pk
    assert dt.datetime.fromisoformat(response.json()["read_at"]) == START
    again = client.post(f"{URL}{first.pk}/read/")  # already read: keeps its time
    assert dt.datetime.fromisoformat(again.json()["read_at"]) == START
    assert listed(client, unread="true") == [second.pk]


def test_anothers_notification_cannot_be_marked_read(agent, supervisor):
    (theirs,) = notify(supervisor)
    assert_problem(client_for(agent).post(f"{URL}{theirs.pk}/read/"), 404, "not_found")
    assert_problem(client_for(agent).post(f"{URL}999999/read/"), 404, "not_found")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_marking_all_read_touches_only_the_callers(agent, supervisor):
    notify(agent, 3)
    notify(supervisor, 2)
    client = client_for(agent)
    response = client.post(f"{URL}read-all/")
    assert response.status_code == 200, response.content
    assert response.json() == {"marked": 3}
    assert client.post(f"{URL}read-all/").json() == {"marked": 0}
    assert not Notification.objects.filter(recipient=agent, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=supervisor, read_at__isnull=True).count() == 2


def test_only_roles_with_notifications_have_them(db):
    nobody = UserFactory(username="no-role")
    notify(nobody)
    assert_problem(client_for(nobody).get(URL), 403, "permission_denied")
    assert_problem(client_for(nobody).post(f"{URL}read-all/"), 403, "permission_denied")


# The caller (session, user, two permission reads) and the page.
NOTIFICATION_LIST_QUERIES = 5


@pytest.mark.parametrize("rows", [3, 30])
def test_the_notification_list_costs_the_same_for_3_or_30_rows(
    agent, rows, django_assert_max_num_queries
):
    complaint = make_complaint(created_by=agent, assignee=agent)
    notify(agent, rows, complaint=complaint)
    notify(agent, 2)  # without a complaint
    client = client_for(agent)
    with django_assert_max_num_queries(NOTIFICATION_LIST_QUERIES):
        response = client.get(URL, {"unread": "true"})
    assert len(response.json()["results"]) == rows + 2
