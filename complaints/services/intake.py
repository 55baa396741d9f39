"""Registering complaints."""

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from complaints import signals
from complaints.enums import PRIORITY_RANK, EventKind, Priority, State
from complaints.errors import ApplicationError
from complaints.models import (
    Category,
    Complaint,
    ComplaintEvent,
    Customer,
    ReferenceCounter,
    User,
)
from complaints.selectors import find_repeat_of
from complaints.services import sla
from complaints.services.classification import classify
from complaints.services.customers import get_or_create_customer
from complaints.services.webhooks import announce_complaint_change

REFERENCE_PREFIX = "C"
# Control characters other than tab and newlines: PostgreSQL refuses NUL, and
# none of them belongs in a record a person reads.
_CONTROL_CHARS = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")
_TEXT_FIELDS = ("description", "subject_detail", "expectation_detail")
_RELATED_FIELDS = [field.name for field in Complaint._meta.concrete_fields if field.is_relation]


def clean_text(value: str | None) -> str:
    return (value or "").translate(_CONTROL_CHARS).strip()


def next_reference(*, prefix: str = REFERENCE_PREFIX, when: datetime | None = None) -> str:
    """Issue the next ``C-2026-000123``; a number is never issued twice.

    Must run inside the caller's transaction: the counter row stays locked
    until it commits, so two intakes never get the same number. One statement
    (insert the year's row or increment it) instead of a locking read and an
    update: intake holds the lock for one round trip less.
    """
    year = timezone.localtime(when or timezone.now()).year
    table = connection.ops.quote_name(ReferenceCounter._meta.db_table)
    with connection.cursor() as cursor:
        # INSERT … ON CONFLICT DO UPDATE … RETURNING: PostgreSQL and SQLite (3.35+) alike.
        cursor.execute(
            f"INSERT INTO {table} (prefix, year, last_value) VALUES (%s, %s, 1) "  # noqa: S608
            "ON CONFLICT (prefix, year) DO UPDATE SET last_value = "
            f"{table}.last_value + 1 RETURNING last_value",
            [prefix, year],
        )
        (number,) = cursor.fetchone()
    return f"{prefix}-{year}-{number:06d}"


def register_complaint(
    *,
    customer: Customer,
    channel: str,
    description: str,
    created_by: User | None = None,
    assignee: User | None = None,
    priority: str | None = None,
    **fields: Any,
) -> Complaint:
    """Record a new complaint, classify it, and write the first lines of its timeline.

    ``fields`` are the optional record fields of ``Complaint`` (category,
    subject, expectation, emotion, team, received_at...). The team defaults to
    the assignee's, then the creator's. A complaint in the same category from
    the same customer within the repeat window is linked as a repeat.
    Priority comes from classification; a ``priority`` given at intake can
    only raise it (lowering one needs ``override_classification`` and a reason).
    """
    with transaction.atomic():
        return _register(
            customer=customer,
            channel=channel,
            description=description,
            created_by=created_by,
            assignee=assignee,
            priority=priority,
            **fields,
        )


def _register(
    *,
    customer: Customer,
    channel: str,
    description: str,
    created_by: User | None = None,
    assignee: User | None = None,
    priority: str | None = None,
    **fields: Any,
) -> Complaint:
    """``register_complaint`` inside the caller's transaction (no savepoint of its own)."""
    fields.setdefault("team", _default_team(assignee, created_by))
    for name in _TEXT_FIELDS[1:]:
        if name in fields:
            fields[name] = clean_text(fields[name])
    complaint = Complaint(
        customer=customer,
        channel=channel,
        description=clean_text(description),
        priority=priority or Priority.GENERAL,
        created_by=created_by,
        assignee=assignee,
        state=State.ASSIGNED if assignee is not None else State.NEW,
        **fields,
    )
    try:
        # Related rows arrive as instances the caller (form, serializer, service) has
        # already looked up, and the database checks every foreign key: validating
        # them here again cost a query each.
        complaint.full_clean(exclude=["reference", *_RELATED_FIELDS])
    except ValidationError as error:
        raise ApplicationError(
            "The complaint has invalid fields.", code="invalid", details=error.message_dict
        ) from None
    complaint.repeat_of = find_repeat_of(
        customer_id=customer.pk, category_id=complaint.category_id, at=complaint.received_at
    )
    _classify(complaint, requested_priority=priority)
    sla.start_clocks(complaint)
    complaint.reference = next_reference(when=complaint.received_at)
    complaint.save()
    ComplaintEvent.objects.create(
        complaint=complaint,
        kind=EventKind.CREATED,
        actor=created_by,
        after={
            "state": State.NEW.value,
            "priority": complaint.priority,
            "repeat_of": complaint.repeat_of_id,
        },
    )
    if assignee is not None:
        ComplaintEvent.objects.create(
            complaint=complaint,
            kind=EventKind.ASSIGNED,
            actor=created_by,
            before={"state": State.NEW.value},
            after={"state": complaint.state, "assignee": assignee.pk},
        )
    # complaint.created only, also when registered straight to an assignee.
    announce_complaint_change(complaint, EventKind.CREATED)
    transaction.on_commit(
        lambda: signals.complaint_registered.send(sender=Complaint, complaint=complaint)
    )
    return complaint


def intake_complaint(
    *,
    phone: str,
    customer_name: str = "",
    email: str = "",
    account_number: str | None = None,
    **complaint_fields: Any,
) -> Complaint:
    """Find or create the customer by phone and register the complaint, all or nothing."""
    with transaction.atomic():
        customer, _created = get_or_create_customer(
            phone=phone, name=customer_name, email=email, account_number=account_number
        )
        return _register(customer=customer, **complaint_fields)


def _classify(complaint: Complaint, *, requested_priority: str | None) -> None:
    result = classify(
        text=" ".join(
            part
            for part in (
                complaint.description,
                complaint.subject_detail,
                complaint.expectation_detail,
            )
            if part
        ),
        channel=complaint.channel,
        emotion=complaint.emotion,
        customer_tier=complaint.customer.tier,
        is_repeat=complaint.repeat_of_id is not None,
        category=complaint.category.code if complaint.category_id else "",
    )
    if requested_priority and PRIORITY_RANK[requested_priority] < PRIORITY_RANK[result.priority]:
        result.priority = requested_priority
        result.source = f"{result.source}+agent"
    complaint.priority = result.priority
    if result.category and not complaint.category_id:
        complaint.category = Category.objects.filter(code=result.category).first()
    complaint.classification = result.as_json()


def _default_team(assignee: User | None, created_by: User | None):
    for person in (assignee, created_by):
        if person is not None and person.team_id is not None:
            return person.team
    return None
