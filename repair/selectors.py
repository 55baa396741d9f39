"""Reads for the callback queue, the callback report and repair pages."""

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import ExtractHour
from django.utils import timezone

from repair.api.filters import CallbackFilter, RepairCaseFilter
from repair.enums import OPEN_CALLBACK_STATES, OPEN_REPAIR_STATES, CallbackState
from repair.models import CallbackRequest, RepairCase

CALLBACK_VIEWS = ("all", "mine", "unassigned")


def callback_queue(
    user: Any, *, view: str = "all", filters: dict | None = None
) -> QuerySet[CallbackRequest]:
    """Bookings, nearest due first: open ones unless ``filters`` pick states.

    'mine' and 'unassigned' narrow it; ``filters`` are ``CallbackFilter``'s (the
    board's drill-down: a team, overdue, a booking period).
    """
    queryset = _filtered(CallbackFilter, CallbackRequest.objects.all(), filters)
    if not (filters or {}).get("state"):
        queryset = queryset.filter(state__in=OPEN_CALLBACK_STATES)
    if view == "mine":
        queryset = queryset.filter(assignee_id=user.pk)
    elif view == "unassigned":
        queryset = queryset.filter(assignee__isnull=True)
    return queryset.select_related("customer", "assignee", "complaint").order_by("due_at", "id")


REPAIR_VIEWS = ("mine", "team", "all")


def visible_repair_cases(user: Any) -> QuerySet[RepairCase]:
    """Supervisors see every case; agents their own and their team's."""
    queryset = RepairCase.objects.all()
    if user.has_perm("complaints.view_all_complaints"):
        return queryset
    scope = Q(owner_id=user.pk)
    if user.team_id is not None:
        scope |= Q(team_id=user.team_id)
    return queryset.filter(scope)


def repair_queue(
    user: Any, *, view: str = "mine", filters: dict | None = None, request: Any = None
) -> QuerySet[RepairCase]:
    """Cases, nearest due first: open ones unless ``filters`` (``RepairCaseFilter``) pick states."""
    queryset = _filtered(RepairCaseFilter, visible_repair_cases(user), filters, request=request)
    if not (filters or {}).get("state"):
        queryset = queryset.filter(state__in=OPEN_REPAIR_STATES)
    if view == "mine":
        queryset = queryset.filter(owner_id=user.pk)
    elif view == "team":
        queryset = queryset.filter(team_id=user.team_id) if user.team_id else queryset.none()
    return queryset.select_related("customer", "owner", "complaint", "team").order_by(
        "due_at", "id"
    )


def _filtered(filterset_class, queryset: QuerySet, filters: dict | None, **kwargs) -> QuerySet:
    """``queryset`` narrowed by the FilterSet; nothing at all when the filters are invalid."""
    if not filters:
        return queryset
    filterset = filterset_class(filters, queryset=queryset, **kwargs)
    return filterset.qs if filterset.is_valid() else queryset.none()


def open_callback_counts(*, scope: Q, now: dt.datetime) -> dict[str, int]:
    """Bookings not yet handled, and those past their due time, in one query."""
    return CallbackRequest.objects.filter(scope, state__in=OPEN_CALLBACK_STATES).aggregate(
        pending=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now))
    )


def open_repair_counts(*, scope: Q, now: dt.datetime) -> dict[str, int]:
    """The repair backlog: open cases, and those past their due time, in one query."""
    return RepairCase.objects.filter(scope, state__in=OPEN_REPAIR_STATES).aggregate(
        open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now))
    )


def repair_metrics(*, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Repair on time (closed by the due time), satisfied after repair, repeat-complaint rate."""
    from complaints.models import Complaint

    closed = RepairCase.objects.filter(closed_at__gte=since, closed_at__lt=until).aggregate(
        closed=Count("id"),
        on_time=Count("id", filter=Q(closed_at__lte=F("due_at"))),
        asked=Count("id", filter=Q(satisfied_after__isnull=False)),
        satisfied=Count("id", filter=Q(satisfied_after=True)),
    )
    complaints = Complaint.objects.filter(received_at__gte=since, received_at__lt=until).aggregate(
        total=Count("id"), repeats=Count("id", filter=Q(repeat_of__isnull=False))
    )
    return {
        **closed,
        "on_time_rate": _share(closed["on_time"], closed["closed"]),
        "satisfied_rate": _share(closed["satisfied"], closed["asked"]),
        "complaints": complaints["total"],
        "repeat_complaints": complaints["repeats"],
        "repeat_rate": _share(complaints["repeats"], complaints["total"]),
        "open_backlog": RepairCase.objects.filter(state__in=OPEN_REPAIR_STATES).count(),
    }


def callback_measures() -> dict[str, Count]:
    """How the call-loss figures count bookings (the report and the daily roll-up alike).

    Cancelled bookings are left out by the caller. "Handled" means the call was
    returned (a first attempt was made); waits run from the clock's start.
    """
    return {
        "bookings": Count("id"),
        "handled": Count("id", filter=Q(first_attempt_at__isnull=False)),
        "within_30": Count(
            "id",
            filter=Q(first_attempt_at__lte=F("clock_started_at") + dt.timedelta(minutes=30)),
        ),
        "within_60": Count(
            "id",
            filter=Q(first_attempt_at__lte=F("clock_started_at") + dt.timedelta(minutes=60)),
        ),
    }


def callback_report(*, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """The call-loss figures for bookings made in [since, until), computed in the database.

    "Handled" means the call was returned (a first attempt was made); waits run
    from the clock's start, so a night booking is not counted late for quiet hours.
    """
    bookings = CallbackRequest.objects.filter(requested_at__gte=since, requested_at__lt=until)
    wait = ExpressionWrapper(F("first_attempt_at") - F("clock_started_at"), DurationField())
    counted = bookings.exclude(state=CallbackState.CANCELLED)
    totals = counted.aggregate(
        **callback_measures(),
        completed=Count("id", filter=Q(state=CallbackState.COMPLETED)),
        unreachable=Count("id", filter=Q(state=CallbackState.UNREACHABLE)),
        joined=Count("id", filter=Q(joined_count__gt=0)),
        average_wait=Avg(wait, filter=Q(first_attempt_at__isnull=False)),
    )
    per_hour = {
        row["hour"]: row["total"]
        for row in counted.annotate(
            hour=ExtractHour("requested_at", tzinfo=timezone.get_current_timezone())
        )
        .values("hour")
        .annotate(total=Count("id"))
        .order_by("hour")
    }
    days = max((until - since).total_seconds() / 86400, 1.0)
    capacity = settings.CALLBACK_AGENT_HOURLY_CAPACITY
    hours = [
        {
            "hour": hour,
            "bookings": per_hour.get(hour, 0),
            "per_day": round(per_hour.get(hour, 0) / days, 2),
            "agents_needed": math.ceil(per_hour.get(hour, 0) / days / capacity),
        }
        for hour in range(24)
    ]
    total = totals["bookings"]
    average = totals["average_wait"]
    return {
        **totals,
        "share_within_30": _share(totals["within_30"], total),
        "share_within_60": _share(totals["within_60"], total),
        "average_wait_minutes": round(average.total_seconds() / 60, 1) if average else None,
        "hours": hours,
        "capacity_per_agent_hour": capacity,
        "since": since,
        "until": until,
    }


def _share(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None
