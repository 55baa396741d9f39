"""The repair app's webhook events (registered in ``RepairConfig.ready()``; docs/webhooks.md).

Key-event imports open their repair cases in bulk (hundreds of thousands at once)
without ``repair.opened`` per case: one ``key_event.imported`` summarises the import.
"""

from typing import Any

from django.utils.translation import gettext_lazy as _

from complaints.services.webhooks import api_url, complaint_ref, phone_for, timestamp

CALLBACK_CREATED = "callback.created"
CALLBACK_COMPLETED = "callback.completed"
REPAIR_OPENED = "repair.opened"
REPAIR_CLOSED = "repair.closed"
KEY_EVENT_IMPORTED = "key_event.imported"

EVENT_TYPES = {
    CALLBACK_CREATED: _("A callback was booked"),
    CALLBACK_COMPLETED: _("A callback was returned, or the customer stayed unreachable"),
    REPAIR_OPENED: _("A repair case was opened (not for each key-event case)"),
    REPAIR_CLOSED: _("A repair case was closed"),
    KEY_EVENT_IMPORTED: _("A key event's affected customers were imported"),
}


def callback_data(booking, *, contact: bool) -> dict[str, Any]:
    return {
        "callback": {
            "id": booking.pk,
            "state": booking.state,
            "source": booking.source,
            "phone": phone_for(booking.phone, contact=contact),
            "customer": {"id": booking.customer_id} if booking.customer_id else None,
            "complaint": complaint_ref(booking.complaint),
            "assignee": booking.assignee_id,
            "attempt_count": booking.attempt_count,
            "requested_at": timestamp(booking.requested_at),
            "due_at": timestamp(booking.due_at),
            "completed_at": timestamp(booking.completed_at),
            "url": api_url("callback", booking.pk),
        }
    }


def case_data(case, *, contact: bool) -> dict[str, Any]:
    """The case's facts; its reason and outcome stay in the API (free text)."""
    return {
        "case": {
            "id": case.pk,
            "damage_type": case.damage_type,
            "level": case.level,
            "state": case.state,
            "customer": {"id": case.customer_id},
            "complaint": complaint_ref(case.complaint),
            "owner": case.owner_id,
            "team": case.team_id,
            "due_at": timestamp(case.due_at),
            "closed_at": timestamp(case.closed_at),
            "satisfied_after": case.satisfied_after,
            "url": api_url("repaircase", case.pk),
        }
    }


def key_event_data(event, *, contact: bool) -> dict[str, Any]:
    return {
        "key_event": {
            "id": event.pk,
            "name": event.name,
            "kind": event.kind,
            "started_at": timestamp(event.started_at),
            "ended_at": timestamp(event.ended_at),
            "rows_total": event.rows_total,
            "rows_imported": event.rows_done - event.rows_bad,
            "rows_skipped": event.rows_bad,
            "cases": event.cases.count(),
            "url": api_url("keyevent", event.pk),
        }
    }
