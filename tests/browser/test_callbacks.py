"""Every call returned: the IVR books a callback through the API, the demo agent sees it in the
callback queue, logs a no-answer, then an answer."""

from io import StringIO

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from complaints.enums import Role
from complaints.models import User
from complaints.services import issue_api_token
from repair.enums import CallbackState
from repair.models import CallbackRequest
from tests.browser.helpers import log_in


def ivr_token() -> str:
    """An API token for the telephony integration, acting as a user with the Agent role."""
    ivr = User.objects.create_user(username="ivr", password=None)
    ivr.groups.add(Group.objects.get(name=Role.AGENT))
    _token, raw = issue_api_token(
        name="IVR", user=ivr, scopes=["callbacks:read", "callbacks:write"]
    )
    return raw


@pytest.mark.django_db(transaction=True)
def test_a_callback_booked_by_the_ivr_is_returned_by_the_agent(page, live_server):
    call_command("load_demo_data", stdout=StringIO())
    base = live_server.url
    headers = {"Authorization": f"Bearer {ivr_token()}"}

    booked = page.request.post(
        f"{base}/api/v1/callbacks/",
        data={"phone": "139 1234 0000", "source": "missed_call", "reason": "Line keeps dropping"},
        headers=headers,
    )
    assert booked.status == 201, booked.text()
    callback_id = booked.json()["id"]
    lookup = page.request.get(
        f"{base}/api/v1/callbacks/lookup/", params={"phone": "+8613912340000"}, headers=headers
    )
    assert lookup.json()["has_open_booking"] is True

    log_in(page, base, "agent", "agent-demo-2026")
    page.get_by_role("link", name="Callbacks").first.click()
    page.wait_for_url(f"{base}/callbacks/")
    assert page.get_by_role("heading", name="Callback queue").is_visible()

    outcomes = page.get_by_test_id(f"attempt-{callback_id}")
    row = page.get_by_test_id("callback-table").locator("tbody tr").filter(has=outcomes)
    cells = row.locator("td")
    assert cells.nth(1).inner_text() == "139****0000"  # masked in the queue
    assert "Line keeps dropping" in cells.nth(2).inner_text()
    assert cells.nth(4).inner_text() == "Pending"

    with page.expect_navigation():
        outcomes.get_by_role("button", name="No answer").click()
    assert cells.nth(5).inner_text() == "1"  # attempts
    assert cells.nth(4).inner_text() == "Assigned"
    assert "retry" in cells.nth(0).inner_text()

    with page.expect_navigation():
        outcomes.get_by_role("button", name="Answered").click()
    assert page.get_by_test_id(f"attempt-{callback_id}").count() == 0  # left the open queue
    booking = CallbackRequest.objects.get(pk=callback_id)
    assert booking.state == CallbackState.COMPLETED and booking.attempt_count == 2
