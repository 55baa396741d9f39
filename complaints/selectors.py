"""Reads shared by pages, API and dashboard; permission scoping lives here."""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from complaints.access import has_role
from complaints.enums import OPEN_STATES, PRIORITY_RANK, Role, State
from complaints.models import Complaint

QUEUE_VIEWS = ("mine", "team", "unassigned", "all")


def visible_complaints(user: Any) -> QuerySet[Complaint]:
    """The complaints ``user`` may see: all for supervisors, else their team's and their own."""
    queryset = Complaint.objects.all()
    if user.has_perm("complaints.view_all_complaints"):
        return queryset
    if has_role(user, Role.DEPARTMENT):
        return queryset.filter(work_orders__department_id=user.department_id).distinct()
    scope = queryset.filter(assignee_id=user.id) | queryset.filter(created_by_id=user.id)
    if user.team_id is not None:
        scope = scope | queryset.filter(team_id=user.team_id)
    return scope


def complaint_queue(user: Any, *, view: str = "team") -> QuerySet[Complaint]:
    """An agent's queue of open complaints, most urgent first.

    Related rows come in the same query, so the page costs the same number of
    queries whatever its size.
    """
    queryset = visible_complaints(user).filter(state__in=OPEN_STATES)
    if view == "mine":
        queryset = queryset.filter(assignee_id=user.id)
    elif view == "team":
        queryset = queryset.filter(team_id=user.team_id) if user.team_id else queryset.none()
    elif view == "unassigned":
        queryset = queryset.filter(assignee__isnull=True)
    urgency = Case(
        *(When(priority=priority, then=Value(rank)) for priority, rank in PRIORITY_RANK.items()),
        output_field=IntegerField(),
    )
    return (
        queryset.select_related("customer", "category", "assignee", "team")
        .annotate(urgency=urgency)
        .order_by("urgency", "received_at", "id")
    )


def open_complaint_counts(user: Any) -> dict[str, int]:
    """Open complaints per queue view, for the tabs' badges, in one query."""
    counts = (
        visible_complaints(user)
        .filter(state__in=OPEN_STATES)
        .aggregate(
            mine=Count("id", filter=Q(assignee_id=user.id)),
            team=Count("id", filter=Q(team_id=user.team_id, team_id__isnull=False)),
            unassigned=Count("id", filter=Q(assignee__isnull=True)),
            all=Count("id"),
        )
    )
    return {key: counts[key] or 0 for key in QUEUE_VIEWS}


def find_repeat_of(*, customer_id: int, category_id: int | None, at) -> Complaint | None:
    """The customer's latest earlier complaint in the same category within the repeat window."""
    if category_id is None:
        return None
    since = at - timedelta(days=settings.COMPLAINT_REPEAT_WINDOW_DAYS)
    return (
        Complaint.objects.filter(
            customer_id=customer_id,
            category_id=category_id,
            received_at__gte=since,
            received_at__lte=at,
        )
        .exclude(state=State.CANCELLED)
        .order_by("-received_at", "-id")
        .first()
    )
