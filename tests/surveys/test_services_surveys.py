"""Surveys: invitations after closure, links, answers, SMS replies, results, low scores."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import signing
from django.urls import reverse
from django.utils import timezone

from complaints import services as complaint_services
from complaints.models import OutboundMessage
from surveys import services
from surveys.enums import InvitationState
from surveys.models import SmsReply, SurveyInvitation, SurveyResponse
from surveys.selectors import survey_results
from surveys.signals import survey_answered
from tests.factories import CustomerFactory, make_complaint

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
# Today at noon: links are signed with the real clock, so the data must be recent.
NOON = timezone.now().astimezone(SHANGHAI).replace(hour=12, minute=0, second=0, microsecond=0)


def close(agent, customer=None, **fields):
    """A complaint taken through to confirmed closure by the real services."""
    complaint = make_complaint(
        created_by=agent, assignee=agent, customer=customer or CustomerFactory(), **fields
    )
    complaint = complaint_services.start_work(complaint, by=agent)
    complaint = complaint_services.propose_resolution(complaint, summary="done", by=agent)
    return complaint_services.confirm_resolution(complaint, method="phone", by=agent)


@pytest.fixture
def invitation(agent, django_capture_on_commit_callbacks):
    with time_machine.travel(NOON, tick=False), django_capture_on_commit_callbacks(execute=True):
        close(agent)
    invitation = SurveyInvitation.objects.get()
    with time_machine.travel(NOON + dt.timedelta(hours=2), tick=False):
        services.send_due_invitations()
    invitation.refresh_from_db()
    return invitation


def answers_for(invitation, score=5, level="5"):
    by_kind = {q.kind: q.pk for q in invitation.questionnaire.questions.all()}
    return {by_kind["score"]: score, by_kind["satisfaction"]: level}


def test_closing_schedules_an_invitation_sent_after_the_delay(invitation):
    assert invitation.state == InvitationState.SENT
    assert invitation.sent_at == NOON + dt.timedelta(hours=2)
    assert invitation.expires_at == invitation.sent_at + dt.timedelta(days=7)
    message = OutboundMessage.objects.get(dedupe_key=f"survey:{invitation.pk}")
    assert "/surveys/a/" in message.body
    assert invitation.questionnaire.language == "zh-hans"  # the customer's language


def test_no_customer_is_surveyed_twice_in_30_days(agent, django_capture_on_commit_callbacks):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        close(agent, customer=customer, description="first")
        close(agent, customer=customer, description="second")
    states = sorted(SurveyInvitation.objects.values_list("state", flat=True))
    assert states == [InvitationState.SCHEDULED, InvitationState.SUPPRESSED]


def test_sms_invitations_respect_quiet_hours(agent, django_capture_on_commit_callbacks):
    late = dt.datetime(2026, 11, 16, 21, 0, tzinfo=SHANGHAI)
    with time_machine.travel(late, tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            close(agent)
        services.send_due_invitations(now=late + dt.timedelta(hours=1))
    message = OutboundMessage.objects.get(dedupe_key__startswith="survey:")
    assert message.not_before == dt.datetime(2026, 11, 17, 8, 0, tzinfo=SHANGHAI)


def test_a_valid_link_is_answered_once(invitation):
    token = services.token_for(invitation)
    assert services.invitation_from_token(token) == invitation
    response = services.record_response(invitation, answers=answers_for(invitation), via="web")
    assert response.score == 5 and not response.is_low
    with pytest.raises(services.SurveyLinkError) as error:
        services.invitation_from_token(token)
    assert error.value.code == "used"
    with pytest.raises(services.SurveyLinkError):
        services.record_response(invitation, answers=answers_for(invitation), via="web")
    assert SurveyResponse.objects.count() == 1


def test_tampered_and_forged_links_are_refused(invitation):
    token = services.token_for(invitation)
    for bad in (
        token[:-2] + "xx",
        "nonsense",
        signing.dumps({"i": invitation.pk, "n": "guess"}, salt=services.TOKEN_SALT),
    ):
        with pytest.raises(services.SurveyLinkError) as error:
            services.invitation_from_token(bad)
        assert error.value.status == 404


def test_expired_links_are_refused(invitation):
    token = services.token_for(invitation)
    eight_days_later = time_machine.travel(NOON + dt.timedelta(days=8), tick=False)
    with eight_days_later, pytest.raises(services.SurveyLinkError) as error:
        services.invitation_from_token(token)
    assert error.value.status == 410


def test_the_public_page_records_one_response_and_friendly_errors(client, invitation):
    url = reverse("surveys:answer", args=[services.token_for(invitation)])
    page = client.get(url)
    assert page.status_code == 200
    assert "您对本次投诉的处理结果满意吗" in page.content.decode()
    fields = {f"q{pk}": value for pk, value in answers_for(invitation, score=4, level="4").items()}
    assert client.post(url, {}).status_code == 400  # required answers missing
    assert SurveyResponse.objects.count() == 0
    assert client.post(url, fields).status_code == 200
    second = client.post(url, fields)
    assert second.status_code == 410
    assert SurveyResponse.objects.count() == 1
    bad = client.get(reverse("surveys:answer", args=["forged:token"]))
    assert bad.status_code == 404 and "survey-problem" in bad.content.decode()


@pytest.mark.parametrize(
    ("text", "score", "comment"),
    [
        ("5", 5, ""),
        ("５", 5, ""),
        ("5分", 5, ""),
        ("４分 很好", 4, "很好"),
        ("非常满意", 5, ""),
        ("满意", 4, ""),
        ("一般", 3, ""),
        ("不满意", 2, ""),
        ("非常不满意", 1, ""),
        ("1 太慢了", 1, "太慢了"),
        ("very dissatisfied, nobody called", 1, "nobody called"),
        ("Satisfied", 4, ""),
    ],
)
def test_sms_replies_are_read(text, score, comment):
    assert services.parse_sms_reply(text) == (score, comment)


@pytest.mark.parametrize("text", ["", "谢谢", "10", "55", "0", "?", "我要投诉你们", "6分"])
def test_garbage_replies_are_not_guessed(text):
    assert services.parse_sms_reply(text)[0] is None


def test_an_sms_reply_answers_the_invitation_and_garbage_waits_for_an_agent(invitation):
    phone = invitation.customer.phone
    garbage = services.receive_sms_reply(phone=phone, text="你们到底什么时候修好")
    assert not garbage.is_parsed and garbage.response is None
    reply = services.receive_sms_reply(phone=phone[3:], text="1 太慢了")
    assert reply.is_parsed and reply.response.score == 1 and reply.response.is_low
    assert reply.response.comment == "太慢了"
    invitation.refresh_from_db()
    assert invitation.state == InvitationState.ANSWERED
    late = services.receive_sms_reply(phone=phone, text="5")
    assert late.response is None  # one response per invitation
    assert SmsReply.objects.count() == 3


def test_a_low_answer_announces_itself(invitation, django_capture_on_commit_callbacks, settings):
    settings.SURVEY_LOW_SCORE_REOPENS = True
    heard = []

    def listener(sender, response, low, **kwargs):
        heard.append((response.score, low))

    survey_answered.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            services.record_response(
                invitation, answers=answers_for(invitation, score=2, level="4"), via="web"
            )
    finally:
        survey_answered.disconnect(listener)
    assert heard == [(2, True)]
    invitation.complaint.refresh_from_db()
    assert invitation.complaint.state == "reopened"


def test_dissatisfied_level_is_low_even_with_a_fair_score(invitation):
    response = services.record_response(
        invitation, answers=answers_for(invitation, score=3, level="1"), via="web"
    )
    assert response.is_low


def test_results_on_a_known_data_set(agent, other_agent, django_capture_on_commit_callbacks):
    scores = [
        (agent, 5, 10),
        (agent, 4, 9),
        (agent, 2, 3),
        (other_agent, 5, 7),
        (other_agent, 1, None),
    ]
    with time_machine.travel(NOON, tick=False):
        for index, (person, score, recommend) in enumerate(scores):
            with django_capture_on_commit_callbacks(execute=True):
                complaint = close(person, description=f"问题 {index}")
            invitation = SurveyInvitation.objects.get(complaint=complaint)
            services.send_due_invitations(now=NOON + dt.timedelta(hours=2))
            invitation.refresh_from_db()
            questions = {q.kind: q.pk for q in invitation.questionnaire.questions.all()}
            answers = {questions["score"]: score, questions["satisfaction"]: str(score)}
            if recommend is not None:
                answers[questions["recommend"]] = recommend
            services.record_response(invitation, answers=answers, via="web")
        # one more invitation sent and never answered
        with django_capture_on_commit_callbacks(execute=True):
            close(agent, description="没有回复")
        services.send_due_invitations(now=NOON + dt.timedelta(hours=2))
    results = survey_results(
        since=NOON - dt.timedelta(days=1), until=NOON + dt.timedelta(days=1), group_by="agent"
    )
    overall = results["overall"]
    assert overall["responses"] == 5
    assert overall["csat"] == 0.6  # 3 of 5 scored 4–5
    assert overall["average"] == 3.4
    assert overall["nps"] == 25.0  # 2 promoters, 1 detractor of 4
    assert overall["response_rate"] == pytest.approx(5 / 6, abs=1e-4)
    by_agent = {row["group"]: row for row in results["groups"]}
    assert by_agent["agent"]["csat"] == pytest.approx(2 / 3, abs=1e-4)
    assert by_agent["other-agent"]["low"] == 1


def test_a_backlog_goes_out_in_batches_each_message_in_its_customers_language(
    agent, django_capture_on_commit_callbacks, django_assert_max_num_queries
):
    customers = [
        CustomerFactory(language="zh-hans"),
        CustomerFactory(language="en"),
        CustomerFactory(language="en", phone=None, email="amy@example.com"),
    ]
    with time_machine.travel(NOON, tick=False):
        for customer in customers:
            with django_capture_on_commit_callbacks(execute=True):
                close(agent, customer=customer)
    later = NOON + dt.timedelta(hours=2)
    # Lock and read the batch, one insert per channel, mark it sent: whatever its size.
    with django_assert_max_num_queries(6):
        assert services.send_due_invitations(now=later, limit=2) == 2
    assert services.send_due_invitations(now=later, limit=2) == 1
    assert services.send_due_invitations(now=later, limit=2) == 0
    invitations = {i.customer_id: i for i in SurveyInvitation.objects.all()}
    assert {i.state for i in invitations.values()} == {InvitationState.SENT}
    assert {i.sent_at for i in invitations.values()} == {later}
    messages = {m.dedupe_key: m for m in OutboundMessage.objects.all()}
    assert len(messages) == 3
    chinese, english, by_email = (
        messages[f"survey:{invitations[customer.pk].pk}"] for customer in customers
    )
    assert chinese.channel == "sms" and chinese.recipient == customers[0].phone
    assert "/surveys/a/" in chinese.body and "how did we do" not in chinese.body
    assert english.body.startswith(f"{customers[1].name}, how did we do with complaint")
    assert by_email.channel == "email" and by_email.recipient == "amy@example.com"
    assert by_email.subject == "How did we handle your complaint?"
    token = english.body.split("/surveys/a/")[1].split("/")[0]
    assert services.invitation_from_token(token) == invitations[customers[1].pk]


def test_an_invitation_already_queued_is_not_queued_twice(invitation):
    """The outbox's dedupe key: a crash between queueing and marking sent repeats nothing."""
    SurveyInvitation.objects.filter(pk=invitation.pk).update(state=InvitationState.SCHEDULED)
    assert services.send_due_invitations(now=NOON + dt.timedelta(hours=3)) == 1
    assert OutboundMessage.objects.filter(dedupe_key=f"survey:{invitation.pk}").count() == 1
