"""Registering complaints."""

from typing import Any

from django.db import transaction
from django.utils import timezone

from complaints import signals
from complaints.enums import EventKind, Priority, State
from complaints.models import Complaint, ComplaintEvent, Customer, ReferenceCounter

REFERENCE_PREFIX = "C"


def next_reference(*, prefix: str = REFERENCE_PREFIX, when=None) -> str:
    """Issue the next ``C-2026-000123``; never reuses a number, even after a rollback of others.

    Must run inside the caller's transaction: the counter row stays locked
    until it commits, so two intakes never get the same number.
    """
    year = timezone.localtime(when or timezone.now()).year
    counter, _created = ReferenceCounter.objects.select_for_update().get_or_create(
        prefix=prefix, year=year
    )
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return f"{prefix}-{year}-{counter.last_value:06d}"


def register_complaint(
    *,
    customer: Customer,
    channel: str,
    description: str,
    created_by: Any = None,
    priority: str = Priority.GENERAL,
    **fields: Any,
) -> Complaint:
    """Record a new complaint and the first line of its timeline.

    ``fields`` are the optional record fields of ``Complaint`` (category,
    subject, expectation, emotion, team, received_at...).
    """
    with transaction.atomic():
        complaint = Complaint(
            customer=customer,
            channel=channel,
            description=description,
            priority=priority,
            created_by=created_by,
            state=State.NEW,
            **fields,
        )
        complaint.reference = next_reference(when=complaint.received_at)
        complaint.full_clean(exclude=["reference"])
        complaint.save()
        ComplaintEvent.objects.create(
            complaint=complaint,
            kind=EventKind.CREATED,
            actor=created_by,
            after={"state": complaint.state, "priority": complaint.priority},
        )
        transaction.on_commit(
            lambda: signals.complaint_registered.send(sender=Complaint, complaint=complaint)
        )
    return complaint
