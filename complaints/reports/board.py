"""The live board: what is open and late right now, from a handful of GROUP BY queries.

Each figure is counted in the database over indexed columns (open rows through the
partial indexes on running clocks, today's rows through the time indexes); no row
is looked at in Python. ``live_board`` renders every registered panel, so the
surveys and repair panels appear here without this module knowing them.
"""

from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from complaints.enums import OPEN_STATES, OPEN_WORK_ORDER_STATES, Priority, State
from complaints.filters import AT_RISK, BREACHED, breached_between
from complaints.models import Complaint, WorkOrder
from complaints.reports import registry
from complaints.reports.registry import Figure, Panel, Table
from complaints.reports.scope import ReportScope, link

# Board columns in the order of the lifecycle.
OPEN_STATE_ORDER = [state for state in State if state in OPEN_STATES]
ANY_STATE = "any"  # the queue's "every state" value


def live_board(scope: ReportScope) -> list[Panel]:
    """Every registered panel, in order, for ``scope`` (the period is ignored: it is now)."""
    return [panel.build(scope) for panel in registry.panels()]


def _scoped(scope: ReportScope):
    return Complaint.objects.filter(scope.dimension_filter())


def open_by_priority_and_state(complaints: QuerySet[Complaint]) -> list[dict[str, Any]]:
    """One row per open (priority, state) with its total, at-risk and breached counts.

    One query, index-only through ``complaint_open_board_idx``; the board and /metrics share it.
    """
    return list(
        complaints.filter(state__in=OPEN_STATES)
        .values("priority", "state")
        .annotate(
            total=Count("id"),
            at_risk=Count("id", filter=AT_RISK),
            breached=Count("id", filter=BREACHED),
        )
        .order_by()
    )


def complaints_panel(scope: ReportScope) -> Panel:
    """Open complaints by priority × state, at risk, breached now and today, today's intake."""
    rows = open_by_priority_and_state(_scoped(scope))
    start = scope.today_start
    today = _scoped(scope).filter(Q(received_at__gte=start) | breached_between(start, None))
    today = today.aggregate(
        intake=Count("id", filter=Q(received_at__gte=start)),
        breached=Count("id", filter=breached_between(start, None)),
    )
    figures = [
        Figure("open", _("Open"), sum(row["total"] for row in rows), scope.complaints_url()),
        Figure(
            "at_risk",
            _("At risk"),
            sum(row["at_risk"] for row in rows),
            scope.complaints_url(at_risk="true"),
        ),
        Figure(
            "breached_now",
            _("Breached now"),
            sum(row["breached"] for row in rows),
            scope.complaints_url(overdue="true"),
        ),
        Figure(
            "breached_today",
            _("Breached today"),
            today["breached"],
            scope.complaints_url(state=ANY_STATE, breached_after=scope.today),
        ),
        Figure(
            "intake_today",
            _("Received today"),
            today["intake"],
            scope.complaints_url(state=ANY_STATE, received_after=scope.today),
        ),
    ]
    counts = {(row["priority"], row["state"]): row for row in rows}
    table_rows = []
    for priority in Priority:
        cells = [
            Figure(
                f"{priority}.{state}",
                str(state.label),
                counts.get((priority, state), {}).get("total", 0),
                scope.complaints_url(priority=priority.value, state=state.value),
            )
            for state in OPEN_STATE_ORDER
        ]
        in_priority = [row for key, row in counts.items() if key[0] == priority]
        cells += [
            Figure(
                f"{priority}.total",
                _("Total"),
                sum(row["total"] for row in in_priority),
                scope.complaints_url(priority=priority.value),
            ),
            Figure(
                f"{priority}.at_risk",
                _("At risk"),
                sum(row["at_risk"] for row in in_priority),
                scope.complaints_url(priority=priority.value, at_risk="true"),
            ),
            Figure(
                f"{priority}.breached",
                _("Breached now"),
                sum(row["breached"] for row in in_priority),
                scope.complaints_url(priority=priority.value, overdue="true"),
            ),
        ]
        table_rows.append((str(priority.label), cells))
    columns = [str(state.label) for state in OPEN_STATE_ORDER]
    columns += [_("Total"), _("At risk"), _("Breached now")]
    return Panel(
        "complaints",
        _("Complaints"),
        figures=figures,
        tables=[Table("by_priority_state", _("Open by priority and state"), columns, table_rows)],
    )


def agents_panel(scope: ReportScope) -> Panel:
    """Per assignee: open, at risk, breached, closed today (unassigned open ones in one row)."""
    start = scope.today_start
    people = ("assignee_id", "assignee__username", "assignee__first_name", "assignee__last_name")
    # Two queries rather than one with an OR: the open rows are an index-only scan of
    # complaint_open_board_idx, today's closed ones a range of complaint_confirmed_idx.
    open_rows = (
        _scoped(scope)
        .filter(state__in=OPEN_STATES)
        .values(*people)
        .annotate(
            open=Count("id"),
            at_risk=Count("id", filter=AT_RISK),
            breached=Count("id", filter=BREACHED),
        )
        .order_by()
    )
    closed_rows = (
        _scoped(scope)
        .filter(state=State.CLOSED, confirmed_at__gte=start)
        .values(*people)
        .annotate(closed_today=Count("id"))
        .order_by()
    )
    merged: dict = {}
    for row in [*open_rows, *closed_rows]:
        merged.setdefault(
            row["assignee_id"], {"open": 0, "at_risk": 0, "breached": 0, "closed_today": 0}
        ).update(row)
    rows = sorted(merged.values(), key=lambda row: (-row["open"], row["assignee__username"] or ""))
    table_rows = []
    for row in rows:
        if row["assignee_id"] is None:
            label = _("Unassigned")
            open_url = link("complaints:queue", view="unassigned", **scope.list_params())
            cells = [
                Figure("open", _("Open"), row["open"], open_url),
                Figure("at_risk", _("At risk"), row["at_risk"], f"{open_url}&at_risk=true"),
                Figure("breached", _("Breached"), row["breached"], f"{open_url}&overdue=true"),
                Figure("closed_today", _("Closed today"), row["closed_today"]),
            ]
        else:
            name = f"{row['assignee__first_name']} {row['assignee__last_name']}".strip()
            label = name or row["assignee__username"]
            mine = {"assignee": row["assignee_id"]}
            cells = [
                Figure("open", _("Open"), row["open"], scope.complaints_url(**mine)),
                Figure(
                    "at_risk",
                    _("At risk"),
                    row["at_risk"],
                    scope.complaints_url(**mine, at_risk="true"),
                ),
                Figure(
                    "breached",
                    _("Breached"),
                    row["breached"],
                    scope.complaints_url(**mine, overdue="true"),
                ),
                Figure(
                    "closed_today",
                    _("Closed today"),
                    row["closed_today"],
                    scope.complaints_url(
                        **mine, state=State.CLOSED.value, closed_after=scope.today
                    ),
                ),
            ]
        table_rows.append((label, cells))
    columns = [_("Open"), _("At risk"), _("Breached"), _("Closed today")]
    return Panel(
        "agents",
        _("Agents"),
        tables=[Table("agents", _("Per agent"), columns, table_rows)],
    )


def work_orders_panel(scope: ReportScope) -> Panel:
    """Open and overdue work orders per department (of the scope's complaints)."""
    rows = (
        WorkOrder.objects.filter(state__in=OPEN_WORK_ORDER_STATES)
        .filter(scope.dimension_filter("complaint__"))
        .values("department_id", "department__code", "department__name")
        .annotate(
            open=Count("id"),
            overdue=Count("id", filter=Q(breached_at__isnull=False)),
        )
        .order_by("-overdue", "department__name")
    )
    table_rows = []
    for row in rows:
        params = {**scope.list_params(), "department": row["department__code"]}
        table_rows.append(
            (
                row["department__name"],
                [
                    Figure(
                        "open", _("Open"), row["open"], link("complaints:work_orders", **params)
                    ),
                    Figure(
                        "overdue",
                        _("Overdue"),
                        row["overdue"],
                        link("complaints:work_orders", **params, overdue="true"),
                    ),
                ],
            )
        )
    overdue = sum(cells[1].value for _label, cells in table_rows)
    return Panel(
        "work_orders",
        _("Work orders"),
        figures=[
            Figure(
                "overdue",
                _("Overdue"),
                overdue,
                link("complaints:work_orders", **scope.list_params(), overdue="true"),
            )
        ],
        tables=[Table("by_department", _("By department"), [_("Open"), _("Overdue")], table_rows)],
    )
