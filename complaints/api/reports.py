"""The board and the trends as JSON under ``/api/v1/reports/`` for BI tools.

The same figures as the pages (``complaints.reports``), with the same scope: API tokens
need ``reports:read`` and act as their user, whose role decides which teams they see
(a team lead's token sees the lead's team only); session users are governed by role.
"""

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.access import Action
from complaints.api.permissions import HasAction, TokenHasScope
from complaints.api.schema import problems
from complaints.enums import Channel
from complaints.models import Category, Team
from complaints.reports.board import live_board
from complaints.reports.registry import COUNT, NUMBER, SHARE, Panel
from complaints.reports.scope import MAX_DAYS, build_scope
from complaints.reports.trends import trend_report
from config.api import validated_query
from config.db_router import replica_reads

# Named once so that the schema's enum names stay stable (ENUM_NAME_OVERRIDES).
FIGURE_KINDS = [COUNT, SHARE, NUMBER]
SERIES_KINDS = [COUNT, SHARE]

REPORTS = "reports:read"
REPORT_SCOPES = dict.fromkeys(("GET", "HEAD", "OPTIONS"), REPORTS)


class ReportQuerySerializer(serializers.Serializer):
    since = serializers.DateField(
        required=False,
        help_text=f"First day (centre time). Default: 29 days before `until`; at most {MAX_DAYS} "
        "days in all. The board ignores the period.",
    )
    until = serializers.DateField(required=False, help_text="Last day, inclusive. Default: today.")
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        help_text="Team id. Team leads always get their own team (another one is 403).",
    )
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.all(), required=False, help_text="Code."
    )
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)


@extend_schema_field(OpenApiTypes.NUMBER)
class NumberField(serializers.Field):
    """A count stays an integer, a share a fraction (0..1); null when there is nothing to count."""

    def to_representation(self, value: Any) -> Any:
        return value


class FigureSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    value = NumberField(allow_null=True)
    kind = serializers.ChoiceField(choices=FIGURE_KINDS, help_text="`share` is a fraction 0..1.")
    url = serializers.CharField(
        allow_null=True, help_text="The page listing what the figure counts."
    )


class TableRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    figures = FigureSerializer(many=True)


class TableSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = TableRowSerializer(many=True)


class PanelSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    figures = FigureSerializer(many=True)
    tables = TableSerializer(many=True)


class BoardSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    team = serializers.IntegerField(allow_null=True)
    panels = PanelSerializer(many=True)


class TrendPointSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    value = NumberField(allow_null=True, help_text="A count, or a share 0..1 (null: none due).")
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField(allow_null=True)
    url = serializers.CharField(allow_null=True)


class TrendSeriesSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    chart = serializers.CharField()
    kind = serializers.ChoiceField(choices=SERIES_KINDS)
    total = TrendPointSerializer(help_text="The whole period.")
    daily = TrendPointSerializer(many=True)
    weekly = TrendPointSerializer(many=True, help_text="Monday to Sunday, clipped to the period.")


class BreakdownItemSerializer(serializers.Serializer):
    key = serializers.JSONField(help_text="The grouping value (e.g. a category id, an hour).")
    label = serializers.CharField()
    value = serializers.IntegerField()
    cumulative_share = serializers.FloatField(allow_null=True)
    url = serializers.CharField(allow_null=True)


class BreakdownSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    pareto = serializers.BooleanField()
    total = serializers.IntegerField()
    items = BreakdownItemSerializer(many=True)


class TrendsSerializer(serializers.Serializer):
    since = serializers.DateField()
    until = serializers.DateField()
    team = serializers.IntegerField(allow_null=True)
    series = TrendSeriesSerializer(many=True)
    breakdowns = BreakdownSerializer(many=True)


def _panel(panel: Panel) -> dict[str, Any]:
    def figure(item) -> dict[str, Any]:
        return {
            "key": item.key,
            "label": item.label,
            "value": item.value,
            "kind": item.kind,
            "url": item.url,
        }

    return {
        "key": panel.key,
        "title": panel.title,
        "figures": [figure(item) for item in panel.figures],
        "tables": [
            {
                "key": table.key,
                "title": table.title,
                "columns": list(table.columns),
                "rows": [
                    {"label": label, "figures": [figure(cell) for cell in cells]}
                    for label, cells in table.rows
                ],
            }
            for table in panel.tables
        ],
    }


class _ReportView(APIView):
    permission_classes = [IsAuthenticated, TokenHasScope, HasAction]
    required_scopes = REPORT_SCOPES
    required_action = Action.VIEW_DASHBOARD

    def scope(self, request: Request):
        return build_scope(request.user, **validated_query(ReportQuerySerializer, request))


class BoardView(_ReportView):
    @extend_schema(
        summary="The live board",
        description="Right now: open complaints by priority and state, at risk, breached now "
        "and today, today's intake, per agent, overdue work orders by department, callbacks "
        "waiting and overdue, CSAT today and over 7 days, the repair backlog. Every figure "
        "carries the URL of the list behind it. API tokens need `reports:read`.",
        parameters=[ReportQuerySerializer],
        responses={200: BoardSerializer, **problems(400, 401, 403)},
    )
    @replica_reads()
    def get(self, request: Request) -> Response:
        scope = self.scope(request)
        panels = [_panel(panel) for panel in live_board(scope)]
        return Response(
            BoardSerializer({"at": scope.now, "team": scope.team_id, "panels": panels}).data
        )


class TrendsView(_ReportView):
    @extend_schema(
        summary="Trends over a period",
        description="Per day and per week, from the daily roll-ups: intake, first-response "
        "and resolution SLA compliance, work orders answered in time, callbacks returned "
        "within 30 and 60 minutes, CSAT, repeat-complaint rate; and the breakdowns (top "
        "categories as a Pareto, callback bookings per hour of day). API tokens need "
        "`reports:read`.",
        parameters=[ReportQuerySerializer],
        responses={200: TrendsSerializer, **problems(400, 401, 403)},
    )
    @replica_reads()
    def get(self, request: Request) -> Response:
        scope = self.scope(request)
        return Response(TrendsSerializer({**trend_report(scope), "team": scope.team_id}).data)
