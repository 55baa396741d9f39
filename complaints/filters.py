"""Filters shared by the queue page and the API (django-filter)."""

import contextlib
import datetime as dt

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import F, Q, QuerySet
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField

from complaints.enums import Channel, Priority, State, WebhookState, WorkOrderState
from complaints.errors import ApplicationError
from complaints.models import (
    Category,
    Complaint,
    Customer,
    Department,
    Team,
    WebhookDelivery,
    WorkOrder,
)
from complaints.phones import normalise_phone
from config.api import EARLIEST_DATETIME, LATEST_DATETIME

# What the SLA badges, the queue's filters and the board's figures mean, in one place.
# Breached: a running clock (first response or resolution) has missed its deadline.
BREACHED = Q(response_breached_at__isnull=False, response_met_at__isnull=True) | Q(
    resolution_breached_at__isnull=False, resolution_met_at__isnull=True
)
# At risk: a running clock is past its warning, and none has been breached.
AT_RISK = (
    Q(
        response_warned_at__isnull=False,
        response_met_at__isnull=True,
        response_breached_at__isnull=True,
    )
    | Q(
        resolution_warned_at__isnull=False,
        resolution_met_at__isnull=True,
        resolution_breached_at__isnull=True,
        resolution_paused_at__isnull=True,
    )
) & ~BREACHED


def breached_between(since, until) -> Q:
    """Either clock was breached in [since, until) (None: open-ended)."""

    def clock(field: str) -> Q:
        query = Q(**{f"{field}__isnull": False})
        if since is not None:
            query &= Q(**{f"{field}__gte": since})
        if until is not None:
            query &= Q(**{f"{field}__lt": until})
        return query

    return clock("response_breached_at") | clock("resolution_breached_at")


def picked_filters(params: QueryDict, keys: tuple[str, ...]) -> QueryDict:
    """The non-empty values of ``keys`` in ``params`` (a page's GET), lists kept."""
    filters = QueryDict(mutable=True)
    for key in keys:
        values = [value for value in params.getlist(key) if value]
        if values:
            filters.setlist(key, values)
    return filters


def page_query(params: QueryDict) -> str:
    """The query string without ``page``: what the pagination links keep (filters, view)."""
    query = params.copy()
    query.pop("page", None)
    return query.urlencode()


def search_q(value: str, *, phone_field: str, name_field: str, extra: tuple[str, ...] = ()) -> Q:
    """Match a reference/account exactly, a phone in any spelling, or part of a name."""
    value = value.strip()
    query = Q(**{f"{name_field}__icontains": value})
    for field in extra:
        query |= Q(**{f"{field}__iexact": value})
    with contextlib.suppress(ApplicationError):  # not a phone: the other lookups still apply
        query |= Q(**{phone_field: normalise_phone(value)})
    return query


class MomentField(IsoDateTimeField):
    """An ISO 8601 moment in UTC, within the API's range (1970-2099).

    Python accepts offsets up to ±23:59 that PostgreSQL refuses (±15:59), and the
    database would answer a 500; converted to UTC first, any offset is fine.
    """

    def to_python(self, value):
        moment = super().to_python(value)
        if moment is None:
            return None
        try:
            moment = moment.astimezone(dt.UTC)
        except OverflowError:
            moment = None
        if moment is None or not EARLIEST_DATETIME <= moment < LATEST_DATETIME:
            raise ValidationError(_("Give a date and time between 1970 and 2099."), code="range")
        return moment


class MomentFilter(django_filters.IsoDateTimeFilter):
    """``IsoDateTimeFilter`` for every filter on a moment (pages and API)."""

    field_class = MomentField


class ComplaintFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=State.choices, label=_("State"))
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, label=_("Priority"))
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, label=_("Channel"))
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="code", label=_("Category")
    )
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), label=_("Team"))
    assignee = django_filters.NumberFilter(field_name="assignee_id", label=_("Assignee"))
    received_after = MomentFilter(
        field_name="received_at", lookup_expr="gte", label=_("Received from")
    )
    received_before = MomentFilter(
        field_name="received_at", lookup_expr="lt", label=_("Received before")
    )
    repeat = django_filters.BooleanFilter(
        field_name="repeat_of", lookup_expr="isnull", exclude=True, label=_("Repeat complaints")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    at_risk = django_filters.BooleanFilter(method="filter_at_risk", label=_("At risk"))
    breached_after = django_filters.IsoDateTimeFilter(
        method="filter_breached", label=_("Breached from")
    )
    breached_before = django_filters.IsoDateTimeFilter(
        method="filter_breached", label=_("Breached before")
    )
    closed_after = django_filters.IsoDateTimeFilter(
        field_name="confirmed_at", lookup_expr="gte", label=_("Closed from")
    )
    closed_before = django_filters.IsoDateTimeFilter(
        field_name="confirmed_at", lookup_expr="lt", label=_("Closed before")
    )
    response_sla = django_filters.ChoiceFilter(
        choices=[("met", _("Met")), ("missed", _("Missed"))],
        method="filter_response_sla",
        label=_("First response"),
    )
    resolution_sla = django_filters.ChoiceFilter(
        choices=[("met", _("Met")), ("missed", _("Missed"))],
        method="filter_resolution_sla",
        label=_("Resolution"),
    )
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Complaint
        fields = ["state", "priority", "channel", "category", "team", "assignee"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        """A running clock (first response or resolution) has missed its deadline."""
        if value is None:
            return queryset
        return queryset.filter(BREACHED) if value else queryset.exclude(BREACHED)

    def filter_at_risk(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        """A running clock is past its warning time and none has been breached."""
        if value is None:
            return queryset
        return queryset.filter(AT_RISK) if value else queryset.exclude(AT_RISK)

    def filter_breached(self, queryset: QuerySet, name: str, value) -> QuerySet:
        """Either clock breached in [breached_after, breached_before), applied once for both."""
        since = self.form.cleaned_data.get("breached_after")
        until = self.form.cleaned_data.get("breached_before")
        if name == "breached_before" and since:
            return queryset  # already applied with breached_after
        return queryset.filter(breached_between(since, until))

    def filter_response_sla(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Decided first-response clocks: met by the due time, or missed (as the trends count)."""
        return _sla_outcome(queryset, "response", value)

    def filter_resolution_sla(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return _sla_outcome(queryset, "resolution", value)

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """Reference, customer phone (any spelling) or customer name."""
        if not value.strip():
            return queryset
        return queryset.filter(
            search_q(
                value,
                phone_field="customer__phone",
                name_field="customer__name",
                extra=("reference", "customer__account_number"),
            )
        )


def sla_decided(clock: str) -> Q:
    """The clock is decided: met, or marked breached by the deadline check.

    Cancelled complaints (duplicates, invalid) stop their clocks without being
    handled, so they count for neither side.
    """
    return (
        Q(**{f"{clock}_due_at__isnull": False})
        & (Q(**{f"{clock}_met_at__isnull": False}) | Q(**{f"{clock}_breached_at__isnull": False}))
        & ~Q(state=State.CANCELLED)
    )


def sla_met(clock: str) -> Q:
    """Met by its due time (a clock met late, or breached and never met, is missed)."""
    return Q(**{f"{clock}_met_at__lte": F(f"{clock}_due_at")})


def _sla_outcome(queryset: QuerySet, clock: str, value: str) -> QuerySet:
    if not value:
        return queryset
    decided = queryset.filter(sla_decided(clock))
    return decided.filter(sla_met(clock)) if value == "met" else decided.exclude(sla_met(clock))


class WorkOrderFilter(django_filters.FilterSet):
    """The work-order list's filters (the board's drill-down lands here)."""

    department = django_filters.ModelChoiceFilter(
        queryset=Department.objects.all(), to_field_name="code", label=_("Department")
    )
    team = django_filters.ModelChoiceFilter(
        field_name="complaint__team", queryset=Team.objects.all(), label=_("Team")
    )
    category = django_filters.ModelChoiceFilter(
        field_name="complaint__category",
        queryset=Category.objects.all(),
        to_field_name="code",
        label=_("Category"),
    )
    channel = django_filters.MultipleChoiceFilter(
        field_name="complaint__channel", choices=Channel.choices, label=_("Channel")
    )
    state = django_filters.MultipleChoiceFilter(choices=WorkOrderState.choices, label=_("State"))
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    dispatched_after = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="gte", label=_("Dispatched from")
    )
    dispatched_before = django_filters.IsoDateTimeFilter(
        field_name="created_at", lookup_expr="lt", label=_("Dispatched before")
    )

    class Meta:
        model = WorkOrder
        fields = ["department", "team", "category", "channel", "state"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        """Still unanswered after the due time (marked by the deadline check)."""
        if value is None:
            return queryset
        overdue = Q(breached_at__isnull=False, answered_at__isnull=True)
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Customer
        fields = ["tier"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        if not value.strip():
            return queryset
        return queryset.filter(
            search_q(value, phone_field="phone", name_field="name", extra=("account_number",))
        )


class WebhookDeliveryFilter(django_filters.FilterSet):
    """Deliveries by subscription, state, event type, or the event id a receiver saw."""

    subscription = django_filters.NumberFilter(
        field_name="subscription_id", label=_("Subscription")
    )
    state = django_filters.ChoiceFilter(choices=WebhookState.choices, label=_("State"))
    event_type = django_filters.CharFilter(label=_("Event"))
    event_id = django_filters.UUIDFilter(label=_("Event id (Webhook-Id)"))

    class Meta:
        model = WebhookDelivery
        fields = ["subscription", "state", "event_type", "event_id"]
