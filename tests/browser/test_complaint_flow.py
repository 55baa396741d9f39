"""A complaint's whole life in the browser, in Chinese: intake to confirmed closure."""

import re
from io import StringIO

import pytest
from django.core.management import call_command

from complaints.enums import State
from complaints.models import Complaint

DESCRIPTION = "宽带每天晚上八点后断网，已持续一周，要求尽快修复并赔偿。"


def log_in(page, base_url, username, password):
    page.goto(f"{base_url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(password)
    with page.expect_navigation():
        page.locator("form button[type=submit]").click()


def switch_to_chinese(page):
    with page.expect_navigation():
        page.locator("#language-form select").select_option("zh-hans")


def open_action(page, name):
    page.locator(f'[data-bs-target="#action-{name}"]').click()
    form = page.get_by_test_id(f"action-{name}")
    form.wait_for(state="visible")
    return form


@pytest.mark.django_db(transaction=True)
def test_register_dispatch_answer_resolve_confirm_in_chinese(page, live_server):
    call_command("load_demo_data", stdout=StringIO())
    base = live_server.url
    log_in(page, base, "agent", "agent-demo-2026")
    switch_to_chinese(page)

    page.get_by_role("link", name="新建投诉").first.click()
    page.get_by_label("客户电话").fill("139 1234 0000")
    page.get_by_label("客户姓名").fill("孙丽")
    page.get_by_label("问题描述").fill(DESCRIPTION)
    page.get_by_label("分类").select_option(label="网络/信号问题")
    page.get_by_role("button", name="登记投诉").click()
    page.wait_for_url(re.compile(r".*/complaints/\d+/$"))
    assert DESCRIPTION in page.get_by_test_id("complaint-description").inner_text()
    reference = page.get_by_test_id("complaint-reference").inner_text()

    form = open_action(page, "start")
    with page.expect_navigation():  # the form posts, then redirects back to the page
        form.get_by_role("button").click()
    form = open_action(page, "dispatch")
    form.get_by_label("部门").select_option(label="Network operations 网络维护部")
    form.get_by_label("处理要求").fill("请排查该小区晚间断网原因")
    with page.expect_navigation():  # the form posts, then redirects back to the page
        form.get_by_role("button").click()
    assert "等待部门" in page.get_by_test_id("complaint-state").inner_text()

    page.context.clear_cookies()
    log_in(page, base, "network", "network-demo-2026")
    switch_to_chinese(page)
    page.get_by_role("link", name=reference).click()
    page.get_by_label("答复").fill("已更换小区交换机，断网问题已解决")
    with page.expect_navigation():
        page.get_by_role("button", name="提交答复").click()
    assert reference not in page.content()

    page.context.clear_cookies()
    log_in(page, base, "agent", "agent-demo-2026")
    switch_to_chinese(page)
    complaint = Complaint.objects.get(reference=reference)
    page.goto(f"{base}/complaints/{complaint.pk}/")
    form = open_action(page, "resolve")
    form.get_by_label("处理结果").fill("交换机已更换，网络恢复正常")
    with page.expect_navigation():  # the form posts, then redirects back to the page
        form.get_by_role("button").click()
    form = open_action(page, "confirm")
    form.get_by_label("确认方式").select_option("phone")
    form.get_by_label("备注").fill("客户电话确认已恢复")
    with page.expect_navigation():  # the form posts, then redirects back to the page
        form.get_by_role("button").click()

    assert "已关闭" in page.get_by_test_id("complaint-state").inner_text()
    timeline = page.get_by_test_id("timeline").inner_text()
    for line in ("已登记", "工单已派发", "工单已回复", "已更换小区交换机", "客户电话确认已恢复"):
        assert line in timeline, line
    complaint.refresh_from_db()
    assert complaint.state == State.CLOSED
