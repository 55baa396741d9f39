"""The callback pages: queue, booking, one-click outcomes, availability, report."""

import pytest
from django.urls import reverse

from repair.enums import CallbackState
from repair.models import CallbackAgent, CallbackRequest
from repair.services.callbacks import book_callback

pytestmark = pytest.mark.django_db


def test_the_queue_lists_open_bookings_nearest_due_first(client, agent):
    later, _ = book_callback(phone="13800000001", source="ivr")
    sooner, _ = book_callback(phone="13800000002", source="dropped_call")
    client.force_login(agent)
    content = client.get(reverse("repair:callbacks")).content.decode()
    assert content.index("138****0002") < content.index("138****0001")
    assert 'class="sla-countdown' in content


def test_an_agent_books_claims_and_logs_outcomes_with_one_click(client, agent):
    client.force_login(agent)
    bad = client.post(reverse("repair:callbacks"), {"phone": "12", "source": "agent"})
    assert bad.status_code == 400 and "invalid-feedback" in bad.content.decode()
    client.post(reverse("repair:callbacks"), {"phone": "13812345678", "source": "agent"})
    booking = CallbackRequest.objects.get()
    assert booking.created_by == agent
    client.post(reverse("repair:claim", args=[booking.pk]))
    booking.refresh_from_db()
    assert booking.state == CallbackState.IN_PROGRESS and booking.assignee == agent
    client.post(reverse("repair:attempt", args=[booking.pk]), {"outcome": "no_answer"})
    booking.refresh_from_db()
    assert booking.state == CallbackState.ASSIGNED and booking.attempt_count == 1
    client.post(reverse("repair:attempt", args=[booking.pk]), {"outcome": "answered"})
    booking.refresh_from_db()
    assert booking.state == CallbackState.COMPLETED


def test_agents_switch_their_availability(client, agent):
    client.force_login(agent)
    client.post(reverse("repair:availability"), {"available": "1"})
    assert CallbackAgent.objects.get(user=agent).is_available
    client.post(reverse("repair:availability"), {"available": "0"})
    assert not CallbackAgent.objects.get(user=agent).is_available


def test_the_report_page_shows_figures_and_a_chart(client, agent):
    booking, _ = book_callback(phone="13800000001", source="ivr")
    client.force_login(agent)
    page = client.get(reverse("repair:callback_report"), {"days": 30}).content.decode()
    assert 'id="bookings-chart"' in page and "chart.umd.min.js" in page
    assert 'data-testid="hours-table"' in page


def test_department_users_cannot_open_callbacks(client, department_user):
    client.force_login(department_user)
    assert client.get(reverse("repair:callbacks")).status_code == 403
    assert client.get(reverse("repair:callback_report")).status_code == 403


def test_the_queue_runs_a_fixed_number_of_queries(client, agent, django_assert_max_num_queries):
    client.force_login(agent)
    for n in range(3):
        book_callback(phone=f"1380000000{n}", source="ivr")
    with django_assert_max_num_queries(15) as small:
        client.get(reverse("repair:callbacks"))
    for n in range(20):
        book_callback(phone=f"139000000{n:02d}", source="ivr")
    with django_assert_max_num_queries(len(small.captured_queries)):
        client.get(reverse("repair:callbacks"))


def test_the_agent_who_dials_sees_the_full_number_others_a_masked_one(client, agent, other_agent):
    booking, _ = book_callback(phone="13812345678", source="ivr")
    client.force_login(other_agent)
    assert "+8613812345678" not in client.get(reverse("repair:callbacks")).content.decode()
    client.force_login(agent)
    client.post(reverse("repair:claim", args=[booking.pk]))
    assert "+8613812345678" in client.get(reverse("repair:callbacks")).content.decode()
