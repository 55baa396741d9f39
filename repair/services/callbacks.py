"""Every call returned: bookings, due times, assignment, attempts (DOMAIN.md, call-loss customers).

Rules from practice: return the call within an hour (ten minutes for dropped
and silent calls), never during quiet hours (21:30–08:00 centre time by
default: such bookings wait for the morning, and their clock starts then),
retry unanswered calls, and tell the customer by SMS when all tries failed.
"""

import datetime as dt
import logging
from functools import partial
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from complaints.errors import ApplicationError, TransitionError
from complaints.models import Complaint, User
from complaints.phones import normalise_phone
from complaints.services import get_or_create_customer
from complaints.services.concurrency import bump_version, lock_versioned
from complaints.services.messaging import queue_message, quiet_hours_end
from complaints.services.webhooks import queue_event
from repair import webhooks
from repair.enums import (
    OPEN_CALLBACK_STATES,
    RETRY_OUTCOMES,
    AttemptOutcome,
    CallbackSource,
    CallbackState,
)
from repair.models import CallbackAgent, CallbackAttempt, CallbackRequest

logger = logging.getLogger(__name__)

# How far ahead of its clock a booking is handed to an agent: they need a moment.
ASSIGN_LEAD = dt.timedelta(minutes=5)


def due_minutes(source: str) -> int:
    return settings.CALLBACK_DUE_MINUTES.get(source, settings.CALLBACK_DUE_MINUTES["default"])


def schedule(
    *,
    source: str,
    requested_at: dt.datetime,
    preferred_from: dt.datetime | None = None,
    preferred_to: dt.datetime | None = None,
) -> tuple[dt.datetime, dt.datetime]:
    """When the clock starts and when the call is due.

    The latest of the booking, the start of the preferred window and the end
    of quiet hours starts the clock; the due time is the per-source target
    later, or the end of the preferred window if that comes first.
    """
    start = max(requested_at, preferred_from) if preferred_from else requested_at
    start = quiet_hours_end(start)
    due = start + dt.timedelta(minutes=due_minutes(source))
    if preferred_to and start < preferred_to < due:
        due = preferred_to
    return start, due


def book_callback(
    *,
    phone: str,
    source: str,
    reason: str = "",
    complaint: Complaint | None = None,
    preferred_from: dt.datetime | None = None,
    preferred_to: dt.datetime | None = None,
    requested_at: dt.datetime | None = None,
    customer_name: str = "",
    by: User | None = None,
) -> tuple[CallbackRequest, bool]:
    """Book a callback, or join the number's open booking. Returns (booking, created).

    A dropped call also gets an immediate SMS apology through the outbox.
    """
    source = CallbackSource(source)
    if preferred_from and preferred_to and preferred_to <= preferred_from:
        message = _("The preferred window must end after it starts.")
        raise ApplicationError(message, code="invalid", details={"preferred_to": [message]})
    requested_at = requested_at or timezone.now()
    e164 = normalise_phone(phone)
    with transaction.atomic():
        existing = _open_booking(e164)
        if existing is not None:
            return _join(existing, reason=reason), False
        customer, _created = get_or_create_customer(phone=e164, name=customer_name)
        start, due = schedule(
            source=source,
            requested_at=requested_at,
            preferred_from=preferred_from,
            preferred_to=preferred_to,
        )
        try:
            with transaction.atomic():
                booking = CallbackRequest.objects.create(
                    phone=e164,
                    customer=customer,
                    source=source,
                    reason=reason.strip()[:500],
                    complaint=complaint,
                    requested_at=requested_at,
                    preferred_from=preferred_from,
                    preferred_to=preferred_to,
                    clock_started_at=start,
                    due_at=due,
                    created_by=by,
                )
        except IntegrityError:
            # Another request booked the same number a moment ago: join theirs.
            return _join(_open_booking(e164), reason=reason), False
        if source in settings.CALLBACK_SMS_APOLOGY_SOURCES:
            _sms(booking, "apology")
        queue_event(webhooks.CALLBACK_CREATED, partial(webhooks.callback_data, booking))
    return booking, True


def _open_booking(phone: str) -> CallbackRequest | None:
    return (
        CallbackRequest.objects.select_for_update()
        .filter(phone=phone, state__in=OPEN_CALLBACK_STATES)
        .first()
    )


def _join(booking: CallbackRequest, *, reason: str) -> CallbackRequest:
    booking.joined_count += 1
    booking.last_joined_at = timezone.now()
    fields = ["joined_count", "last_joined_at", bump_version(booking)]
    if reason.strip() and reason.strip() not in booking.reason:
        booking.reason = f"{booking.reason}; {reason.strip()}".strip("; ")[:500]
        fields.append("reason")
    booking.save(update_fields=fields)
    return booking


def _sms(booking: CallbackRequest, kind: str) -> None:
    """Queue the apology or we-tried SMS in the customer's language."""
    language = booking.customer.language if booking.customer_id else settings.LANGUAGE_CODE
    with translation.override(language):
        if kind == "apology":
            body = _(
                "Sorry, your call was cut off. We will call you back within %(minutes)s minutes."
            ) % {"minutes": due_minutes(booking.source)}
        else:
            body = _(
                "We tried to call you back %(attempts)s times but could not reach you. "
                "Call us whenever suits you; we are sorry for the trouble."
            ) % {"attempts": booking.attempt_count}
    queue_message(
        channel="sms",
        recipient=booking.phone,
        body=body,
        complaint=booking.complaint,
        urgent=kind == "apology",
        dedupe_key=f"callback:{booking.pk}:{kind}",
    )


def lookup(phone: str) -> CallbackRequest | None:
    """The caller's open booking, for the IVR's priority routing (None when there is none)."""
    try:
        e164 = normalise_phone(phone)
    except ApplicationError:
        return None
    return CallbackRequest.objects.filter(phone=e164, state__in=OPEN_CALLBACK_STATES).first()


def set_availability(user: User, *, available: bool) -> CallbackAgent:
    agent, _created = CallbackAgent.objects.update_or_create(
        user=user, defaults={"is_available": available}
    )
    return agent


def _lock(booking: CallbackRequest, expected_version: int | None) -> CallbackRequest:
    return lock_versioned(CallbackRequest, booking.pk, expected_version=expected_version)


def claim(
    booking: CallbackRequest, *, agent: User, expected_version: int | None = None
) -> CallbackRequest:
    """An agent takes a booking from the queue (or keeps one assigned to them).

    Refused (412) when the booking changed since ``expected_version``, as every
    change to a booking here.
    """
    with transaction.atomic():
        locked = _lock(booking, expected_version)
        if locked.state not in (CallbackState.PENDING, CallbackState.ASSIGNED):
            raise TransitionError(
                _("This callback is already %(state)s.") % {"state": locked.get_state_display()},
                code="illegal_transition",
            )
        if locked.assignee_id not in (None, agent.pk) and locked.state == CallbackState.ASSIGNED:
            raise TransitionError(_("Another agent has this callback."), code="taken", status=409)
        locked.assignee = agent
        locked.assigned_at = timezone.now()
        locked.state = CallbackState.IN_PROGRESS
        locked.save(update_fields=["assignee", "assigned_at", "state", bump_version(locked)])
    return locked


def log_attempt(
    booking: CallbackRequest,
    *,
    agent: User,
    outcome: str,
    note: str = "",
    expected_version: int | None = None,
) -> CallbackAttempt:
    """Record a call attempt; retry, complete, or give up (SMS and a call-loss repair case)."""
    outcome = AttemptOutcome(outcome)
    with transaction.atomic():
        locked = _lock(booking, expected_version)
        if not locked.is_open:
            raise TransitionError(
                _("This callback is already %(state)s.") % {"state": locked.get_state_display()},
                code="illegal_transition",
            )
        now = timezone.now()
        attempt = CallbackAttempt.objects.create(
            callback=locked, agent=agent, outcome=outcome, note=note.strip()[:500]
        )
        locked.attempt_count += 1
        locked.first_attempt_at = locked.first_attempt_at or now
        locked.assignee = locked.assignee or agent
        fields = [
            "attempt_count",
            "first_attempt_at",
            "assignee",
            "state",
            "next_attempt_at",
            bump_version(locked),
        ]
        if outcome == AttemptOutcome.ANSWERED:
            locked.state = CallbackState.COMPLETED
            locked.completed_at = now
            locked.next_attempt_at = None
            fields.append("completed_at")
        elif outcome in RETRY_OUTCOMES and locked.attempt_count < settings.CALLBACK_MAX_ATTEMPTS:
            locked.state = CallbackState.ASSIGNED
            locked.next_attempt_at = now + dt.timedelta(minutes=settings.CALLBACK_RETRY_MINUTES)
        else:
            locked.state = CallbackState.UNREACHABLE
            locked.completed_at = now
            locked.next_attempt_at = None
            fields.append("completed_at")
        locked.save(update_fields=fields)
        if locked.state == CallbackState.UNREACHABLE and outcome != AttemptOutcome.WRONG_NUMBER:
            _sms(locked, "we_tried")
            _open_call_loss_case(locked)
        if not locked.is_open:
            queue_event(webhooks.CALLBACK_COMPLETED, partial(webhooks.callback_data, locked))
    return attempt


def cancel_callback(
    booking: CallbackRequest,
    *,
    by: User | None,
    reason: str,
    expected_version: int | None = None,
) -> CallbackRequest:
    with transaction.atomic():
        locked = _lock(booking, expected_version)
        if not locked.is_open:
            raise TransitionError(
                _("This callback is already %(state)s.") % {"state": locked.get_state_display()},
                code="illegal_transition",
            )
        locked.state = CallbackState.CANCELLED
        locked.completed_at = timezone.now()
        locked.reason = f"{locked.reason}; {reason}".strip("; ")[:500]
        locked.save(update_fields=["state", "completed_at", "reason", bump_version(locked)])
    return locked


def _open_call_loss_case(booking: CallbackRequest) -> None:
    """The customer stayed unreachable: a damaged relationship to repair."""
    from repair.services.cases import open_repair_case

    if booking.customer_id is None:
        return
    open_repair_case(
        customer=booking.customer,
        damage_type="call_loss",
        complaint=booking.complaint,
        source_callback=booking,
    )


def assign_due_callbacks(*, now: dt.datetime | None = None) -> int:
    """Hand bookings whose clock is about to start to available agents, least loaded first."""
    now = now or timezone.now()
    agents = list(
        User.objects.filter(is_active=True, callback_agent__is_available=True).annotate(
            load=Count(
                "callback_requests",
                filter=Q(callback_requests__state__in=sorted(OPEN_CALLBACK_STATES)),
            )
        )
    )
    if not agents:
        return 0
    assigned = 0
    with transaction.atomic():
        waiting = list(
            CallbackRequest.objects.select_for_update(skip_locked=True)
            .filter(state=CallbackState.PENDING, clock_started_at__lte=now + ASSIGN_LEAD)
            .order_by("due_at", "id")[: settings.CALLBACK_ASSIGN_BATCH]
        )
        for booking in waiting:
            agent = min(agents, key=lambda user: (user.load, user.pk))
            booking.assignee = agent
            booking.assigned_at = now
            booking.state = CallbackState.ASSIGNED
            booking.save(update_fields=["assignee", "assigned_at", "state", bump_version(booking)])
            agent.load += 1
            assigned += 1
    return assigned


def report(*, since: dt.datetime, until: dt.datetime) -> dict[str, Any]:
    """Handled within 30/60 min, average wait, bookings per hour of day, agents needed."""
    from repair.selectors import callback_report

    return callback_report(since=since, until=until)
