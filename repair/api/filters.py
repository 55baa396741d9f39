"""The list filters: callbacks (state, source, assignee, phone in any spelling, time ranges)
and repair cases (state, damage type, owner, mine, level)."""

import django_filters
from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from complaints.errors import ApplicationError
from complaints.phones import normalise_phone
from repair.enums import (
    OPEN_CALLBACK_STATES,
    OPEN_REPAIR_STATES,
    CallbackSource,
    CallbackState,
    DamageType,
    RepairState,
)
from repair.models import CallbackRequest, RepairCase


class PhoneFormField(forms.CharField):
    """A phone number in any spelling, cleaned to E.164; a bad one fails the filter (400)."""

    def clean(self, value: str | None) -> str:
        value = super().clean(value)
        if not value:
            return value
        try:
            return normalise_phone(value)
        except ApplicationError:
            raise forms.ValidationError(
                _("Enter a valid phone number."), code="invalid_phone"
            ) from None


class PhoneFilter(django_filters.CharFilter):
    field_class = PhoneFormField


class DrillDownFilter(django_filters.FilterSet):
    """What the board's drill-down links narrow by: the complaint's category and channel,
    and overdue (open, past the due time); subclasses say which states are open."""

    open_states: frozenset = frozenset()

    category = django_filters.CharFilter(
        field_name="complaint__category__code", label=_lazy("Category code of the complaint")
    )
    channel = django_filters.CharFilter(
        field_name="complaint__channel", label=_lazy("Channel of the complaint")
    )
    overdue = django_filters.BooleanFilter(
        method="filter_overdue", label=_lazy("true: open and past the due time")
    )

    def filter_overdue(self, queryset, name: str, value: bool | None):
        if value is None:
            return queryset
        overdue = Q(state__in=sorted(self.open_states), due_at__lt=timezone.now())
        return queryset.filter(overdue) if value else queryset.exclude(overdue)


class CallbackFilter(DrillDownFilter):
    open_states = OPEN_CALLBACK_STATES

    state = django_filters.MultipleChoiceFilter(
        choices=CallbackState.choices, label=_lazy("State (repeat for several)")
    )
    source = django_filters.MultipleChoiceFilter(
        choices=CallbackSource.choices, label=_lazy("Source (repeat for several)")
    )
    assignee = django_filters.NumberFilter(field_name="assignee_id", label=_lazy("Assignee id"))
    phone = PhoneFilter(
        field_name="phone", label=_lazy("Phone number in any spelling, e.g. 13812345678")
    )
    due_after = django_filters.IsoDateTimeFilter(
        field_name="due_at", lookup_expr="gte", label=_lazy("Due at or after")
    )
    due_before = django_filters.IsoDateTimeFilter(
        field_name="due_at", lookup_expr="lt", label=_lazy("Due before")
    )
    requested_after = django_filters.IsoDateTimeFilter(
        field_name="requested_at", lookup_expr="gte", label=_lazy("Booked at or after")
    )
    requested_before = django_filters.IsoDateTimeFilter(
        field_name="requested_at", lookup_expr="lt", label=_lazy("Booked before")
    )
    # A team's bookings are those assigned to its agents.
    team = django_filters.NumberFilter(field_name="assignee__team_id", label=_lazy("Team id"))

    class Meta:
        model = CallbackRequest
        fields = ["state", "source", "assignee", "phone"]


class RepairCaseFilter(DrillDownFilter):
    """The repair-case list's filters; the caller's scope (``visible_repair_cases``) comes first."""

    open_states = OPEN_REPAIR_STATES

    state = django_filters.MultipleChoiceFilter(
        choices=RepairState.choices, label=_lazy("State (repeat for several)")
    )
    damage_type = django_filters.MultipleChoiceFilter(
        choices=DamageType.choices, label=_lazy("Damage type (repeat for several)")
    )
    owner = django_filters.NumberFilter(field_name="owner_id", label=_lazy("Owner id"))
    mine = django_filters.BooleanFilter(
        method="filter_mine", label=_lazy("true: only the cases you own")
    )
    level = django_filters.NumberFilter(field_name="level", label=_lazy("Damage level (1–4)"))
    team = django_filters.NumberFilter(field_name="team_id", label=_lazy("Team id"))

    class Meta:
        model = RepairCase
        fields = ["state", "damage_type", "owner", "mine", "level"]

    def filter_mine(self, queryset, name: str, value: bool):
        if not value:
            return queryset
        return queryset.filter(owner_id=self.request.user.pk)
