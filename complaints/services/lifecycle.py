"""Moving a complaint through its life; every move is checked against ``lifecycle.TRANSITIONS``.

Each service follows one shape: atomic, lock the row, check the move, save the
changed fields, append the timeline event, and announce outside effects after
commit.
"""

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints import signals
from complaints.enums import (
    OPEN_WORK_ORDER_STATES,
    UNREACHED_OUTCOMES,
    CancelReason,
    ConfirmationMethod,
    ContactChannel,
    ContactOutcome,
    EventKind,
    State,
)
from complaints.errors import ApplicationError
from complaints.lifecycle import Move, target_state
from complaints.models import Complaint, ComplaintEvent, Team, User
from complaints.services import sla
from complaints.services.concurrency import bump_version, lock_versioned
from complaints.services.webhooks import announce_complaint_change


def lock_complaint(complaint: Complaint, *, expected_version: int | None = None) -> Complaint:
    """Re-read ``complaint`` under a row lock; refuse it if changed since ``expected_version``.

    Must run inside a transaction. The version check is how two agents editing
    at once learn of each other instead of overwriting silently.
    """
    return lock_versioned(
        Complaint,
        complaint.pk,
        expected_version=expected_version,
        message=_("Someone else changed this complaint meanwhile; reload it and try again."),
    )


def record_event(
    complaint: Complaint,
    kind: EventKind,
    *,
    by: User | None,
    message: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    work_order: Any = None,
) -> ComplaintEvent:
    return ComplaintEvent.objects.create(
        complaint=complaint,
        kind=kind,
        actor=by,
        message=message,
        before=before or {},
        after=after or {},
        work_order=work_order,
    )


def apply_move(
    complaint: Complaint,
    move: Move,
    *,
    kind: EventKind,
    by: User | None,
    message: str = "",
    changes: dict[str, Any] | None = None,
    work_order: Any = None,
) -> Complaint:
    """Move the locked ``complaint``, set ``changes``, save, log the event, queue its webhook."""
    changes = dict(changes or {})
    new_state = target_state(move, complaint.state)
    if new_state != complaint.state:
        changes["state"] = new_state
    before = {field: _plain(getattr(complaint, field)) for field in changes}
    for field, value in changes.items():
        setattr(complaint, field, value)
    complaint.save(update_fields=[*changes, bump_version(complaint), "updated_at"])
    record_event(
        complaint,
        kind,
        by=by,
        message=message,
        before=before,
        after={field: _plain(getattr(complaint, field)) for field in changes},
        work_order=work_order,
    )
    announce_complaint_change(complaint, kind, fields=changes, work_order=work_order)
    return complaint


def _fields(complaint: Complaint, names: list[str]) -> dict[str, Any]:
    """The current values of fields an SLA helper just changed, for ``apply_move``."""
    return {name: getattr(complaint, name) for name in names}


def _plain(value: Any) -> Any:
    """A JSON-friendly form of a field value for the event's before/after."""
    if hasattr(value, "pk"):
        return value.pk
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _limit(value: str, field: str, maximum: int) -> str:
    """Refuse text longer than its column, per field, instead of failing in the database."""
    text = (value or "").strip()
    if len(text) > maximum:
        message = _("At most %(max)s characters.") % {"max": maximum}
        raise ApplicationError(message, code="too_long", details={field: [message]})
    return text


def _require_text(value: str, field: str, message: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ApplicationError(message, code="required", details={field: [message]})
    return text


# Record fields an agent may correct after intake; priority and category have
# their own override services (classification), the rest is history.
EDITABLE_FIELDS = frozenset(
    {"subject", "subject_detail", "description", "expectation", "expectation_detail", "emotion"}
)


def update_complaint(
    complaint: Complaint,
    *,
    changes: dict[str, Any],
    by: User | None,
    expected_version: int | None = None,
) -> Complaint:
    """Correct the record of an open complaint; the timeline keeps the old values."""
    unknown = sorted(set(changes) - EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These fields cannot be changed here: %(fields)s.") % {"fields": ", ".join(unknown)},
            code="not_editable",
            details={field: [_("This field cannot be changed here.")] for field in unknown},
        )
    with transaction.atomic():
        locked = lock_complaint(complaint, expected_version=expected_version)
        if locked.state in (State.CLOSED, State.CANCELLED):
            raise ApplicationError(
                _("A closed or cancelled complaint cannot be edited; reopen it first."),
                code="not_editable",
                status=409,
            )
        changed = {
            field: value for field, value in changes.items() if getattr(locked, field) != value
        }
        if not changed:
            return locked
        before = {field: getattr(locked, field) for field in changed}
        for field, value in changed.items():
            setattr(locked, field, value)
        try:
            locked.full_clean(exclude=["reference"])
        except ValidationError as error:
            raise ApplicationError(
                _("The complaint has invalid fields."), code="invalid", details=error.message_dict
            ) from None
        locked.save(update_fields=[*changed, bump_version(locked), "updated_at"])
        record_event(locked, EventKind.UPDATED, by=by, before=before, after=dict(changed))
        announce_complaint_change(locked, EventKind.UPDATED, fields=changed)
    return locked


def assign(
    complaint: Complaint,
    *,
    by: User | None,
    to_user: User | None = None,
    to_team: Team | None = None,
    expected_version: int | None = None,
) -> Complaint:
    """Give the complaint to an agent (and their team), or to a team's unassigned pile."""
    if to_user is None and to_team is None:
        raise ApplicationError(
            _("Choose an agent or a team."),
            code="required",
            details={"assignee": [_("Choose an agent or a team.")]},
        )
    if to_user is not None and not to_user.is_active:
        raise ApplicationError(
            _("%(user)s is not an active user.") % {"user": to_user},
            code="inactive_assignee",
            details={"assignee": [_("Choose an active agent.")]},
        )
    team = to_team or (to_user.team if to_user is not None else None) or complaint.team
    with transaction.atomic():
        locked = lock_complaint(complaint, expected_version=expected_version)
        changes: dict[str, Any] = {"assignee": to_user, "team": team}
        if to_user is None:
            # To a team only: back to the team's pile; the state says nobody holds it.
            changes["assignee"] = None
        return apply_move(locked, Move.ASSIGN, kind=EventKind.ASSIGNED, by=by, changes=changes)


def start_work(
    complaint: Complaint, *, by: User | None, expected_version: int | None = None
) -> Complaint:
    with transaction.atomic():
        locked = lock_complaint(complaint, expected_version=expected_version)
        target_state(Move.START, locked.state)
        if locked.assignee_id is None:
            raise ApplicationError(
                _("Assign the complaint before starting work on it."), code="unassigned", status=409
            )
        return apply_move(locked, Move.START, kind=EventKind.WORK_STARTED, by=by)


def add_note(complaint: Complaint, *, text: str, by: User | None) -> ComplaintEvent:
    """An internal note on the timeline; allowed in every state (notes explain history too)."""
    note = _require_text(text, "text", _("Write the note."))
    with transaction.atomic():
        locked = lock_complaint(complaint)
        return record_event(locked, EventKind.NOTE, by=by, message=note)


def log_contact(
    complaint: Complaint,
    *,
    channel: str,
    outcome: str,
    note: str = "",
    by: User | None,
) -> ComplaintEvent:
    """Log a contact with the customer (call, SMS, email, visit) and how it went."""
    channel = ContactChannel(channel)
    outcome = ContactOutcome(outcome)
    with transaction.atomic():
        locked = lock_complaint(complaint)
        if locked.state == State.CANCELLED:
            raise ApplicationError(
                _("A cancelled complaint takes no more contacts."), code="cancelled", status=409
            )
        if outcome in (ContactOutcome.REACHED, ContactOutcome.SENT):
            met = sla.meet_first_response(locked)
            if met:
                locked.save(update_fields=[*met, "updated_at"])
        return record_event(
            locked,
            EventKind.CONTACT,
            by=by,
            message=note.strip(),
            after={"channel": channel.value, "outcome": outcome.value},
        )


def wait_on_customer(
    complaint: Complaint, *, by: User | None, reason: str = "", expected_version: int | None = None
) -> Complaint:
    with transaction.atomic():
        locked = lock_complaint(complaint, expected_version=expected_version)
        target_state(Move.WAIT_ON_CUSTOMER, locked.state)
        paused = _fields(locked, sla.pause_resolution(locked))
        return apply_move(
            locked,
            Move.WAIT_ON_CUSTOMER,
            kind=EventKind.WAITING_ON_CUSTOMER,
            by=by,
            message=reason,
            changes=paused,
        )


def resume(
    complaint: Complaint, *, by: User | None, expected_version: int | None = None
) -> Complaint:
    with transaction.atomic():
        locked = lock_complaint(complaint, expected_version=expected_version)
        target_state(Move.RESUME, locked.state)
        resumed = _fields(locked, sla.resume_resolution(locked))
        return apply_move(locked, Move.RESUME, kind=EventKind.RESUMED, by=by, changes=resumed)


def propose_resolution(
    complaint: Complaint,
    *,
    summary: str,
    remedy: str = "",
    by: User | None,
    expected_version: int | None = None,
) -> Complaint:
    """Mark the complaint resolved, awaiting the customer's confirmation (it stays open to them)."""
    summary = _require_text(summary, "summary", _("Describe how the complaint was resolved."))
    remedy = _limit(remedy, "remedy", 200)
    with transaction.atomic():
        locked = lock_complaint(complaint, expected_version=expected_version)
        target_state(Move.RESOLVE, locked.state)
        if locked.work_orders.filter(state__in=OPEN_WORK_ORDER_STATES).exists():
            raise ApplicationError(
                _("Work orders are still open; wait for their answers or cancel them first."),
                code="open_work_orders",
                status=409,
            )
        resolved = apply_move(
            locked,
            Move.RESOLVE,
            kind=EventKind.RESOLUTION_PROPOSED,
            by=by,
            message=summary,
            changes={
                "resolution_summary": summary,
                "remedy": remedy,
                "resolved_at": timezone.now(),
                **_fields(locked, sla.stop_clocks(locked)),
            },
        )
        transaction.on_commit(
            lambda: signals.complaint_resolved.send(sender=Complaint, complaint=resolved)
        )
    return resolved


def confirm_resolution(
    complaint: Complaint,
    *,
    method: str,
    note: str = "",
    by: User | None,
    expected_version: int | None = None,
) -> Complaint:
    """Close the complaint: the customer confirmed, or the documented no-answer rule applies.

    The rule (``COMPLAINT_NO_ANSWER_CLOSE_*``) needs that many unanswered contact
    attempts since the resolution, spread over at least that many days.
    """
    method = ConfirmationMethod(method)
    note = _limit(note, "note", 500)
    with transaction.atomic():
        locked = lock_complaint(complaint, expected_version=expected_version)
        target_state(Move.CONFIRM, locked.state)
        if method == ConfirmationMethod.NO_ANSWER_RULE:
            _check_no_answer_rule(locked)
        now = timezone.now()
        closed = apply_move(
            locked,
            Move.CONFIRM,
            kind=EventKind.CONFIRMED,
            by=by,
            message=note,
            changes={
                "confirmed_at": now,
                "confirmation_method": method.value,
                "confirmation_note": note,
            },
        )
        transaction.on_commit(
            lambda: signals.complaint_closed.send(sender=Complaint, complaint=closed)
        )
    return closed


def _check_no_answer_rule(complaint: Complaint) -> None:
    attempts_needed = settings.COMPLAINT_NO_ANSWER_CLOSE_ATTEMPTS
    days_needed = settings.COMPLAINT_NO_ANSWER_CLOSE_DAYS
    attempts = list(
        complaint.events.filter(
            kind=EventKind.CONTACT,
            created_at__gte=complaint.resolved_at,
            after__outcome__in=sorted(UNREACHED_OUTCOMES),
        ).values_list("created_at", flat=True)
    )
    span = (max(attempts) - min(attempts)) if attempts else timedelta(0)
    if len(attempts) < attempts_needed or span < timedelta(days=days_needed):
        message = _(
            "The no-answer rule needs %(attempts)s unanswered attempts over %(days)s days "
            "since the resolution; so far %(made)s."
        ) % {"attempts": attempts_needed, "days": days_needed, "made": len(attempts)}
        raise ApplicationError(message, code="rule_not_met", status=409)


def reopen(
    complaint: Complaint, *, reason: str, by: User | None, expected_version: int | None = None
) -> Complaint:
    """The customer is still unhappy: handling restarts (within the reopen window)."""
    reason = _require_text(reason, "reason", _("Say why the complaint is reopened."))
    with transaction.atomic():
        locked = lock_complaint(complaint, expected_version=expected_version)
        target_state(Move.REOPEN, locked.state)
        since = locked.confirmed_at or locked.resolved_at
        window = timedelta(days=settings.COMPLAINT_REOPEN_WINDOW_DAYS)
        if since is not None and timezone.now() - since > window:
            raise ApplicationError(
                _("This complaint ended more than %(days)s days ago; register a new one instead.")
                % {"days": settings.COMPLAINT_REOPEN_WINDOW_DAYS},
                code="reopen_window_passed",
                status=409,
            )
        reopened = apply_move(
            locked,
            Move.REOPEN,
            kind=EventKind.REOPENED,
            by=by,
            message=reason,
            changes={
                "reopen_count": locked.reopen_count + 1,
                "confirmed_at": None,
                "confirmation_method": "",
                "confirmation_note": "",
                **_fields(locked, sla.restart_resolution_clock(locked)),
            },
        )
        transaction.on_commit(
            lambda: signals.complaint_reopened.send(sender=Complaint, complaint=reopened)
        )
    return reopened


def cancel(
    complaint: Complaint,
    *,
    reason: str,
    note: str = "",
    duplicate_of: Complaint | None = None,
    by: User | None,
    expected_version: int | None = None,
) -> Complaint:
    """Cancel a duplicate (linked to its original) or an invalid complaint."""
    reason = CancelReason(reason)
    note = _limit(note, "note", 500)
    if reason == CancelReason.DUPLICATE and duplicate_of is None:
        raise ApplicationError(
            _("Say which complaint this one duplicates."),
            code="required",
            details={"duplicate_of": [_("Choose the original complaint.")]},
        )
    if reason == CancelReason.INVALID and not note:
        raise ApplicationError(
            _("Say why the complaint is invalid."),
            code="required",
            details={"note": [_("Say why the complaint is invalid.")]},
        )
    if duplicate_of is not None and duplicate_of.pk == complaint.pk:
        raise ApplicationError(
            _("A complaint cannot duplicate itself."),
            code="invalid",
            details={"duplicate_of": [_("Choose another complaint.")]},
        )
    with transaction.atomic():
        locked = lock_complaint(complaint, expected_version=expected_version)
        target_state(Move.CANCEL, locked.state)
        return apply_move(
            locked,
            Move.CANCEL,
            kind=EventKind.CANCELLED,
            by=by,
            message=note,
            changes={
                "cancel_reason": reason.value,
                "cancel_note": note,
                "duplicate_of": duplicate_of if reason == CancelReason.DUPLICATE else None,
                **_fields(locked, sla.stop_clocks(locked)),
            },
        )
