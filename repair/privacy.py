"""The personal data the repair app holds, for export and anonymisation (see
``complaints.services.privacy``): callbacks, repair cases and key-event lists; and when it
last met a customer or still has work open for them, for retention
(``complaints.selectors``)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Q, QuerySet
from django.utils import timezone

from complaints.models import Customer
from complaints.services.privacy import Subjects, rows
from repair.enums import OPEN_CALLBACK_STATES, OPEN_REPAIR_STATES, CallbackState
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


def contacts_since(moment: dt.datetime) -> Iterable[QuerySet]:
    """Bookings, attempts, repair cases and contacts, key events since ``moment``, per
    customer (bookings by the customer or by their number)."""
    bookings = CallbackRequest.objects.filter(
        Q(requested_at__gte=moment) | Q(last_joined_at__gte=moment) | Q(completed_at__gte=moment)
    )
    attempts = CallbackAttempt.objects.filter(created_at__gte=moment)
    return (
        *_by_customer_or_phone(bookings, "customer", "phone"),
        *_by_customer_or_phone(attempts, "callback__customer", "callback__phone"),
        RepairCase.objects.filter(customer=OuterRef("pk")).filter(
            Q(created_at__gte=moment) | Q(closed_at__gte=moment)
        ),
        RepairContact.objects.filter(case__customer=OuterRef("pk"), created_at__gte=moment),
        KeyEventCustomer.objects.filter(customer=OuterRef("pk"), event__started_at__gte=moment),
    )


def open_work() -> Iterable[QuerySet]:
    """Open bookings and repair cases: anonymising would cancel a call still owed."""
    bookings = CallbackRequest.objects.filter(state__in=sorted(OPEN_CALLBACK_STATES))
    return (
        *_by_customer_or_phone(bookings, "customer", "phone"),
        RepairCase.objects.filter(customer=OuterRef("pk"), state__in=sorted(OPEN_REPAIR_STATES)),
    )


def _by_customer_or_phone(rows: QuerySet, customer: str, phone: str) -> tuple[QuerySet, QuerySet]:
    """Two correlated querysets, not one with OR: each becomes its own anti-join (by hash or
    index), where an OR across two columns makes PostgreSQL compare every pair of rows."""
    return rows.filter(**{customer: OuterRef("pk")}), rows.filter(**{phone: OuterRef("phone")})


def _callbacks(subjects: Subjects):
    return CallbackRequest.objects.filter(
        Q(customer_id__in=subjects.ids) | Q(phone__in=subjects.phones)
    )
