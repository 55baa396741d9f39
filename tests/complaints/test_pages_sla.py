"""SLA on the pages: badges and countdowns, queue order, policies, notifications."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from complaints import services
from complaints.models import Notification, SlaPolicy
from complaints.services.sla import check_deadlines
from tests.factories import make_complaint

pytestmark = pytest.mark.django_db

START = dt.datetime(2026, 11, 16, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_queue_shows_badges_and_puts_the_nearest_deadline_first(client, agent, team):
    with time_machine.travel(START, tick=False) as clock:
        later = make_complaint(team=team, description="请问怎么办理套餐", category=None)
        sooner = make_complaint(team=team, description="网速慢")
        breached = make_complaint(team=team, description="网速很慢", received_at=START)
        clock.move_to(START + dt.timedelta(hours=5))
        check_deadlines()
        breached.refresh_from_db()
        client.force_login(agent)
        content = client.get("/?view=team").content.decode()
    order = [content.index(c.reference) for c in (sooner, breached, later)]
    assert order == sorted(order)
    assert 'data-sla="breached"' in content
    assert 'class="sla-countdown' in content


def test_complaint_page_shows_both_clocks_and_the_pause(client, agent, team):
    complaint = make_complaint(team=team, assignee=agent)
    services.start_work(complaint, by=agent)
    services.wait_on_customer(complaint, by=agent)
    client.force_login(agent)
    page = client.get(reverse("complaints:detail", args=[complaint.pk])).content.decode()
    assert "First response due" in page and "Resolution due" in page
    assert "paused while waiting on the customer" in page


def test_supervisors_edit_policies_and_start_a_recalculation(
    client, supervisor, agent, django_capture_on_commit_callbacks
):
    client.force_login(agent)
    assert client.get(reverse("complaints:sla_policies")).status_code == 403
    client.force_login(supervisor)
    assert "sla-policies" in client.get(reverse("complaints:sla_policies")).content.decode()
    policy = SlaPolicy.objects.get(applies_to="complaint", priority="general")
    url = reverse("complaints:sla_policy_edit", args=[policy.pk])
    bad = client.post(
        url,
        {"applies_to": "complaint", "priority": "", "resolution_minutes": 60, "warn_percent": 80},
    )
    assert bad.status_code == 400
    good = client.post(
        url,
        {
            "applies_to": "complaint",
            "priority": "general",
            "first_response_minutes": 120,
            "resolution_minutes": 720,
            "warn_percent": 75,
            "is_active": "on",
        },
    )
    assert good.status_code == 302
    policy.refresh_from_db()
    assert (policy.resolution_minutes, policy.warn_percent) == (720, 75)
    with django_capture_on_commit_callbacks() as callbacks:
        response = client.post(reverse("complaints:sla_policies"), {"recalculate": "1"})
    assert response.status_code == 302
    assert len(callbacks) == 1  # the recalculation task is queued after commit


def test_notifications_are_listed_and_marked_read(client, agent, team):
    with time_machine.travel(START, tick=False) as clock:
        make_complaint(team=team, assignee=agent)
        clock.move_to(START + dt.timedelta(hours=30))
        check_deadlines()
    client.force_login(agent)
    page = client.get("/").content.decode()
    assert 'data-testid="notifications-link"' in page and "badge rounded-pill" in page
    listing = client.get(reverse("complaints:notifications")).content.decode()
    assert "deadline missed" in listing
    client.post(reverse("complaints:notifications"))
    assert not Notification.objects.filter(recipient=agent, read_at__isnull=True).exists()


def test_the_queue_filters_overdue_complaints(client, agent, team):
    with time_machine.travel(START, tick=False) as clock:
        late = make_complaint(team=team, description="网速慢")
        clock.move_to(START + dt.timedelta(hours=5))
        fresh = make_complaint(team=team, description="网速很慢")
        check_deadlines()
        client.force_login(agent)
        overdue = client.get("/", {"view": "team", "overdue": "true"}).content.decode()
        not_overdue = client.get("/", {"view": "team", "overdue": "false"}).content.decode()
    assert late.reference in overdue and fresh.reference not in overdue
    assert fresh.reference in not_overdue and late.reference not in not_overdue
