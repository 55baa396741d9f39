"""Personal data held on a customer: export it all, or remove the identity (PIPL/GDPR).

Each app knows where its own personal data lives. ``complaints`` registers its
tables here; ``surveys`` and ``repair`` register theirs in ``AppConfig.ready()``
(``complaints`` imports neither). Anonymising keeps every row, count and date that
statistics need (complaints, their categories, priorities, SLA clocks, scores) and
removes what names or describes the person: name, phone, email, account, free texts,
attachments, messages sent to them. It is set-based, so retention can anonymise
customers by the thousand.
"""

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.errors import ApplicationError
from complaints.models import (
    Attachment,
    AuditAction,
    AuditEntry,
    Complaint,
    ComplaintEvent,
    Customer,
    MessageState,
    OutboundMessage,
    User,
    WorkOrder,
)

# Timeline fields whose before/after values may quote the customer or describe them.
REDACTED_EVENT_FIELDS = frozenset(
    {
        "description",
        "subject_detail",
        "expectation_detail",
        "resolution_summary",
        "remedy",
        "confirmation_note",
        "cancel_note",
        "instructions",
        "answer",
        "note",
        "name",
        "phone",
        "email",
        "account_number",
    }
)
# Rows rewritten per UPDATE when redacting timelines: bounded statements, bounded memory.
REDACT_BATCH = 1000


@dataclass(frozen=True)
class Subjects:
    """The customers being anonymised, with the contact details they had (to find
    rows that name them only by number or address, like the outbox)."""

    ids: list[int]
    phones: list[str]
    emails: list[str]


@dataclass(frozen=True)
class PersonalDataSource:
    name: str
    export: Callable[[Customer], dict[str, list[dict[str, Any]]]]
    anonymise: Callable[[Subjects], int]


_SOURCES: dict[str, PersonalDataSource] = {}


def register_personal_data(
    name: str,
    *,
    export: Callable[[Customer], dict[str, list[dict[str, Any]]]],
    anonymise: Callable[[Subjects], int],
) -> None:
    """An app tells where it keeps personal data (idempotent, so ``ready()`` may run twice)."""
    _SOURCES[name] = PersonalDataSource(name, export, anonymise)


class Rows(list):
    """A table's rows as the export shows them, with a name people can read.

    The export's keys stay stable identifiers for machines; ``label`` (the model's
    plural name, translated) is what the customer page shows beside each count.
    """

    def __init__(self, queryset: models.QuerySet) -> None:
        super().__init__(queryset.values())
        self.label = queryset.model._meta.verbose_name_plural


def rows(queryset: models.QuerySet) -> Rows:
    """Every column of every row, as the export shows them."""
    return Rows(queryset)


# --- Export ------------------------------------------------------------------------------


def customer_data(customer: Customer) -> dict[str, Any]:
    """Everything held on one customer, table by table, as plain values."""
    data: dict[str, Any] = {"customer": rows(Customer.objects.filter(pk=customer.pk))[0]}
    for source in _SOURCES.values():
        data.update(source.export(customer))
    return data


def export_customer_data(
    customer: Customer, *, by: User, via: str, path: str = ""
) -> dict[str, Any]:
    """``customer_data``, recorded in the audit trail as taken by ``by``."""
    with transaction.atomic():
        data = customer_data(customer)
        AuditEntry.objects.create(
            actor=by,
            action=AuditAction.EXPORTED_CUSTOMER_DATA,
            customer=customer,
            object_type="customer",
            object_id=customer.pk,
            via=via,
            path=path[:200],
            detail={
                "tables": {name: len(value) for name, value in data.items() if name != "customer"}
            },
        )
    return {
        "exported_at": timezone.now().isoformat(),
        "exported_by": by.get_username(),
        **data,
    }


# --- Anonymisation ---------------------------------------------------------------------


def anonymise_customer(
    customer: Customer, *, by: User | None, reason: str, via: str, path: str = ""
) -> Customer:
    """Remove one customer's identity on their request; refuses an empty reason."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why (e.g. the customer's request and its date).")
        raise ApplicationError(message, code="required", details={"reason": [message]})
    if customer.anonymised_at is not None:
        message = _("This customer is anonymised already.")
        raise ApplicationError(message, code="already_anonymised", status=409)
    anonymise_customers([customer.pk], by=by, reason=reason, via=via, path=path)
    customer.refresh_from_db()
    return customer


def anonymise_customers(
    customer_ids: Iterable[int],
    *,
    by: User | None,
    reason: str,
    via: str,
    path: str = "",
    now: dt.datetime | None = None,
) -> int:
    """Anonymise the given customers not anonymised yet; returns how many were.

    One transaction: either a customer's identity is gone from every table, or from none.
    """
    now = now or timezone.now()
    with transaction.atomic():
        customers = list(
            Customer.objects.select_for_update()
            .filter(pk__in=list(customer_ids), anonymised_at__isnull=True)
            .values_list("pk", "phone", "email")
        )
        if not customers:
            return 0
        subjects = Subjects(
            ids=[pk for pk, _phone, _email in customers],
            phones=[phone for _pk, phone, _email in customers if phone],
            emails=[email for _pk, _phone, email in customers if email],
        )
        changed = {name: source.anonymise(subjects) for name, source in _SOURCES.items()}
        Customer.objects.filter(pk__in=subjects.ids).update(
            name=Concat(
                models.Value("Anonymised "), models.F("id"), output_field=models.CharField()
            ),
            phone=None,
            email="",
            account_number=None,
            notes="",
            anonymised_at=now,
            updated_at=now,
        )
        AuditEntry.objects.bulk_create(
            [
                AuditEntry(
                    actor=by,
                    action=AuditAction.ANONYMISED_CUSTOMER,
                    customer_id=pk,
                    object_type="customer",
                    object_id=pk,
                    via=via,
                    path=path[:200],
                    detail={"reason": reason[:500], "rows": changed},
                    created_at=now,
                )
                for pk in subjects.ids
            ]
        )
    return len(subjects.ids)


def redact_timeline(complaint_filter: Q) -> int:
    """Blank the text of the matching complaints' timeline events; who, what and when stay.

    The one sanctioned rewrite of the append-only timeline: on PostgreSQL the trigger lets
    it through only inside this transaction (``cts.redacting``).
    """
    events = ComplaintEvent.objects.filter(complaint__in=Complaint.objects.filter(complaint_filter))
    changed = 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL cts.redacting = 'on'")
        last_id = 0
        while True:
            batch = list(
                events.filter(pk__gt=last_id)
                .order_by("pk")
                .only("message", "before", "after")[:REDACT_BATCH]
            )
            if not batch:
                break
            for event in batch:
                event.message = ""
                event.before = _without_personal(event.before)
                event.after = _without_personal(event.after)
            ComplaintEvent.objects.bulk_update(batch, ["message", "before", "after"])
            changed += len(batch)
            last_id = batch[-1].pk
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL cts.redacting = 'off'")
    return changed


def _without_personal(values: Any) -> Any:
    if not isinstance(values, dict):
        return values
    return {key: value for key, value in values.items() if key not in REDACTED_EVENT_FIELDS}


# --- What the complaints app holds --------------------------------------------------------


def _complaints_export(customer: Customer) -> dict[str, list[dict[str, Any]]]:
    complaints = Complaint.objects.filter(customer=customer)
    contacts = [value for value in (customer.phone, customer.email) if value]
    return {
        "complaints": rows(complaints.order_by("received_at")),
        "work_orders": rows(WorkOrder.objects.filter(complaint__in=complaints).order_by("id")),
        "timeline": rows(ComplaintEvent.objects.filter(complaint__in=complaints).order_by("id")),
        "attachments": rows(
            Attachment.objects.filter(complaint__in=complaints).order_by("id").defer("file")
        ),
        "messages": rows(OutboundMessage.objects.filter(recipient__in=contacts).order_by("id")),
        "access_log": rows(AuditEntry.objects.filter(customer=customer).order_by("id")),
    }


def _complaints_anonymise(subjects: Subjects) -> int:
    complaints = Complaint.objects.filter(customer_id__in=subjects.ids)
    changed = complaints.update(
        description="",
        subject_detail="",
        expectation_detail="",
        resolution_summary="",
        remedy="",
        confirmation_note="",
        cancel_note="",
    )
    changed += WorkOrder.objects.filter(complaint__in=complaints).update(instructions="", answer="")
    for attachment in Attachment.objects.filter(complaint__in=complaints):
        attachment.file.delete(save=False)
        attachment.delete()
        changed += 1
    changed += redact_timeline(Q(customer_id__in=subjects.ids))
    messages = OutboundMessage.objects.filter(recipient__in=subjects.phones + subjects.emails)
    # What has not gone yet never goes: there is nobody left to send it to.
    messages.filter(state=MessageState.PENDING).update(
        state=MessageState.FAILED, last_error="recipient anonymised"
    )
    changed += messages.update(recipient="", subject="", body="")
    return changed


register_personal_data("complaints", export=_complaints_export, anonymise=_complaints_anonymise)
