"""The personal data the repair app holds, for export and anonymisation (see
``complaints.services.privacy``): callbacks, repair cases and key-event lists."""

from typing import Any

from django.db.models import Q
from django.utils import timezone

from complaints.models import Customer
from complaints.services.privacy import Subjects, rows
from repair.enums import OPEN_CALLBACK_STATES, CallbackState
from repair.models import (
    CallbackAttempt,
    CallbackRequest,
    KeyEventCustomer,
    RepairCase,
    RepairContact,
)


def export(customer: Customer) -> dict[str, list[dict[str, Any]]]:
    subjects = Subjects([customer.pk], [customer.phone] if customer.phone else [], [])
    callbacks = _callbacks(subjects)
    cases = RepairCase.objects.filter(customer=customer)
    return {
        "callbacks": rows(callbacks.order_by("id")),
        "callback_attempts": rows(
            CallbackAttempt.objects.filter(callback__in=callbacks).order_by("id")
        ),
        "repair_cases": rows(cases.order_by("id")),
        "repair_contacts": rows(RepairContact.objects.filter(case__in=cases).order_by("id")),
        "key_events": rows(KeyEventCustomer.objects.filter(customer=customer).order_by("id")),
    }


def anonymise(subjects: Subjects) -> int:
    """Bookings, attempts and cases stay for the figures; numbers and notes go. An open
    booking is cancelled: there is nobody left to call."""
    callbacks = _callbacks(subjects)
    changed = callbacks.filter(state__in=sorted(OPEN_CALLBACK_STATES)).update(
        state=CallbackState.CANCELLED, completed_at=timezone.now()
    )
    changed += CallbackAttempt.objects.filter(callback__in=callbacks).update(note="")
    changed += callbacks.update(phone="", reason="")
    cases = RepairCase.objects.filter(customer_id__in=subjects.ids)
    changed += RepairContact.objects.filter(case__in=cases).update(note="")
    changed += cases.update(reason="", outcome="")
    changed += KeyEventCustomer.objects.filter(customer_id__in=subjects.ids).update(note="")
    return changed


def _callbacks(subjects: Subjects):
    return CallbackRequest.objects.filter(
        Q(customer_id__in=subjects.ids) | Q(phone__in=subjects.phones)
    )
