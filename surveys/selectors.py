"""Survey results: CSAT, average score, NPS and response rate, computed in the database."""

import datetime as dt
from typing import Any

from django.db.models import Avg, Count, F, Q, QuerySet

from surveys.enums import SATISFIED_SCORE, InvitationState
from surveys.models import SmsReply, SurveyInvitation, SurveyResponse

GROUPS = {
    "agent": "agent__username",
    "team": "team__name",
    "category": "category_code",
    "channel": "complaint_channel",
}


def response_counts() -> dict[str, Count]:
    """How responses are counted, here and in the daily roll-up: CSAT = satisfied / scored."""
    return {
        "responses": Count("id"),
        "scored": Count("id", filter=Q(score__isnull=False)),
        "satisfied": Count("id", filter=Q(score__gte=SATISFIED_SCORE)),
        "low": Count("id", filter=Q(is_low=True)),
    }


def _measures() -> dict[str, Any]:
    return {
        **response_counts(),
        "average": Avg("score"),
        "recommenders": Count("id", filter=Q(recommend__isnull=False)),
        "promoters": Count("id", filter=Q(recommend__gte=9)),
        "detractors": Count("id", filter=Q(recommend__lte=6)),
    }


def _figures(responses: QuerySet[SurveyResponse]) -> dict[str, Any]:
    return _derive(responses.aggregate(**_measures()))


def _derive(totals: dict[str, Any]) -> dict[str, Any]:
    scored, recommenders = totals["scored"], totals["recommenders"]
    return {
        **totals,
        "csat": round(totals["satisfied"] / scored, 4) if scored else None,
        "average": round(totals["average"], 2) if totals["average"] is not None else None,
        "nps": round((totals["promoters"] - totals["detractors"]) * 100 / recommenders, 1)
        if recommenders
        else None,
    }


def survey_results(
    *,
    since: dt.datetime,
    until: dt.datetime,
    group_by: str | None = None,
    team_id: int | None = None,
    category_code: str | None = None,
    channel: str | None = None,
) -> dict[str, Any]:
    """Figures for responses given in [since, until), optionally per agent/team/category/channel.

    ``team_id``, ``category_code`` and ``channel`` narrow both the responses and the
    invitations to those about complaints of that team, category or channel.
    """
    about = {"team_id": team_id, "category_code": category_code, "complaint_channel": channel}
    invited = {
        "complaint__team_id": team_id,
        "complaint__category__code": category_code,
        "complaint__channel": channel,
    }
    responses = SurveyResponse.objects.filter(
        created_at__gte=since,
        created_at__lt=until,
        **{key: value for key, value in about.items() if value},
    )
    sent = SurveyInvitation.objects.filter(
        sent_at__gte=since,
        sent_at__lt=until,
        state__in=[InvitationState.SENT, InvitationState.ANSWERED],
        **{key: value for key, value in invited.items() if value},
    ).count()
    overall = _figures(responses)
    overall["invitations_sent"] = sent
    overall["response_rate"] = round(overall["responses"] / sent, 4) if sent else None
    result: dict[str, Any] = {"overall": overall, "since": since, "until": until}
    if group_by in GROUPS:
        rows = (
            responses.annotate(group=F(GROUPS[group_by]))
            .values("group")
            .annotate(**_measures())
            .order_by("group")
        )
        result["groups"] = [{"group": row.pop("group"), **_derive(row)} for row in rows]
        result["group_by"] = group_by
    return result


def open_text_answers(*, since: dt.datetime, until: dt.datetime) -> QuerySet[SurveyResponse]:
    return (
        SurveyResponse.objects.filter(created_at__gte=since, created_at__lt=until)
        .exclude(comment="")
        .select_related("invitation__complaint", "agent")
        .order_by("-created_at")
    )


def unparsed_sms_replies() -> QuerySet[SmsReply]:
    """Replies nobody could read automatically: agents look at these."""
    return SmsReply.objects.filter(is_parsed=False).select_related("invitation__complaint")


def awaiting_answer() -> QuerySet[SurveyInvitation]:
    """Sent invitations still unanswered: candidates for a phone survey (important customers)."""
    return (
        SurveyInvitation.objects.filter(state=InvitationState.SENT)
        .select_related("complaint", "customer")
        .order_by("-customer__tier", "sent_at")
    )
