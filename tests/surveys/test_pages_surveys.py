"""Survey pages for agents: results, unread SMS replies, phone surveys."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from surveys import services
from surveys.models import SurveyInvitation, SurveyResponse
from tests.surveys.test_services_surveys import answers_for, close

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitation(agent, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        close(agent)
    services.send_due_invitations(now=timezone.now() + dt.timedelta(hours=2))
    return SurveyInvitation.objects.get()


def test_results_page_with_figures_and_unread_replies(client, agent, invitation):
    services.record_response(invitation, answers=answers_for(invitation, score=4), via="web")
    services.receive_sms_reply(phone="13900000000", text="？？")
    client.force_login(agent)
    page = client.get(reverse("surveys:index"), {"group_by": "team"}).content.decode()
    assert 'data-testid="survey-figures"' in page and "100%" in page
    assert "？？" in page


def test_an_agent_records_a_phone_survey(client, agent, invitation):
    client.force_login(agent)
    url = reverse("surveys:phone_survey", args=[invitation.pk])
    assert "phone-survey-form" in client.get(url).content.decode()
    assert client.post(url, {}).status_code == 400
    fields = {f"q{pk}": value for pk, value in answers_for(invitation, score=3, level="3").items()}
    assert client.post(url, fields).status_code == 302
    response = SurveyResponse.objects.get()
    assert response.answered_via == "phone" and response.recorded_by == agent
    assert client.post(url, fields).status_code == 409


def test_department_users_cannot_see_surveys(client, department_user, invitation):
    client.force_login(department_user)
    assert client.get(reverse("surveys:index")).status_code == 403
    assert client.get(reverse("surveys:phone_survey", args=[invitation.pk])).status_code == 403
