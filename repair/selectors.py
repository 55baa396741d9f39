"""Reads for the callback queue and repair pages."""

from django.db.models import QuerySet

from repair.enums import OPEN_CALLBACK_STATES, OPEN_REPAIR_STATES
from repair.models import CallbackRequest, RepairCase


def open_callbacks() -> QuerySet[CallbackRequest]:
    """Open callback bookings, nearest due first."""
    return (
        CallbackRequest.objects.filter(state__in=OPEN_CALLBACK_STATES)
        .select_related("customer", "assignee")
        .order_by("due_at", "id")
    )


def open_repair_cases() -> QuerySet[RepairCase]:
    return (
        RepairCase.objects.filter(state__in=OPEN_REPAIR_STATES)
        .select_related("customer", "owner", "complaint")
        .order_by("due_at", "id")
    )
