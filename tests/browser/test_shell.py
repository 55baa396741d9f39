"""A person logs in as the demo agent and reads the queue in English, then Chinese."""

from io import StringIO

import pytest
from django.core.management import call_command


@pytest.mark.django_db(transaction=True)
def test_the_demo_agent_reads_the_queue_in_english_and_chinese(page, live_server):
    call_command("load_demo_data", stdout=StringIO())
    page.goto(f"{live_server.url}/")
    assert page.url.startswith(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill("agent-demo-2026")
    page.get_by_role("button", name="Log in").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("heading", name="Complaint queue").is_visible()
    table = page.get_by_test_id("queue-table")
    assert table.is_visible()
    assert "家里宽带已经断网三天了" in table.inner_text()
    assert page.get_by_role("link", name="Callbacks").is_visible()
    assert page.get_by_role("link", name="Dashboard").count() == 0

    with page.expect_navigation():
        page.get_by_label("Language").select_option("zh-hans")
    assert page.get_by_role("heading", name="投诉队列").is_visible()
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert page.get_by_role("button", name="退出登录").is_visible()
    assert "紧急" in page.get_by_test_id("queue-table").inner_text()
