"""Script payloads typed into free-text fields are shown as text and never run."""

import pytest

from complaints import services
from repair.services.cases import open_repair_case
from surveys import services as survey_services
from tests.browser.test_complaint_flow import log_in
from tests.factories import TEST_PASSWORD, TeamFactory, UserFactory, make_complaint

PAYLOAD = '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2">'


@pytest.mark.django_db(transaction=True)
def test_script_payloads_are_escaped_and_do_not_run_in_a_real_browser(page, live_server):
    team = TeamFactory(name="Front line A")
    agent = UserFactory(username="agent", team=team, role="Agent")
    UserFactory(username="boss", team=team, role="Supervisor")
    complaint = make_complaint(
        description=PAYLOAD, subject_detail=PAYLOAD, team=team, assignee=agent
    )
    complaint.customer.name = PAYLOAD
    complaint.customer.save()
    services.add_note(complaint, text=PAYLOAD, by=agent)
    case = open_repair_case(
        customer=complaint.customer, damage_type="complaint", complaint=complaint, reason=PAYLOAD
    )
    survey_services.receive_sms_reply(phone="+8613900000000", text=PAYLOAD)

    log_in(page, live_server.url, "boss", TEST_PASSWORD)
    for path in (
        f"/complaints/{complaint.pk}/",
        "/?view=all",
        f"/repair/{case.pk}/",
        f"/customers/{complaint.customer_id}/",
        "/surveys/",
    ):
        page.goto(live_server.url + path)
        page.wait_for_load_state("load")
        assert page.evaluate("() => window.__xss") is None, path
        assert PAYLOAD in page.locator("main").inner_text(), path
