"""The repair app's board panels, callback roll-up, trends and breakdown (registered in ready)."""

import datetime as dt

from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, ExtractHour
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.reports import registry
from complaints.reports.registry import Figure, Panel
from complaints.reports.scope import ReportScope, centre_zone, link
from repair.enums import CallbackState
from repair.models import CallbackDailyRollup, CallbackRequest
from repair.selectors import callback_measures, open_callback_counts, open_repair_counts


def _about_complaint(scope: ReportScope) -> Q:
    """Category and channel: those of the complaint a booking or case is about."""
    query = Q()
    if scope.category is not None:
        query &= Q(complaint__category_id=scope.category.pk)
    if scope.channel:
        query &= Q(complaint__channel=scope.channel)
    return query


def callbacks_panel(scope: ReportScope) -> Panel:
    """Bookings not yet handled and those overdue (a team's: assigned to its agents)."""
    team = Q(assignee__team_id=scope.team_id) if scope.team_id else Q()
    counts = open_callback_counts(scope=team & _about_complaint(scope), now=scope.now)
    params = {"view": "all", **scope.list_params()}
    return Panel(
        "callbacks",
        _("Callbacks"),
        figures=[
            Figure(
                "pending",
                _("Waiting to be returned"),
                counts["pending"],
                link("repair:callbacks", **params),
            ),
            Figure(
                "overdue",
                _("Overdue"),
                counts["overdue"],
                link("repair:callbacks", **params, overdue="true"),
            ),
        ],
    )


def repair_panel(scope: ReportScope) -> Panel:
    """The repair backlog: open damaged-customer cases, and those past their due time."""
    team = Q(team_id=scope.team_id) if scope.team_id else Q()
    counts = open_repair_counts(scope=team & _about_complaint(scope), now=scope.now)
    params = {"view": "all", **scope.list_params()}
    return Panel(
        "repair",
        _("Repair backlog"),
        figures=[
            Figure("open", _("Open cases"), counts["open"], link("repair:cases", **params)),
            Figure(
                "overdue",
                _("Overdue"),
                counts["overdue"],
                link("repair:cases", **params, overdue="true"),
            ),
        ],
    )


def bookings_url(scope: ReportScope, first: dt.date, last: dt.date) -> str:
    """Every booking of days first..last, in any state but cancelled (as the figures count)."""
    return link(
        "repair:callbacks",
        view="all",
        **scope.list_params(),
        state=[state.value for state in CallbackState if state != CallbackState.CANCELLED],
        requested_after=first,
        requested_before=last + dt.timedelta(days=1),
    )


def _hours(scope: ReportScope, keys: list) -> dict:
    url = bookings_url(scope, scope.since, scope.until)
    return {hour: (f"{hour:02d}:00", url) for hour in keys}


CALLBACKS = registry.RollupSource(
    name="callbacks",
    model=CallbackDailyRollup,
    base=lambda: CallbackRequest.objects.exclude(state=CallbackState.CANCELLED),
    time_field="requested_at",
    dimensions={
        "team_id": F("assignee__team_id"),
        "category_id": F("complaint__category_id"),
        "channel": Coalesce(F("complaint__channel"), Value("")),
        "priority": Coalesce(F("complaint__priority"), Value("")),
        "hour": ExtractHour("requested_at", tzinfo=centre_zone()),
    },
    measures=callback_measures(),
    changed=lambda since: (
        Q(created_at__gte=since)
        | Q(assigned_at__gte=since)
        | Q(first_attempt_at__gte=since)
        | Q(completed_at__gte=since)  # handled, unreachable or cancelled
    ),
)


def register() -> None:
    registry.register_panel(registry.BoardPanel("callbacks", 40, callbacks_panel))
    registry.register_panel(registry.BoardPanel("repair", 60, repair_panel))
    registry.register_rollup(CALLBACKS)
    for key, title, measure, order in (
        ("callbacks_30", gettext_lazy("Callbacks returned within 30 min"), "within_30", 50),
        ("callbacks_60", gettext_lazy("Callbacks returned within 60 min"), "within_60", 51),
    ):
        registry.register_trend(
            registry.TrendSeries(
                key, title, "callbacks", "callbacks", measure, "bookings",
                link=bookings_url, order=order,
            )
        )  # fmt: skip
    registry.register_breakdown(
        registry.Breakdown(
            "bookings_by_hour",
            gettext_lazy("Callback bookings per hour of day"),
            source="callbacks",
            measure="bookings",
            by="hour",
            describe=_hours,
            keys=tuple(range(24)),
            order=20,
        )
    )
