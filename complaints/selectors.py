"""Reads shared by pages, API and dashboard; permission scoping lives here."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.http import QueryDict

from complaints.access import has_role
from complaints.enums import (
    OPEN_STATES,
    OPEN_WORK_ORDER_STATES,
    PRIORITY_RANK,
    Role,
    State,
    WebhookState,
)
from complaints.filters import ComplaintFilter, WebhookDeliveryFilter, WorkOrderFilter
from complaints.models import (
    Attachment,
    ClassificationRule,
    Complaint,
    ComplaintEvent,
    Customer,
    WebhookDelivery,
    WebhookSubscription,
    WorkOrder,
    next_due_expression,
)

QUEUE_VIEWS = ("mine", "team", "unassigned", "all")
# The queue's "every state" choice (drill-downs to closed and cancelled complaints too).
ANY_STATE = "any"


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


def _queue_scope(user: Any, view: str) -> QuerySet[Complaint]:
    """The complaints of a queue view that ``user`` may see.

    Everyone but department users sees their own and their team's complaints, so the
    "mine" and "team" views need no visibility condition of their own. Adding it anyway
    (``assignee OR creator OR team``, and the team again) made PostgreSQL expect a tenth
    of the team's open complaints, and join the customer, assignee and category of every
    one of them before sorting instead of the page's fifty (98 ms instead of 30).
    """
    implied = not has_role(user, Role.DEPARTMENT)
    if view == "mine":
        queryset = Complaint.objects.all() if implied else visible_complaints(user)
        return queryset.filter(assignee_id=user.id)
    if view == "team":
        if user.team_id is None:
            return Complaint.objects.none()
        queryset = Complaint.objects.all() if implied else visible_complaints(user)
        return queryset.filter(team_id=user.team_id)
    if view == "unassigned":
        return visible_complaints(user).filter(assignee__isnull=True)
    return visible_complaints(user)


def complaint_queue(
    user: Any, *, view: str = "team", filters: dict | None = None
) -> QuerySet[Complaint]:
    """An agent's queue, most urgent first; open complaints unless ``filters`` pick states.

    ``state=any`` keeps every state. Related rows come in the same query, so the
    page costs the same number of queries whatever its size.
    """
    filters = (filters or QueryDict()).copy()
    states = filters.getlist("state")
    if ANY_STATE in states:
        filters.pop("state")
    queryset = _queue_scope(user, view)
    filterset = ComplaintFilter(filters, queryset=queryset)
    queryset = filterset.qs if filterset.is_valid() else queryset.none()
    if not states:
        queryset = queryset.filter(state__in=OPEN_STATES)
    urgency = Case(
        *(When(priority=priority, then=Value(rank)) for priority, rank in PRIORITY_RANK.items()),
        output_field=IntegerField(),
    )
    return (
        queryset.select_related("customer", "category", "assignee", "team")
        .annotate(urgency=urgency, next_due=next_due_expression())
        .order_by(F("next_due").asc(nulls_last=True), "urgency", "received_at", "id")
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


def with_related(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    """The related rows a complaint's representation shows, at a cost that does not grow.

    The customer and the small lookup tables (category, team) are joined; the people
    (assignee, creator) and the complaints it repeats or duplicates are read by id, one
    query each for the whole page. Each table joined to the complaints query multiplies
    the planner's join search: with all seven joined, planning took 50-100 ms for a query
    that runs in 1-2 ms (docs/performance.md, "Queue and list").
    """
    references = Complaint.objects.only("id", "reference")
    return queryset.select_related("customer", "category", "team").prefetch_related(
        "assignee",
        "created_by",
        Prefetch("repeat_of", queryset=references),
        Prefetch("duplicate_of", queryset=references),
    )


def complaint_list(user: Any, *, filters: dict | None = None) -> QuerySet[Complaint]:
    """Complaints ``user`` may see, filtered, newest first, with related rows (``with_related``)."""
    queryset = with_related(visible_complaints(user))
    filterset = ComplaintFilter(filters or {}, queryset=queryset)
    if not filterset.is_valid():
        return queryset.none()
    return filterset.qs.order_by("-received_at", "-id")


def complaint_detail(user: Any, pk: int) -> Complaint:
    """One complaint ``user`` may see (Http404 otherwise: its existence is not revealed)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(with_related(visible_complaints(user)), pk=pk)


def complaint_timeline(complaint: Complaint) -> QuerySet[ComplaintEvent]:
    return complaint.events.select_related("actor", "work_order__department").order_by(
        "created_at", "id"
    )


def customer_history(customer: Customer, *, at=None) -> dict[str, Any]:
    """What the agent should know while the customer is on the line.

    Open complaints, and the complaints inside the repeat window (a new one in
    the same category would be a repeat).
    """
    from django.utils import timezone

    at = at or timezone.now()
    since = at - timedelta(days=settings.COMPLAINT_REPEAT_WINDOW_DAYS)
    complaints = customer.complaints.select_related("category").order_by("-received_at", "-id")
    recent = list(complaints.filter(received_at__gte=since).exclude(state=State.CANCELLED))
    return {
        "open": list(complaints.filter(state__in=OPEN_STATES)),
        "recent": recent,
        "total": complaints.count(),
        "window_days": settings.COMPLAINT_REPEAT_WINDOW_DAYS,
    }


def work_order_list(user: Any, *, filters: dict | None = None) -> QuerySet[WorkOrder]:
    """The work-order page: those ``user`` may see, open unless ``filters`` pick states.

    Department users see their department's, supervisors all, team leads their
    team's complaints' (``visible_work_orders``); ``filters`` are ``WorkOrderFilter``'s.
    """
    queryset = visible_work_orders(user).select_related("complaint__category", "complaint__team")
    filterset = WorkOrderFilter(filters or {}, queryset=queryset)
    queryset = filterset.qs if filterset.is_valid() else queryset.none()
    if not (filters or {}).get("state"):
        queryset = queryset.filter(state__in=OPEN_WORK_ORDER_STATES)
    return queryset.order_by("created_at", "id")


def department_work_orders(user: Any, *, open_only: bool = True) -> QuerySet[WorkOrder]:
    """Work orders of the user's department (all departments for supervisors)."""
    queryset = WorkOrder.objects.select_related(
        "complaint", "complaint__category", "department", "created_by"
    )
    if not user.has_perm("complaints.view_all_complaints"):
        queryset = queryset.filter(department_id=user.department_id)
    if open_only:
        queryset = queryset.filter(state__in=OPEN_WORK_ORDER_STATES)
    return queryset.order_by("created_at", "id")


# Related rows every work order representation shows; joined so that a page of
# work orders costs the same number of queries whatever its size.
WORK_ORDER_RELATED = ("complaint", "department", "created_by", "answered_by")


def visible_work_orders(user: Any) -> QuerySet[WorkOrder]:
    """The work orders ``user`` may see, in every state, oldest first, related rows joined.

    Supervisors see all; department users their department's (the department
    queue, ``department_work_orders``); everyone else the work orders of the
    complaints they may see (``visible_complaints``), so an agent follows what
    was dispatched from their team's complaints. Whether the user may list work
    orders at all is their role's ``view_workorder`` permission, checked by the
    caller.
    """
    if user.has_perm("complaints.view_all_complaints") or has_role(user, Role.DEPARTMENT):
        queryset = department_work_orders(user, open_only=False)
    else:
        visible = visible_complaints(user).values("id")
        queryset = WorkOrder.objects.filter(complaint_id__in=visible).order_by("created_at", "id")
    return queryset.select_related(*WORK_ORDER_RELATED)


def classification_rules(params: Any) -> QuerySet[ClassificationRule]:
    """Rules for the supervisors' page: active and heaviest first; search name or phrase."""
    queryset = ClassificationRule.objects.select_related("category").order_by(
        "-is_active", "-weight", "name"
    )
    query = (params.get("q") or "").strip()
    if query:
        queryset = queryset.filter(Q(name__icontains=query) | Q(phrase__icontains=query))
    return queryset


# --- Webhooks (administrators) ---------------------------------------------------------


def webhook_subscriptions() -> QuerySet[WebhookSubscription]:
    """Every subscription with its pending count and last successful delivery.

    Subqueries over the delivery table's indexes (pending rows; a subscription's
    newest rows first), so the list costs one query however many deliveries exist.
    """
    pending = (
        WebhookDelivery.objects.filter(subscription=OuterRef("pk"), state=WebhookState.PENDING)
        .order_by()
        .values("subscription")
        .annotate(count=Count("id"))
        .values("count")
    )
    last_delivered = (
        WebhookDelivery.objects.filter(subscription=OuterRef("pk"), state=WebhookState.DELIVERED)
        .order_by("-id")
        .values("delivered_at")[:1]
    )
    return WebhookSubscription.objects.annotate(
        pending_count=Coalesce(Subquery(pending), 0),
        last_delivered_at=Subquery(last_delivered),
    ).order_by("name", "id")


def webhook_deliveries(*, filters: dict | None = None) -> QuerySet[WebhookDelivery]:
    """Deliveries, newest written first, filtered; without their payloads (the detail has them)."""
    queryset = (
        WebhookDelivery.objects.select_related("subscription").defer("payload").order_by("-id")
    )
    filterset = WebhookDeliveryFilter(filters or {}, queryset=queryset)
    return filterset.qs if filterset.is_valid() else queryset.none()


def webhook_delivery(pk: int) -> WebhookDelivery:
    """One delivery with its attempts (Http404 when there is none)."""
    from django.shortcuts import get_object_or_404

    return get_object_or_404(
        WebhookDelivery.objects.select_related("subscription").prefetch_related("attempt_log"),
        pk=pk,
    )


# --- Retention ----------------------------------------------------------------------------


@dataclass(frozen=True)
class ContactSource:
    """Where one app records contact with customers, for the retention selection.

    ``since(moment)`` gives the app's rows that touched a customer at or after ``moment``,
    and ``open_work()`` its rows still open; each queryset is correlated with the outer
    customer (``OuterRef("pk")``, ``OuterRef("phone")``) and becomes a ``NOT EXISTS``, so
    the selection stays one statement however many customers there are.
    """

    name: str
    since: Callable[[datetime], Iterable[QuerySet]]
    open_work: Callable[[], Iterable[QuerySet]]


_CONTACT_SOURCES: dict[str, ContactSource] = {}


def register_contact_source(
    name: str,
    *,
    since: Callable[[datetime], Iterable[QuerySet]],
    open_work: Callable[[], Iterable[QuerySet]] = tuple,
) -> None:
    """An app tells where it meets customers (idempotent, so ``ready()`` may run twice).

    ``surveys`` and ``repair`` register theirs in ``AppConfig.ready()``: ``complaints``
    imports neither.
    """
    _CONTACT_SOURCES[name] = ContactSource(name, since, open_work)


def customers_past_retention(cutoff: datetime) -> QuerySet[Customer]:
    """Customers not anonymised yet, untouched since ``cutoff`` and with no open work.

    "Touched" is any app's contact (a complaint or its timeline, a callback, a survey, a
    repair case) or an edit of the customer record itself (``updated_at`` is never older
    than ``created_at``).
    """
    queryset = Customer.objects.filter(anonymised_at__isnull=True, updated_at__lt=cutoff)
    for source in _CONTACT_SOURCES.values():
        for rows in (*source.since(cutoff), *source.open_work()):
            queryset = queryset.filter(~Exists(rows))
    return queryset


def attachments_past_retention(cutoff: datetime) -> QuerySet[Attachment]:
    """Attachments of complaints that ended (closed or cancelled) before ``cutoff``.

    A closed complaint ended when it was confirmed; a cancelled one when it was last
    changed (a cancelled complaint cannot be edited). A reopened complaint is open again.
    """
    return (
        Attachment.objects.filter(complaint__state__in=[State.CLOSED, State.CANCELLED])
        .alias(ended_at=Coalesce("complaint__confirmed_at", "complaint__updated_at"))
        .filter(ended_at__lt=cutoff)
    )


def _complaint_contacts_since(moment: datetime) -> Iterable[QuerySet]:
    own = Complaint.objects.filter(customer=OuterRef("pk"))
    return (
        own.filter(Q(received_at__gte=moment) | Q(updated_at__gte=moment)),
        ComplaintEvent.objects.filter(complaint__customer=OuterRef("pk"), created_at__gte=moment),
    )


def _open_complaints() -> Iterable[QuerySet]:
    # Resolved complaints still await the customer's confirmation: open for retention.
    return (
        Complaint.objects.filter(customer=OuterRef("pk")).exclude(
            state__in=[State.CLOSED, State.CANCELLED]
        ),
    )


register_contact_source("complaints", since=_complaint_contacts_since, open_work=_open_complaints)
