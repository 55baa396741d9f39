"""Filters shared by the queue page and the API (django-filter)."""

import contextlib

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from complaints.enums import Channel, Priority, State, WebhookState
from complaints.errors import ApplicationError
from complaints.models import Category, Complaint, Customer, Team, WebhookDelivery
from complaints.phones import normalise_phone


def search_q(value: str, *, phone_field: str, name_field: str, extra: tuple[str, ...] = ()) -> Q:
    """Match a reference/account exactly, a phone in any spelling, or part of a name."""
    value = value.strip()
    query = Q(**{f"{name_field}__icontains": value})
    for field in extra:
        query |= Q(**{f"{field}__iexact": value})
    with contextlib.suppress(ApplicationError):  # not a phone: the other lookups still apply
        query |= Q(**{phone_field: normalise_phone(value)})
    return query


class ComplaintFilter(django_filters.FilterSet):
    state = django_filters.MultipleChoiceFilter(choices=State.choices, label=_("State"))
    priority = django_filters.MultipleChoiceFilter(choices=Priority.choices, label=_("Priority"))
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, label=_("Channel"))
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(), to_field_name="code", label=_("Category")
    )
    team = django_filters.ModelChoiceFilter(queryset=Team.objects.all(), label=_("Team"))
    assignee = django_filters.NumberFilter(field_name="assignee_id", label=_("Assignee"))
    received_after = django_filters.IsoDateTimeFilter(
        field_name="received_at", lookup_expr="gte", label=_("Received from")
    )
    received_before = django_filters.IsoDateTimeFilter(
        field_name="received_at", lookup_expr="lt", label=_("Received before")
    )
    repeat = django_filters.BooleanFilter(
        field_name="repeat_of", lookup_expr="isnull", exclude=True, label=_("Repeat complaints")
    )
    overdue = django_filters.BooleanFilter(method="filter_overdue", label=_("Overdue"))
    q = django_filters.CharFilter(method="search", label=_("Search"))

    class Meta:
        model = Complaint
        fields = ["state", "priority", "channel", "category", "team", "assignee"]

    def filter_overdue(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        """A running clock (first response or resolution) has missed its deadline."""
        if value is None:
            return queryset
        overdue = Q(response_breached_at__isnull=False, response_met_at__isnull=True) | Q(
            resolution_breached_at__isnull=False, resolution_met_at__isnull=True
        )
        return queryset.filter(overdue) if value else queryset.exclude(overdue)

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
