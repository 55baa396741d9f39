"""The complaints app's own board panels, roll-ups, trends and breakdowns (registered in ready)."""

import datetime as dt

from django.db.models import Count, F, Q
from django.utils.translation import gettext_lazy as _

from complaints.enums import WorkOrderState
from complaints.filters import sla_decided, sla_met
from complaints.models import (
    Category,
    Complaint,
    ComplaintDailyRollup,
    WorkOrder,
    WorkOrderDailyRollup,
)
from complaints.reports import board, registry
from complaints.reports.scope import link

ANY_STATE = board.ANY_STATE


def _day_range(first, last) -> dict:
    """Query parameters for complaints received on days first..last (centre time)."""
    return {"received_after": first, "received_before": last + dt.timedelta(days=1)}


def _complaints_link(**filters):
    def build(scope, first, last):
        return scope.complaints_url(state=ANY_STATE, **_day_range(first, last), **filters)

    return build


def _work_orders_link(scope, first, last):
    return link(
        "complaints:work_orders",
        **scope.list_params(),
        state=[state.value for state in WorkOrderState if state != WorkOrderState.CANCELLED],
        dispatched_after=first,
        dispatched_before=last + dt.timedelta(days=1),
    )


def _categories(scope, keys: list) -> dict:
    """Names and the complaint list behind each category (one query for all)."""
    found = {category.pk: category for category in Category.objects.filter(pk__in=keys)}
    period = _day_range(scope.since, scope.until)
    described = {}
    for key in keys:
        category = found.get(key)
        if category is None:
            described[key] = (str(_("No category")), None)
            continue
        params = {**scope.list_params(), "category": category.code}
        url = link("complaints:queue", view="all", state=ANY_STATE, **params, **period)
        described[key] = (category.name, url)
    return described


def _complaint_changed(since) -> Q:
    # Service writes bump updated_at; the deadline check marks breaches in raw SQL.
    return (
        Q(updated_at__gte=since)
        | Q(response_breached_at__gte=since)
        | Q(resolution_breached_at__gte=since)
    )


def _work_order_changed(since) -> Q:
    return (
        Q(created_at__gte=since)
        | Q(answered_at__gte=since)
        | Q(breached_at__gte=since)
        | Q(complaint__updated_at__gte=since)  # moved to another team or category
    )


def _dimensions(prefix: str = "") -> dict:
    return {
        "team_id": F(f"{prefix}team_id"),
        "category_id": F(f"{prefix}category_id"),
        "channel": F(f"{prefix}channel"),
        "priority": F(f"{prefix}priority"),
    }


COMPLAINTS = registry.RollupSource(
    name="complaints",
    model=ComplaintDailyRollup,
    base=Complaint.objects.all,
    time_field="received_at",
    dimensions=_dimensions(),
    measures={
        "received": Count("id"),
        "repeats": Count("id", filter=Q(repeat_of__isnull=False)),
        "response_due": Count("id", filter=sla_decided("response")),
        "response_met": Count("id", filter=sla_decided("response") & sla_met("response")),
        "resolution_due": Count("id", filter=sla_decided("resolution")),
        "resolution_met": Count("id", filter=sla_decided("resolution") & sla_met("resolution")),
    },
    changed=_complaint_changed,
)

# A work order is decided once answered or marked overdue; cancelled ones do not count.
WORK_ORDER_DECIDED = Q(answered_at__isnull=False) | Q(breached_at__isnull=False)

WORK_ORDERS = registry.RollupSource(
    name="work_orders",
    model=WorkOrderDailyRollup,
    base=lambda: WorkOrder.objects.exclude(state=WorkOrderState.CANCELLED),
    time_field="created_at",
    dimensions={
        **_dimensions("complaint__"),
        "department_id": F("department_id"),
    },
    measures={
        "dispatched": Count("id"),
        "due": Count("id", filter=WORK_ORDER_DECIDED),
        "on_time": Count("id", filter=Q(answered_at__lte=F("due_at"))),
    },
    changed=_work_order_changed,
)


def register() -> None:
    registry.register_panel(registry.BoardPanel("complaints", 10, board.complaints_panel))
    registry.register_panel(registry.BoardPanel("agents", 20, board.agents_panel))
    registry.register_panel(registry.BoardPanel("work_orders", 30, board.work_orders_panel))
    registry.register_rollup(COMPLAINTS)
    registry.register_rollup(WORK_ORDERS)
    for series in (
        registry.TrendSeries(
            "intake", _("Complaints received"), "intake", "complaints", "received",
            link=_complaints_link(), order=10,
        ),
        registry.TrendSeries(
            "first_response", _("First response in time"), "sla", "complaints",
            "response_met", "response_due", link=_complaints_link(response_sla="missed"),
            order=20,
        ),
        registry.TrendSeries(
            "resolution", _("Resolution in time"), "sla", "complaints",
            "resolution_met", "resolution_due", link=_complaints_link(resolution_sla="missed"),
            order=30,
        ),
        registry.TrendSeries(
            "work_orders_on_time", _("Work orders answered in time"), "work_orders",
            "work_orders", "on_time", "due", link=_work_orders_link, order=40,
        ),
        registry.TrendSeries(
            "repeat_rate", _("Repeat-complaint rate"), "repeats", "complaints", "repeats",
            "received", link=_complaints_link(repeat="true"), order=70,
        ),
    ):  # fmt: skip
        registry.register_trend(series)
    registry.register_breakdown(
        registry.Breakdown(
            "categories",
            _("Top categories (voice of the customer)"),
            source="complaints",
            measure="received",
            by="category_id",
            describe=_categories,
            pareto=True,
            order=10,
        )
    )
