"""The supervisor's board in the browser: the figures, the htmx refresh, one drill-down."""

import re
from io import StringIO

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from complaints.enums import OPEN_STATES, Priority, State
from complaints.models import Complaint
from tests.browser.helpers import log_in


@pytest.mark.django_db(transaction=True)
def test_the_supervisor_watches_the_board_and_drills_down(page, live_server):
    call_command("load_demo_data", stdout=StringIO())
    base = live_server.url
    open_total = Complaint.objects.filter(state__in=OPEN_STATES).count()
    urgent_new = Complaint.objects.filter(priority=Priority.URGENT, state=State.NEW).count()
    assert urgent_new > 0

    page.clock.install()  # htmx polls with timers: fast-forward instead of waiting 30 s
    log_in(page, base, "supervisor", "supervisor-demo-2026")
    page.get_by_role("link", name="Dashboard").first.click()
    page.wait_for_url(f"{base}/dashboard/")
    expect(page.get_by_role("heading", name="Supervisor dashboard")).to_be_visible()
    expect(page.get_by_test_id("figure-complaints-open")).to_contain_text(str(open_total))
    expect(page.get_by_test_id("panel-callbacks")).to_be_visible()
    expect(page.get_by_test_id("panel-csat")).to_be_visible()

    def is_refresh(request):
        return "/dashboard/" in request.url and request.headers.get("hx-request") == "true"

    with page.expect_request(is_refresh) as refresh:
        page.clock.run_for("00:31")
    assert refresh.value.response().status == 200
    expect(page.get_by_test_id("board")).to_have_count(1)  # swapped in place, not nested

    table = page.get_by_test_id("table-complaints-by_priority_state")
    cell = (
        table.locator("tbody tr").filter(has_text="Urgent").locator('td[data-key="urgent.new"] a')
    )
    expect(cell).to_have_text(str(urgent_new))
    cell.click()
    page.wait_for_url(re.compile(r".*priority=urgent.*state=new.*"))
    rows = page.get_by_test_id("queue-table").locator("tbody tr")
    expect(rows).to_have_count(urgent_new)
    for index in range(urgent_new):
        expect(rows.nth(index).locator("td").nth(1)).to_have_text("Urgent")
        expect(rows.nth(index).locator("td").nth(2)).to_have_text("New")
