"""The surveys app's webhook event (registered in ``SurveysConfig.ready()``; docs/webhooks.md)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from complaints.services.webhooks import api_url, complaint_ref, timestamp

SURVEY_ANSWERED = "survey.answered"

EVENT_TYPES = {SURVEY_ANSWERED: _("A customer answered a survey")}


def response_data(response, *, contact: bool) -> dict[str, Any]:
    """Scores and who they rate; the customer's comment stays in the API (free text)."""
    return {
        "response": {
            "id": response.pk,
            "score": response.score,
            "recommend": response.recommend,
            "is_low": response.is_low,
            "answered_via": response.answered_via,
            "customer": {"id": response.customer_id},
            "agent": response.agent_id,
            "team": response.team_id,
            "category": response.category_code or None,
            "complaint": complaint_ref(response.complaint),
            "created_at": timestamp(response.created_at),
            "url": api_url("surveyresponse", response.pk),
        }
    }
