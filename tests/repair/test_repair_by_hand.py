"""Cases opened by hand, and the follow-up survey after an individual repair."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.errors import ApplicationError
from complaints.models import Customer, OutboundMessage
from repair.enums import DamageType, RepairState
from repair.models import RepairCase
from repair.services.cases import close_case, open_case_by_hand, open_repair_case
from surveys import services as survey_services
from surveys.enums import InvitationState
from tests.factories import CustomerFactory, TeamFactory, make_complaint
from tests.surveys.test_services_surveys import answers_for

pytestmark = pytest.mark.django_db


def test_a_case_by_hand_follows_the_responsibility_rule_and_the_level_table(settings, supervisor):
    settings.REPAIR_TEAMS = {"process": "Process repair"}
    team = TeamFactory(name="Process repair")
    customer = CustomerFactory(tier="vip")
    case, created = open_case_by_hand(
        customer=customer, damage_type="process", reason=" Call was misrouted twice ", by=supervisor
    )
    assert created and case.team == team and case.owner is None
    assert case.level == 2  # process base 1, plus VIP
    assert case.reason == "Call was misrouted twice" and case.opened_by == supervisor
    again, created = open_case_by_hand(
        customer=customer, damage_type="process", reason="Again", by=supervisor
    )
    assert again == case and not created


def test_a_case_by_hand_is_refused_per_field(supervisor):
    customer = CustomerFactory()
    someone_elses = make_complaint()
    with pytest.raises(ApplicationError) as refused:
        open_case_by_hand(
            customer=customer,
            damage_type=DamageType.KEY_EVENT,
            complaint=someone_elses,
            reason="  ",
            by=supervisor,
        )
    assert set(refused.value.details) == {"damage_type", "complaint", "reason"}
    assert not RepairCase.objects.exists()


def test_supervisors_open_a_case_on_a_page_for_a_new_or_known_customer(client, supervisor):
    client.force_login(supervisor)
    url = reverse("repair:open_case")
    assert client.get(url).status_code == 200
    refused = client.post(url, {"phone": "12", "damage_type": "process", "reason": "x"})
    assert refused.status_code == 400 and not Customer.objects.exists()
    opened = client.post(
        url,
        {
            "phone": "138 0013 8000",
            "customer_name": "王芳",
            "damage_type": "process",
            "reason": "转错",
        },
    )
    case = RepairCase.objects.get()
    assert opened.status_code == 302 and opened.url == reverse("repair:case", args=[case.pk])
    assert case.customer.name == "王芳" and case.customer.phone == "+8613800138000"
    complaint = make_complaint(customer=case.customer)
    client.post(
        url,
        {
            "phone": "+8613800138000",
            "damage_type": "complaint",
            "complaint": complaint.reference.lower(),
            "reason": "Unhappy",
        },
    )
    assert RepairCase.objects.get(damage_type="complaint").complaint == complaint
    assert Customer.objects.count() == 1


def test_a_complaint_reference_the_supervisor_cannot_see_or_of_another_customer_is_refused(
    client, supervisor
):
    client.force_login(supervisor)
    other = make_complaint()
    page = client.post(
        reverse("repair:open_case"),
        {
            "phone": "13800138000",
            "damage_type": "complaint",
            "complaint": other.reference,
            "reason": "x",
        },
    )
    assert page.status_code == 400 and "another customer" in page.content.decode()
    page = client.post(
        reverse("repair:open_case"),
        {
            "phone": "13800138000",
            "damage_type": "complaint",
            "complaint": "C-1999-000001",
            "reason": "x",
        },
    )
    assert page.status_code == 400 and "No complaint C-1999-000001" in page.content.decode()
    assert not RepairCase.objects.exists()


def test_agents_may_not_open_cases_by_hand(client, agent):
    client.force_login(agent)
    assert client.get(reverse("repair:open_case")).status_code == 403
    assert "Open a case" not in client.get(reverse("repair:cases")).content.decode()


def repaired_with_follow_up(agent, customer=None):
    complaint = make_complaint(customer=customer or CustomerFactory(language="en"), assignee=agent)
    case = open_repair_case(
        customer=complaint.customer, damage_type="complaint", complaint=complaint
    )
    return close_case(
        case,
        by=agent,
        repaired=True,
        outcome="Called, apologised, credited the fee",
        satisfied_after=None,
        follow_up_survey=True,
    )


def test_the_follow_up_survey_is_sent_despite_the_suppression_window_and_its_answer_counts(
    agent, django_capture_on_commit_callbacks
):
    customer = CustomerFactory(language="en")
    survey_services.invite_customer(customer=customer, topic="an earlier survey")
    case = repaired_with_follow_up(agent, customer)
    invitation = case.follow_up_invitation
    assert invitation.state == InvitationState.SCHEDULED and invitation.rated_agent == agent
    assert invitation.topic == f"the follow-up to complaint {case.complaint.reference}"
    survey_services.send_due_invitations(now=timezone.now() + dt.timedelta(minutes=1))
    sms = OutboundMessage.objects.get(dedupe_key=f"survey:{invitation.pk}")
    assert "how satisfied are you with the follow-up to complaint" in sms.body
    invitation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        survey_services.record_response(
            invitation, answers=answers_for(invitation, score=5, level="5"), via="web"
        )
    case.refresh_from_db()
    assert case.satisfied_after is True
    assert RepairCase.objects.count() == 1


def test_an_unhappy_follow_up_answer_marks_the_repair_and_opens_a_new_case_for_the_agent(
    agent, django_capture_on_commit_callbacks
):
    case = repaired_with_follow_up(agent)
    invitation = case.follow_up_invitation
    survey_services.send_due_invitations(now=timezone.now() + dt.timedelta(minutes=1))
    invitation.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        survey_services.record_response(
            invitation, answers=answers_for(invitation, score=2, level="2"), via="web"
        )
    case.refresh_from_db()
    assert case.satisfied_after is False and case.state == RepairState.REPAIRED
    again = RepairCase.objects.get(damage_type="survey_dissatisfied")
    assert again.owner == agent and again.customer == case.customer


def test_a_follow_up_survey_needs_a_repaired_case_and_a_reachable_customer(agent):
    case = open_repair_case(customer=CustomerFactory(), damage_type="call_loss")
    with pytest.raises(ApplicationError) as refused:
        close_case(
            case,
            by=agent,
            repaired=False,
            outcome="No",
            satisfied_after=None,
            follow_up_survey=True,
        )
    assert "follow_up_survey" in refused.value.details
    unreachable = open_repair_case(customer=CustomerFactory(phone=None), damage_type="call_loss")
    with pytest.raises(ApplicationError) as refused:
        close_case(
            unreachable,
            by=agent,
            repaired=True,
            outcome="Ok",
            satisfied_after=None,
            follow_up_survey=True,
        )
    assert "follow_up_survey" in refused.value.details
    unreachable.refresh_from_db()
    assert unreachable.is_open  # nothing half-saved


def test_the_case_page_closes_with_a_follow_up_survey_and_shows_its_state(client, agent):
    complaint = make_complaint(created_by=agent, assignee=agent, team=agent.team)
    case = open_repair_case(
        customer=complaint.customer, damage_type="complaint", complaint=complaint
    )
    client.force_login(agent)
    url = reverse("repair:case", args=[case.pk])
    client.post(
        url, {"action": "close", "repaired": "1", "outcome": "Fixed", "follow_up_survey": "on"}
    )
    case.refresh_from_db()
    assert case.follow_up_invitation is not None
    page = client.get(url).content.decode()
    assert 'data-testid="follow-up"' in page and "Scheduled" in page
