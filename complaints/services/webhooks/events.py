"""Webhook events: which exist, what their data holds, and writing their deliveries.

The delivery table is the webhooks' outbox: ``queue_event`` writes one row per
subscriber in the caller's transaction, so a change and the news of it commit
together or not at all, and a broker outage delays deliveries without losing
any. Payloads are frozen when the event happens and hold a documented subset of
the resource (docs/webhooks.md): ids, references, states, codes and times, never
free text, and customers' phone numbers masked unless the subscription may see
contact details.

``complaints`` registers its own event types here; ``surveys`` and ``repair``
register theirs in their ``AppConfig.ready()`` and queue them from their services.
"""

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from complaints.enums import EventKind
from complaints.models import Complaint, WebhookDelivery, WebhookSubscription, WorkOrder
from complaints.phones import mask_phone
from complaints.services.queueing import enqueue_after_commit


class Event(StrEnum):
    """The complaints app's own event types."""

    COMPLAINT_CREATED = "complaint.created"
    COMPLAINT_UPDATED = "complaint.updated"
    COMPLAINT_RESOLVED = "complaint.resolved"
    COMPLAINT_CLOSED = "complaint.closed"
    COMPLAINT_REOPENED = "complaint.reopened"
    SLA_WARNING = "sla.warning"
    SLA_BREACHED = "sla.breached"
    WORKORDER_DISPATCHED = "workorder.dispatched"
    WORKORDER_ANSWERED = "workorder.answered"
    # Sent to one subscription on request; nobody subscribes to it.
    WEBHOOK_PING = "webhook.ping"


# Event types a subscription may ask for: name → description for people.
EVENT_TYPES: dict[str, Any] = {}


def register_event_types(types: Mapping[str, Any]) -> None:
    """Make event types subscribable; surveys and repair add theirs in ``ready()``."""
    EVENT_TYPES.update(types)


def event_type_choices() -> list[tuple[str, Any]]:
    return sorted(EVENT_TYPES.items())


register_event_types(
    {
        Event.COMPLAINT_CREATED: _("A complaint was registered"),
        Event.COMPLAINT_UPDATED: _("A complaint was assigned, edited, moved or cancelled"),
        Event.COMPLAINT_RESOLVED: _("A resolution was proposed"),
        Event.COMPLAINT_CLOSED: _("The customer confirmed and the complaint closed"),
        Event.COMPLAINT_REOPENED: _("A complaint was reopened"),
        Event.SLA_WARNING: _("An SLA deadline is approaching"),
        Event.SLA_BREACHED: _("An SLA deadline was missed"),
        Event.WORKORDER_DISPATCHED: _("A work order was dispatched to a department"),
        Event.WORKORDER_ANSWERED: _("A department answered a work order"),
    }
)


# --- Writing deliveries ------------------------------------------------------------


def schedule_sending() -> None:
    """Ask a worker to send after commit; the once-a-minute sweep covers a lost request."""
    from complaints.tasks import send_webhooks_task

    enqueue_after_commit(send_webhooks_task)


def subscribers(event_type: str) -> list[WebhookSubscription]:
    """Active subscriptions to ``event_type``: one small query (subscriptions are few)."""
    active = WebhookSubscription.objects.filter(is_active=True).only(
        "id", "events", "include_contact_details"
    )
    return [subscription for subscription in active if event_type in subscription.events]


def queue_event(
    event_type: str,
    data: Callable[..., dict[str, Any]],
    *,
    to: Iterable[WebhookSubscription] | None = None,
) -> list[WebhookDelivery]:
    """Write one delivery per subscriber of ``event_type``, in the caller's transaction.

    ``data(contact=...)`` builds the event's data, once for the subscriptions
    allowed contact details (``True``) and once for the others; it is not called
    at all when nobody subscribes, so an event costs one query then. ``to``
    names the subscriptions instead (a test ping).
    """
    targets = list(to) if to is not None else subscribers(event_type)
    if not targets:
        return []
    now = timezone.now()
    built: dict[bool, dict[str, Any]] = {}
    rows = []
    for subscription in targets:
        contact = subscription.include_contact_details
        if contact not in built:
            built[contact] = data(contact=contact)
        rows.append(
            WebhookDelivery(
                subscription=subscription,
                event_type=event_type,
                payload=built[contact],
                next_attempt_at=now,
                created_at=now,
            )
        )
    WebhookDelivery.objects.bulk_create(rows)
    schedule_sending()
    return rows


# --- Payload pieces shared by every app ------------------------------------------------


def timestamp(value: dt.datetime | None) -> str | None:
    """The one time format of payloads: UTC, ISO 8601 with ``Z``, to the second."""
    if value is None:
        return None
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def api_url(route: str, pk: int) -> str:
    """The resource's API address, e.g. ``api_url("complaint", 12)``."""
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{reverse(f'api-v1:{route}-detail', args=[pk])}"


def phone_for(phone: str, *, contact: bool) -> str:
    return phone if contact else mask_phone(phone)


def complaint_ref(complaint: Complaint | None) -> dict[str, Any] | None:
    """What every event about a complaint carries (the SLA events build the same in SQL)."""
    if complaint is None:
        return None
    return {
        "id": complaint.pk,
        "reference": complaint.reference,
        "state": complaint.state,
        "priority": complaint.priority,
        "url": api_url("complaint", complaint.pk),
    }


def complaint_data(complaint: Complaint, *, contact: bool) -> dict[str, Any]:
    """The complaint as the complaint.* and workorder.* events show it."""
    customer = complaint.customer
    return {
        **complaint_ref(complaint),
        "channel": complaint.channel,
        "category": complaint.category.code if complaint.category_id else None,
        "team": {"id": complaint.team_id, "name": complaint.team.name}
        if complaint.team_id
        else None,
        "assignee": {"id": complaint.assignee_id, "username": complaint.assignee.username}
        if complaint.assignee_id
        else None,
        "customer": {
            "id": customer.pk,
            "name": customer.name,
            "phone": phone_for(customer.phone, contact=contact),
        },
        "repeat_of": complaint.repeat_of_id,
        "reopen_count": complaint.reopen_count,
        "received_at": timestamp(complaint.received_at),
        "resolved_at": timestamp(complaint.resolved_at),
        "confirmed_at": timestamp(complaint.confirmed_at),
        "version": complaint.version,
    }


def work_order_data(work_order: WorkOrder) -> dict[str, Any]:
    return {
        "id": work_order.pk,
        "state": work_order.state,
        "department": work_order.department.code,
        "due_at": timestamp(work_order.due_at),
        "answered_at": timestamp(work_order.answered_at),
        "url": api_url("workorder", work_order.pk),
    }


# --- Complaint events ---------------------------------------------------------------

# Timeline kinds with an event of their own; every other change a service announces
# (assignment, start, waiting, resuming, edits, reclassification, cancellation, a
# cancelled work order) is complaint.updated. Each service announces once.
NAMED_EVENTS: dict[str, Event] = {
    EventKind.CREATED: Event.COMPLAINT_CREATED,
    EventKind.RESOLUTION_PROPOSED: Event.COMPLAINT_RESOLVED,
    EventKind.CONFIRMED: Event.COMPLAINT_CLOSED,
    EventKind.REOPENED: Event.COMPLAINT_REOPENED,
    EventKind.WORK_ORDER_DISPATCHED: Event.WORKORDER_DISPATCHED,
    EventKind.WORK_ORDER_ANSWERED: Event.WORKORDER_ANSWERED,
}
# Fields named in ``change.fields``; clock bookkeeping stays out.
PUBLIC_FIELDS = frozenset(
    {
        "state",
        "assignee",
        "team",
        "priority",
        "category",
        "subject",
        "subject_detail",
        "description",
        "expectation",
        "expectation_detail",
        "emotion",
    }
)


def announce_complaint_change(
    complaint: Complaint,
    kind: EventKind,
    *,
    fields: Iterable[str] = (),
    work_order: WorkOrder | None = None,
) -> list[WebhookDelivery]:
    """Queue the event for a change a service just saved (inside its transaction)."""
    event_type = NAMED_EVENTS.get(kind, Event.COMPLAINT_UPDATED)
    changed = sorted(PUBLIC_FIELDS.intersection(fields))

    def data(*, contact: bool) -> dict[str, Any]:
        payload = {
            "complaint": complaint_data(complaint, contact=contact),
            "change": {"kind": str(kind), "fields": changed},
        }
        if work_order is not None:
            payload["work_order"] = work_order_data(work_order)
        return payload

    return queue_event(event_type, data)


# --- SLA events: set-based, like the deadline check that raises them ---------------------

SLA_EVENTS = {EventKind.SLA_WARNED: Event.SLA_WARNING, EventKind.SLA_BREACHED: Event.SLA_BREACHED}
DUE_COLUMNS = {
    "response": "c.response_due_at",
    "resolution": "c.resolution_due_at",
    "work_order": "w.due_at",
}


def queue_sla_events(
    kind: EventKind, clock: str, ids: list[int], *, is_work_order: bool, now: dt.datetime
) -> int:
    """Deliveries for a batch the deadline check marked: one ``INSERT … SELECT`` in all.

    The batch's complaints (or work orders) are crossed with the event's
    subscribers in SQL, so ten thousand breaches cost one statement, as their
    timeline events do. The data is built by the database in the same shape as
    ``complaint_ref`` (a test holds the two together).
    """
    event_type = SLA_EVENTS[kind]
    targets = [subscription.pk for subscription in subscribers(event_type)]
    if not targets or not ids:
        return 0
    json_object, new_uuid, utc = _dialect()
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    complaint = (
        f"{json_object}('id', c.id, 'reference', c.reference, 'state', c.state, "
        "'priority', c.priority, 'url', CAST(%s AS text) || CAST(c.id AS text) || '/')"
    )
    params: list[Any] = [event_type.value, clock, base + reverse("api-v1:complaint-list")]
    if is_work_order:
        source = (
            "complaints_workorder w JOIN complaints_complaint c ON c.id = w.complaint_id "
            "JOIN complaints_department d ON d.id = w.department_id"
        )
        work_order = (
            f"{json_object}('id', w.id, 'department', d.code, "
            "'url', CAST(%s AS text) || CAST(w.id AS text) || '/')"
        )
        params.append(base + reverse("api-v1:workorder-list"))
        key = "w.id"
    else:
        source, work_order, key = "complaints_complaint c", "NULL", "c.id"
    table = WebhookDelivery._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (subscription_id, event_id, event_type, payload, state, "  # noqa: S608 - our own names
            "attempts, next_attempt_at, last_status, last_error, delivered_at, redelivery_of_id, "
            f"created_at) SELECT s.id, {new_uuid}, %s, {json_object}('clock', %s, "
            f"'due_at', {utc(DUE_COLUMNS[clock])}, 'complaint', {complaint}, "
            f"'work_order', {work_order}), 'pending', 0, %s, NULL, '', NULL, NULL, %s "
            f"FROM {source} CROSS JOIN {WebhookSubscription._meta.db_table} s "
            f"WHERE {key} IN ({', '.join(['%s'] * len(ids))}) "
            f"AND s.id IN ({', '.join(['%s'] * len(targets))})",
            [*params, now, now, *ids, *targets],
        )
        created = cursor.rowcount
    schedule_sending()
    return created


_PG_ISO = """'YYYY-MM-DD"T"HH24:MI:SS"Z"'"""


def _dialect() -> tuple[str, str, Callable[[str], str]]:
    """JSON object, random UUID and UTC time in this database's SQL (PostgreSQL, or SQLite)."""
    if connection.vendor == "postgresql":
        return (
            "jsonb_build_object",
            "gen_random_uuid()",
            lambda column: f"to_char({column} AT TIME ZONE 'UTC', {_PG_ISO})",
        )
    return (
        "json_object",
        "lower(hex(randomblob(16)))",
        lambda column: f"strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', {column})",
    )
