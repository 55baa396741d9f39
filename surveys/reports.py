"""The surveys app's board panel, daily roll-up and CSAT trend (registered in ``ready()``)."""

import datetime as dt

from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.models import Category
from complaints.reports import registry
from complaints.reports.registry import SHARE, Figure, Panel
from complaints.reports.scope import ReportScope, link, local_midnight
from surveys.models import SurveyDailyRollup, SurveyResponse
from surveys.selectors import response_counts, survey_results

# "Last 7 days" on the board: today and the six days before it.
WEEK_DAYS = 7


def _about(scope: ReportScope) -> dict:
    return {
        "team_id": scope.team_id,
        "category_code": scope.category.code if scope.category else None,
        "channel": scope.channel,
    }


def results_url(scope: ReportScope, first: dt.date, last: dt.date) -> str:
    """The survey results page for days first..last, narrowed like the scope."""
    return link("surveys:index", since=first, until=last, **scope.list_params())


def csat_panel(scope: ReportScope) -> Panel:
    """CSAT (satisfied / scored) and responses, today and over the last seven days."""
    week_start = scope.today - dt.timedelta(days=WEEK_DAYS - 1)
    today = survey_results(since=scope.today_start, until=scope.now, **_about(scope))["overall"]
    week = survey_results(since=local_midnight(week_start), until=scope.now, **_about(scope))
    week = week["overall"]
    today_url = results_url(scope, scope.today, scope.today)
    week_url = results_url(scope, week_start, scope.today)
    return Panel(
        "csat",
        _("Satisfaction"),
        figures=[
            Figure("csat_today", _("CSAT today"), today["csat"], today_url, SHARE),
            Figure("responses_today", _("Survey answers today"), today["responses"], today_url),
            Figure("csat_7_days", _("CSAT, last 7 days"), week["csat"], week_url, SHARE),
            Figure(
                "responses_7_days", _("Survey answers, last 7 days"), week["responses"], week_url
            ),
        ],
    )


SURVEYS = registry.RollupSource(
    name="surveys",
    model=SurveyDailyRollup,
    base=SurveyResponse.objects.all,
    time_field="created_at",
    dimensions={
        "team_id": F("team_id"),
        # The category as copied onto the response when it was given.
        "category_id": Subquery(
            Category.objects.filter(code=OuterRef("category_code")).values("id")[:1]
        ),
        "channel": F("complaint_channel"),
        "priority": Coalesce(F("complaint__priority"), Value("")),
    },
    measures=response_counts(),
    # Responses are written once; a day changes only when responses arrive.
    changed=lambda since: Q(created_at__gte=since),
)


def register() -> None:
    registry.register_panel(registry.BoardPanel("csat", 50, csat_panel))
    registry.register_rollup(SURVEYS)
    registry.register_trend(
        registry.TrendSeries(
            "csat",
            gettext_lazy("CSAT (satisfied of scored answers)"),
            "csat",
            "surveys",
            "satisfied",
            "scored",
            link=results_url,
            order=60,
        )
    )
