"""Repair cases: automatic opening paths, responsibility rule, levels, scripts, pages."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints import services as complaint_services
from complaints.enums import EmploymentType
from complaints.models import Category
from repair.enums import DamageType, RepairState
from repair.models import RepairCase, RepairStrategy
from repair.services.cases import (
    close_case,
    damage_level,
    log_repair_contact,
    open_repair_case,
    render_script,
)
from surveys import services as survey_services
from surveys.models import SurveyInvitation
from tests.factories import CustomerFactory, TeamFactory, make_complaint
from tests.surveys.test_services_surveys import answers_for, close

pytestmark = pytest.mark.django_db


def low_answer(agent, django_capture_on_commit_callbacks, score=1):
    with django_capture_on_commit_callbacks(execute=True):
        close(agent)
    survey_services.send_due_invitations(now=timezone.now() + dt.timedelta(hours=2))
    invitation = SurveyInvitation.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        return survey_services.record_response(
            invitation, answers=answers_for(invitation, score=score, level=str(score)), via="web"
        )


def test_a_low_survey_answer_goes_to_the_in_house_agent_who_was_rated(
    agent, django_capture_on_commit_callbacks
):
    response = low_answer(agent, django_capture_on_commit_callbacks)
    case = RepairCase.objects.get()
    assert case.damage_type == DamageType.SURVEY_DISSATISFIED
    assert case.owner == agent and case.source_response == response
    assert case.level == 3  # base 2, plus the lowest score


def test_an_outsourced_agent_s_unhappy_customer_goes_to_the_quality_team(
    agent, django_capture_on_commit_callbacks
):
    quality = TeamFactory(name="Quality repair")
    agent.employment_type = EmploymentType.OUTSOURCED
    agent.save()
    low_answer(agent, django_capture_on_commit_callbacks, score=2)
    case = RepairCase.objects.get()
    assert case.owner is None and case.team == quality


def test_a_good_answer_opens_nothing(agent, django_capture_on_commit_callbacks):
    low_answer(agent, django_capture_on_commit_callbacks, score=5)
    assert not RepairCase.objects.exists()


def test_reopened_and_repeat_complaints_open_complaint_cases(
    agent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        closed = close(agent)
    with django_capture_on_commit_callbacks(execute=True):
        complaint_services.reopen(closed, reason="still broken", by=agent)
    case = RepairCase.objects.get(damage_type=DamageType.COMPLAINT)
    assert case.complaint == closed and case.level == 3  # base 2 + reopened
    billing = Category.objects.get(code="billing_dispute")
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        make_complaint(customer=customer, category=billing, description="多扣费")
        repeat = make_complaint(customer=customer, category=billing, description="又多扣费")
    assert RepairCase.objects.get(customer=customer).complaint == repeat


def test_only_one_open_case_per_customer_and_kind():
    customer = CustomerFactory()
    first = open_repair_case(customer=customer, damage_type="call_loss")
    again = open_repair_case(customer=customer, damage_type="call_loss")
    assert first == again


@pytest.mark.parametrize(
    ("kind", "factors", "level"),
    [
        ("call_loss", {}, 1),
        ("call_loss", {"vip": True}, 2),
        ("complaint", {"vip": True, "reopen_count": 1}, 4),
        ("complaint", {"vip": True, "reopen_count": 2, "repeat_contacts": 3, "severe": True}, 4),
        ("survey_dissatisfied", {"repeat_contacts": 2}, 3),
    ],
)
def test_the_level_table(kind, factors, level):
    assert damage_level(kind, **factors) == level


def test_scripts_render_in_the_customer_s_language_with_the_case_s_details(agent):
    complaint = make_complaint(created_by=agent, assignee=agent)
    complaint.customer.language = "en"
    complaint.customer.save()
    case = open_repair_case(
        customer=complaint.customer, damage_type="complaint", complaint=complaint
    )
    case.owner = agent
    strategy = RepairStrategy.objects.get(line="people")
    english = render_script(strategy, case)
    assert complaint.customer.name in english and complaint.reference in english
    complaint.customer.language = "zh-hans"
    strategy.script_zh_hans = "{customer_name}您好，{unknown}"
    assert render_script(strategy, case) == f"{complaint.customer.name}您好，{{unknown}}"


def test_contacts_and_closing(agent):
    case = open_repair_case(customer=CustomerFactory(), damage_type="call_loss")
    log_repair_contact(case, agent=agent, channel="call", reached=True, note="已道歉")
    case.refresh_from_db()
    assert case.state == RepairState.IN_PROGRESS and case.owner == agent
    from complaints.errors import ApplicationError

    with pytest.raises(ApplicationError):
        close_case(case, by=agent, repaired=True, outcome="", satisfied_after=True)
    closed = close_case(case, by=agent, repaired=True, outcome="客户表示满意", satisfied_after=True)
    assert closed.state == RepairState.REPAIRED and closed.closed_at
    with pytest.raises(ApplicationError):
        log_repair_contact(closed, agent=agent, channel="call", reached=True)


def test_the_case_page_shows_scripts_and_takes_contacts(client, agent, other_agent):
    complaint = make_complaint(created_by=agent, assignee=agent, team=agent.team)
    case = open_repair_case(
        customer=complaint.customer, damage_type="complaint", complaint=complaint
    )
    client.force_login(agent)
    assert client.get(reverse("repair:cases"), {"view": "team"}).status_code == 200
    page = client.get(reverse("repair:case", args=[case.pk])).content.decode()
    assert 'data-testid="script"' in page and complaint.reference in page
    url = reverse("repair:case", args=[case.pk])
    assert client.post(url, {"action": "close", "repaired": "1", "outcome": ""}).status_code == 400
    client.post(url, {"action": "contact", "channel": "call", "reached": "on", "note": "ok"})
    client.post(
        url, {"action": "close", "repaired": "1", "satisfied_after": "1", "outcome": "满意"}
    )
    case.refresh_from_db()
    assert case.state == RepairState.REPAIRED and case.satisfied_after is True
    client.force_login(other_agent)
    assert client.get(url).status_code == 404
