"""The callback queue and the repair case page send the version they showed: a booking or
case someone else changed meanwhile is not overwritten; the agent is told to reload."""

import pytest
from django.urls import reverse

from repair.enums import CallbackState, RepairState
from repair.models import RepairCase
from repair.services import callbacks
from repair.services import cases as cases_service
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def test_the_queue_sends_each_booking_s_version(client, agent, other_agent):
    booking, _ = callbacks.book_callback(phone="13812345678", source="ivr")
    client.force_login(agent)
    page = client.get(reverse("repair:callbacks")).content.decode()
    assert page.count('name="version" value="1"') == 2  # take, and the outcome buttons
    callbacks.claim(booking, agent=other_agent)  # meanwhile, a colleague takes it
    response = client.post(reverse("repair:claim", args=[booking.pk]), {"version": 1}, follow=True)
    assert "Someone else changed this" in response.content.decode()
    response = client.post(
        reverse("repair:attempt", args=[booking.pk]),
        {"outcome": "answered", "version": 1},
        follow=True,
    )
    assert "Someone else changed this" in response.content.decode()
    booking.refresh_from_db()
    assert (booking.state, booking.assignee) == (CallbackState.IN_PROGRESS, other_agent)


def test_a_stale_case_form_is_refused_and_offers_a_reload(client, agent, other_agent, team):
    case = cases_service.open_repair_case(customer=CustomerFactory(), damage_type="call_loss")
    RepairCase.objects.filter(pk=case.pk).update(team=team)
    url = reverse("repair:case", args=[case.pk])
    client.force_login(agent)
    assert client.get(url).content.decode().count('name="version" value="1"') == 3
    cases_service.take_case(case, agent=other_agent)
    response = client.post(
        url,
        {"action": "close", "version": 1, "repaired": "1", "outcome": "Called back"},
    )
    assert response.status_code == 412
    content = response.content.decode()
    assert "Someone else changed this" in content and 'data-testid="reload"' in content
    response = client.post(url, {"action": "take", "version": 1})
    assert response.status_code == 412
    case.refresh_from_db()
    assert (case.state, case.owner) == (RepairState.IN_PROGRESS, other_agent)
