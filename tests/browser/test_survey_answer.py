"""A customer opens the survey link on a phone, answers in Chinese and sees the thank-you page."""

import datetime as dt

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from complaints import services as complaint_services
from surveys import services
from surveys.enums import InvitationState
from surveys.models import SurveyInvitation, SurveyResponse
from tests.browser.conftest import ARTIFACTS
from tests.factories import CustomerFactory, make_complaint

COMMENT = "处理很及时，客服态度也很好，谢谢！"


@pytest.fixture
def phone(browser, request, reference_data):
    """A phone-sized, touch, Chinese-language browser (``page`` of conftest, on a phone)."""
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True, has_touch=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()


@pytest.fixture
def invitation(reference_data, agent) -> SurveyInvitation:
    """Close a Chinese-speaking customer's complaint through the services; the survey is
    scheduled when the closure commits (``complaint_closed``) and sent after the delay."""
    customer = CustomerFactory(name="李娜", language="zh-hans")
    complaint = make_complaint(
        created_by=agent, assignee=agent, customer=customer, description="宽带晚上经常断网"
    )
    complaint = complaint_services.start_work(complaint, by=agent)
    complaint = complaint_services.propose_resolution(complaint, summary="已更换光猫", by=agent)
    complaint_services.confirm_resolution(complaint, method="phone", by=agent)
    invitation = SurveyInvitation.objects.get(complaint=complaint)
    later = timezone.now() + dt.timedelta(minutes=settings.SURVEY_DELAY_MINUTES + 1)
    assert services.send_due_invitations(now=later) == 1
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.SENT
    return invitation


@pytest.mark.django_db(transaction=True)
def test_a_customer_answers_the_survey_on_a_phone_in_chinese(phone, live_server, invitation):
    phone.goto(live_server.url + reverse("surveys:answer", args=[services.token_for(invitation)]))

    form = phone.get_by_test_id("survey-form")
    score = form.locator("fieldset", has_text="您对本次投诉的处理结果满意吗")
    assert score.get_by_text("您对本次投诉的处理结果满意吗？（1–5分）").is_visible()
    assert invitation.complaint.reference in phone.content()
    score.get_by_text("4", exact=True).click()
    satisfaction = form.locator("fieldset", has_text="您对为您服务的客服人员是否满意")
    satisfaction.get_by_text("满意", exact=True).click()
    assert score.get_by_label("4", exact=True).is_checked()
    assert satisfaction.get_by_label("满意", exact=True).is_checked()
    form.locator("fieldset", has_text="您还有什么意见或建议").locator("textarea").fill(COMMENT)
    ARTIFACTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(ARTIFACTS / "survey-phone-form.png"), full_page=True)
    # The only button; its label is 发送 once the catalogue translates "Send".
    form.get_by_role("button").click()

    thanks = phone.get_by_test_id("survey-thanks")
    thanks.wait_for(state="visible")
    phone.screenshot(path=str(ARTIFACTS / "survey-phone.png"), full_page=True)

    response = SurveyResponse.objects.get()
    assert response.score == 4
    assert response.answered_via == "web"
    assert response.comment == COMMENT
    assert not response.is_low
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ANSWERED
