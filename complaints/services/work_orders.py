"""Work orders: a complaint's request to a back-office department, and its answer."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.enums import OPEN_WORK_ORDER_STATES, EventKind, State, WorkOrderState
from complaints.errors import ApplicationError
from complaints.lifecycle import Move
from complaints.models import Complaint, Department, User, WorkOrder
from complaints.services import sla
from complaints.services.concurrency import bump_version, lock_versioned
from complaints.services.lifecycle import apply_move, lock_complaint, record_event
from complaints.services.webhooks import announce_complaint_change


def dispatch_work_order(
    complaint: Complaint,
    *,
    department: Department,
    instructions: str,
    by: User | None,
    expected_version: int | None = None,
) -> WorkOrder:
    """Send a work order to ``department``; the complaint waits on the department."""
    instructions = (instructions or "").strip()
    if not instructions:
        message = _("Tell the department what to do.")
        raise ApplicationError(message, code="required", details={"instructions": [message]})
    with transaction.atomic():
        locked = lock_complaint(complaint, expected_version=expected_version)
        work_order = WorkOrder(
            complaint=locked,
            department=department,
            instructions=instructions,
            created_by=by,
            created_at=timezone.now(),
        )
        sla.start_work_order_clock(work_order)
        work_order.save()  # rolled back with the rest if the move is refused
        apply_move(
            locked,
            Move.DISPATCH,
            kind=EventKind.WORK_ORDER_DISPATCHED,
            by=by,
            message=instructions,
            work_order=work_order,
        )
    return work_order


def _lock_work_order(work_order: WorkOrder, expected_version: int | None) -> WorkOrder:
    locked = lock_versioned(WorkOrder, work_order.pk, expected_version=expected_version)
    if locked.state not in OPEN_WORK_ORDER_STATES:
        raise ApplicationError(
            _("This work order is already %(state)s.") % {"state": locked.get_state_display()},
            code="work_order_closed",
            status=409,
        )
    return locked


def answer_work_order(
    work_order: WorkOrder,
    *,
    answer: str,
    by: User | None,
    expected_version: int | None = None,
) -> WorkOrder:
    """The department answers; when no order is left open the complaint is back in progress.

    Refused (412) when the work order changed since ``expected_version``.
    """
    answer = (answer or "").strip()
    if not answer:
        message = _("Write the department's answer.")
        raise ApplicationError(message, code="required", details={"answer": [message]})
    with transaction.atomic():
        complaint = lock_complaint(work_order.complaint)
        locked = _lock_work_order(work_order, expected_version)
        locked.state = WorkOrderState.ANSWERED
        locked.answer = answer
        locked.answered_at = timezone.now()
        locked.answered_by = by
        locked.save(
            update_fields=["state", "answer", "answered_at", "answered_by", bump_version(locked)]
        )
        _after_work_order_closed(complaint, locked, EventKind.WORK_ORDER_ANSWERED, answer, by)
    return locked


def cancel_work_order(
    work_order: WorkOrder,
    *,
    reason: str,
    by: User | None,
    expected_version: int | None = None,
) -> WorkOrder:
    """Withdraw a work order; refused (412) when it changed since ``expected_version``."""
    reason = (reason or "").strip()
    if not reason:
        message = _("Say why the work order is cancelled.")
        raise ApplicationError(message, code="required", details={"reason": [message]})
    with transaction.atomic():
        complaint = lock_complaint(work_order.complaint)
        locked = _lock_work_order(work_order, expected_version)
        locked.state = WorkOrderState.CANCELLED
        locked.save(update_fields=["state", bump_version(locked)])
        _after_work_order_closed(complaint, locked, EventKind.WORK_ORDER_CANCELLED, reason, by)
    return locked


def _after_work_order_closed(
    complaint: Complaint, work_order: WorkOrder, kind: EventKind, message: str, by: User | None
) -> None:
    still_open = complaint.work_orders.filter(state__in=OPEN_WORK_ORDER_STATES).exists()
    if complaint.state == State.WAITING_DEPARTMENT and not still_open:
        apply_move(
            complaint,
            Move.DEPARTMENTS_ANSWERED,
            kind=kind,
            by=by,
            message=message,
            work_order=work_order,
        )
    else:
        record_event(complaint, kind, by=by, message=message, work_order=work_order)
        announce_complaint_change(complaint, kind, work_order=work_order)
