"""survey.answered: one delivery per answer, scores without the comment."""

import pytest

from complaints.models import WebhookDelivery
from complaints.services.webhooks import create_subscription
from surveys import services
from surveys.models import SurveyInvitation
from tests.surveys.test_services_surveys import answers_for, invitation  # noqa: F401

pytestmark = pytest.mark.django_db


def test_an_answer_gives_one_event_and_a_second_submission_none(invitation):  # noqa: F811
    subscription, _secret = create_subscription(
        name="BI", url="http://127.0.0.1:9/hooks", events=["survey.answered"], by=None
    )
    response = services.record_response(
        invitation, answers=answers_for(invitation, score=2, level="2"), via="web", comment="慢"
    )
    with pytest.raises(services.SurveyLinkError):
        services.record_response(
            SurveyInvitation.objects.get(pk=invitation.pk),
            answers=answers_for(invitation),
            via="web",
        )
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    assert delivery.event_type == "survey.answered"
    complaint = response.complaint
    assert delivery.payload == {
        "response": {
            "id": response.pk,
            "score": 2,
            "recommend": None,
            "is_low": True,
            "answered_via": "web",
            "customer": {"id": response.customer_id},
            "agent": response.agent_id,
            "team": response.team_id,
            "category": "network_signal",
            "complaint": {
                "id": complaint.pk,
                "reference": complaint.reference,
                "state": "closed",
                "priority": complaint.priority,
                "url": f"http://127.0.0.1:8000/api/v1/complaints/{complaint.pk}/",
            },
            "created_at": delivery.payload["response"]["created_at"],
            "url": f"http://127.0.0.1:8000/api/v1/surveys/responses/{response.pk}/",
        }
    }
