"""SLA clocks: start, pause, resume, stop, and the set-based deadline check.

Each complaint has a first-response clock and a resolution clock; each work
order has one clock. Due and warning times are absolute columns, computed
once from the policy and the team's business calendar, so the deadline check
is a handful of indexed UPDATE … RETURNING statements.
"""

import datetime as dt
import json
import logging
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from complaints.enums import OPEN_STATES, EventKind, Priority, Role, SlaStatus, WorkOrderState
from complaints.models import (
    Complaint,
    ComplaintEvent,
    SlaPolicy,
    SlaTarget,
    Team,
    User,
    WorkOrder,
)
from complaints.services.calendars import working_time
from complaints.services.concurrency import save_edited

logger = logging.getLogger(__name__)

# Rows marked per statement: big enough that a catch-up after an outage takes a
# few round trips, small enough that one transaction never holds locks for long.
CHECK_BATCH_SIZE = 5000

# Defaults when no policy matches (DOMAIN.md): minutes to first response, to resolution.
DEFAULT_TARGETS = {
    Priority.URGENT: (60, 24 * 60),
    Priority.GENERAL: (4 * 60, 24 * 60),
    Priority.NON_URGENT: (24 * 60, 48 * 60),
}
DEFAULT_WORK_ORDER_MINUTES = 48 * 60
DEFAULT_WARN_PERCENT = 80


@dataclass(frozen=True)
class Targets:
    response: dt.timedelta | None
    resolution: dt.timedelta
    warn_ratio: float
    policy: SlaPolicy | None


def targets_for(complaint: Complaint) -> Targets:
    """The most specific active policy for the complaint (category and tier narrow it)."""
    candidates = SlaPolicy.objects.filter(
        applies_to=SlaTarget.COMPLAINT, priority=complaint.priority, is_active=True
    ).filter(
        Q(category__isnull=True) | Q(category_id=complaint.category_id),
        Q(customer_tier="") | Q(customer_tier=complaint.customer.tier),
    )
    best = max(
        candidates,
        key=lambda policy: (policy.category_id is not None, bool(policy.customer_tier), -policy.pk),
        default=None,
    )
    if best is None:
        response, resolution = DEFAULT_TARGETS[Priority(complaint.priority)]
        return Targets(
            dt.timedelta(minutes=response),
            dt.timedelta(minutes=resolution),
            DEFAULT_WARN_PERCENT / 100,
            None,
        )
    return Targets(
        dt.timedelta(minutes=best.first_response_minutes) if best.first_response_minutes else None,
        dt.timedelta(minutes=best.resolution_minutes),
        best.warn_percent / 100,
        best,
    )


def _work_order_target() -> tuple[dt.timedelta, float]:
    policy = (
        SlaPolicy.objects.filter(applies_to=SlaTarget.WORK_ORDER, is_active=True)
        .order_by("-pk")
        .first()
    )
    if policy is None:
        return dt.timedelta(minutes=DEFAULT_WORK_ORDER_MINUTES), DEFAULT_WARN_PERCENT / 100
    return dt.timedelta(minutes=policy.resolution_minutes), policy.warn_percent / 100


def _calendar_of(team: Team | None):
    return working_time(team.calendar if team is not None and team.calendar_id else None)


def start_clocks(complaint: Complaint, *, since: dt.datetime | None = None) -> list[str]:
    """Set both clocks of a new complaint from its policy; returns the changed fields."""
    since = since or complaint.received_at
    targets = targets_for(complaint)
    clock = _calendar_of(complaint.team)
    complaint.sla_policy = targets.policy
    if targets.response is not None:
        complaint.response_due_at = clock.add(since, targets.response)
        complaint.response_warn_at = clock.add(since, targets.response * targets.warn_ratio)
    complaint.resolution_due_at = clock.add(since, targets.resolution)
    complaint.resolution_warn_at = clock.add(since, targets.resolution * targets.warn_ratio)
    return [
        "sla_policy",
        "response_due_at",
        "response_warn_at",
        "resolution_due_at",
        "resolution_warn_at",
    ]


def restart_resolution_clock(complaint: Complaint) -> list[str]:
    """A reopened complaint gets a fresh resolution clock from now."""
    now = timezone.now()
    targets = targets_for(complaint)
    clock = _calendar_of(complaint.team)
    complaint.resolution_due_at = clock.add(now, targets.resolution)
    complaint.resolution_warn_at = clock.add(now, targets.resolution * targets.warn_ratio)
    complaint.resolution_met_at = None
    complaint.resolution_warned_at = None
    complaint.resolution_breached_at = None
    complaint.resolution_paused_at = None
    return [
        "resolution_due_at",
        "resolution_warn_at",
        "resolution_met_at",
        "resolution_warned_at",
        "resolution_breached_at",
        "resolution_paused_at",
    ]


def meet_first_response(complaint: Complaint, *, at: dt.datetime | None = None) -> list[str]:
    if complaint.response_met_at is not None:
        return []
    complaint.response_met_at = at or timezone.now()
    return ["response_met_at"]


def stop_clocks(complaint: Complaint) -> list[str]:
    """Resolution proposed or complaint cancelled: running clocks stop now."""
    now = timezone.now()
    changed = meet_first_response(complaint, at=now)
    if complaint.resolution_met_at is None:
        changed += _resume_fields(complaint, now) if complaint.resolution_paused_at else []
        complaint.resolution_met_at = now
        changed.append("resolution_met_at")
    return changed


def pause_resolution(complaint: Complaint) -> list[str]:
    """Waiting on the customer: the resolution clock stops counting."""
    if complaint.resolution_paused_at is not None or complaint.resolution_met_at is not None:
        return []
    complaint.resolution_paused_at = timezone.now()
    return ["resolution_paused_at"]


def resume_resolution(complaint: Complaint) -> list[str]:
    """The customer answered: due and warning times move by the paused (working) span."""
    if complaint.resolution_paused_at is None:
        return []
    return _resume_fields(complaint, timezone.now())


def _resume_fields(complaint: Complaint, now: dt.datetime) -> list[str]:
    clock = _calendar_of(complaint.team)
    paused_at = complaint.resolution_paused_at
    changed = ["resolution_paused_at", "resolution_paused_seconds"]
    if complaint.resolution_breached_at is None and complaint.resolution_due_at:
        remaining = clock.between(paused_at, complaint.resolution_due_at)
        complaint.resolution_due_at = clock.add(now, remaining)
        changed.append("resolution_due_at")
    if complaint.resolution_warned_at is None and complaint.resolution_warn_at:
        remaining = clock.between(paused_at, complaint.resolution_warn_at)
        complaint.resolution_warn_at = clock.add(now, remaining)
        changed.append("resolution_warn_at")
    complaint.resolution_paused_seconds += int((now - paused_at).total_seconds())
    complaint.resolution_paused_at = None
    return changed


def start_work_order_clock(work_order: WorkOrder) -> None:
    target, warn_ratio = _work_order_target()
    clock = _calendar_of(work_order.complaint.team)
    since = work_order.created_at or timezone.now()
    work_order.due_at = clock.add(since, target)
    work_order.warn_at = clock.add(since, target * warn_ratio)


def save_policy(
    policy: SlaPolicy | None,
    *,
    data: dict[str, Any],
    by: User | None,
    expected_version: int | None = None,
) -> SlaPolicy:
    """Create or edit a policy; it applies to clocks started from now on.

    An edit is refused (412) when someone saved the policy since ``expected_version``.
    """
    policy = save_edited(
        SlaPolicy,
        policy,
        data=data,
        invalid_message=_("The policy has invalid fields."),
        expected_version=expected_version,
    )
    logger.info("SLA policy %s saved by %s", policy.pk, by)
    return policy


def recalculate_open_clocks(*, by: User | None, queryset=None) -> int:
    """Apply the current policies to open complaints' running clocks (a supervisor's call).

    Clocks keep their start (received_at) and paused time; each complaint whose
    due times move gets a timeline event saying so.
    """
    from complaints.services.lifecycle import record_event

    changed_count = 0
    queryset = queryset if queryset is not None else Complaint.objects.all()
    for complaint_id in queryset.filter(state__in=OPEN_STATES).values_list("pk", flat=True):
        with transaction.atomic():
            complaint = (
                Complaint.objects.select_for_update(of=("self",))
                .select_related("customer", "team__calendar")
                .get(pk=complaint_id)
            )
            before = _clock_snapshot(complaint)
            fields = _recalculated(complaint)
            if _clock_snapshot(complaint) == before:
                continue
            complaint.save(update_fields=[*fields, "updated_at"])
            record_event(
                complaint,
                EventKind.SLA_RECALCULATED,
                by=by,
                message=_("Due times recalculated after an SLA policy change."),
                before=before,
                after=_clock_snapshot(complaint),
            )
            changed_count += 1
    return changed_count


def _recalculated(complaint: Complaint) -> list[str]:
    paused = dt.timedelta(seconds=complaint.resolution_paused_seconds)
    fields = []
    snapshot = {
        name: getattr(complaint, name)
        for name in ("response_met_at", "resolution_met_at", "resolution_paused_at")
    }
    saved_response = (complaint.response_due_at, complaint.response_warn_at)
    fields = start_clocks(complaint)
    if snapshot["response_met_at"] is not None:
        complaint.response_due_at, complaint.response_warn_at = saved_response
    if paused:
        clock = _calendar_of(complaint.team)
        complaint.resolution_due_at = clock.add(complaint.resolution_due_at, paused)
        complaint.resolution_warn_at = clock.add(complaint.resolution_warn_at, paused)
    return fields


def _clock_snapshot(complaint: Complaint) -> dict[str, Any]:
    return {
        name: value.isoformat() if value else None
        for name, value in (
            ("response_due_at", complaint.response_due_at),
            ("resolution_due_at", complaint.resolution_due_at),
        )
    }


# --- The deadline check ----------------------------------------------------------


@dataclass(frozen=True)
class _Check:
    name: str
    table: type
    mark: str  # the column set to now
    due: str  # the column compared with now
    running: str  # SQL condition: the clock is still running
    event: EventKind
    clock: str


def _checks() -> list[_Check]:
    open_work_order = f"state = '{WorkOrderState.OPEN.value}'"
    return [
        _Check(
            "response_warn", Complaint, "response_warned_at", "response_warn_at",
            "response_met_at IS NULL", EventKind.SLA_WARNED, "response",
        ),
        _Check(
            "response_breach", Complaint, "response_breached_at", "response_due_at",
            "response_met_at IS NULL", EventKind.SLA_BREACHED, "response",
        ),
        _Check(
            "resolution_warn", Complaint, "resolution_warned_at", "resolution_warn_at",
            "resolution_met_at IS NULL AND resolution_paused_at IS NULL",
            EventKind.SLA_WARNED, "resolution",
        ),
        _Check(
            "resolution_breach", Complaint, "resolution_breached_at", "resolution_due_at",
            "resolution_met_at IS NULL AND resolution_paused_at IS NULL",
            EventKind.SLA_BREACHED, "resolution",
        ),
        _Check(
            "work_order_warn", WorkOrder, "warned_at", "warn_at", open_work_order,
            EventKind.SLA_WARNED, "work_order",
        ),
        _Check(
            "work_order_breach", WorkOrder, "breached_at", "due_at", open_work_order,
            EventKind.SLA_BREACHED, "work_order",
        ),
    ]  # fmt: skip


def _mark_batch(check: _Check, now: dt.datetime) -> list[tuple]:
    """One UPDATE … RETURNING over the partial index; SKIP LOCKED lets two runs share work.

    A row already marked no longer matches ``{mark} IS NULL``, so each warning
    and each breach is marked, and acted on, exactly once. Returns (id, team or
    department, complaint id, priority or None) so that no second read is needed.
    """
    table = check.table._meta.db_table
    if check.table is WorkOrder:
        extra = ", state = 'overdue'" if check.name == "work_order_breach" else ""
        returning = "id, department_id, complaint_id, NULL"
    else:
        extra, returning = "", "id, team_id, id, priority"
    # The embedded SQLite has one writer at a time anyway and no row locks.
    locking = "FOR UPDATE SKIP LOCKED" if connection.vendor == "postgresql" else ""
    sql = (
        f"UPDATE {table} SET {check.mark} = %s{extra} WHERE id IN ("  # noqa: S608
        f"SELECT id FROM {table} WHERE {check.due} <= %s AND {check.mark} IS NULL "
        f"AND {check.running} ORDER BY {check.due} LIMIT %s {locking}"
        f") RETURNING {returning}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, CHECK_BATCH_SIZE])
        return cursor.fetchall()


def check_deadlines(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Mark every warning and breach that has fallen due, act on each exactly once.

    Safe to run twice at once and after a crash: state lives in the rows, and
    each batch commits its marks together with its events and notifications.
    """
    now = now or timezone.now()
    counts = {}
    for check in _checks():
        total = 0
        while True:
            with transaction.atomic():
                rows = _mark_batch(check, now)
                if rows:
                    _after_marking(check, rows, now)
            total += len(rows)
            if len(rows) < CHECK_BATCH_SIZE:
                break
        counts[check.name] = total
    if any(counts.values()):
        logger.info("Deadline check: %s", counts)
    return counts


def _after_marking(check: _Check, rows: list[tuple], now: dt.datetime) -> None:
    """Events, notifications and webhooks for a marked batch, set-based: a few statements."""
    from complaints.services.notifications import notify_sla
    from complaints.services.webhooks import queue_sla_events

    ids = [row[0] for row in rows]
    is_work_order = check.table is WorkOrder
    source = "complaints_workorder w" if is_work_order else "complaints_complaint c"
    complaint_id, work_order_id = ("w.complaint_id", "w.id") if is_work_order else ("c.id", "NULL")
    key = "w.id" if is_work_order else "c.id"
    json_after = "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"
    json_empty = json_after
    placeholders = ", ".join(["%s"] * len(ids))
    event_table = ComplaintEvent._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {event_table} "  # noqa: S608 - table and column names are ours
            "(complaint_id, work_order_id, kind, actor_id, message, before, after, created_at) "
            f"SELECT {complaint_id}, {work_order_id}, %s, NULL, '', {json_empty}, {json_after}, %s "
            f"FROM {source} WHERE {key} IN ({placeholders})",
            [check.event.value, "{}", json.dumps({"clock": check.clock}), now, *ids],
        )
    notify_sla(check.event, check.clock, rows, is_work_order=is_work_order, now=now)
    queue_sla_events(check.event, check.clock, ids, is_work_order=is_work_order, now=now)


def supervisors_by_team(team_ids: set[int]) -> dict[int | None, list[User]]:
    """Active supervisors per team, with the centre's other supervisors as fallback (key None)."""
    supervisors = list(
        User.objects.filter(is_active=True, groups__name=Role.SUPERVISOR.value).distinct()
    )
    by_team: dict[int | None, list[User]] = {None: supervisors}
    for team_id in team_ids:
        by_team[team_id] = [s for s in supervisors if s.team_id == team_id] or supervisors
    return by_team


def sla_status(complaint: Complaint) -> tuple[SlaStatus, dt.datetime | None]:
    """What an agent needs at a glance: status and the next due time of the running clocks.

    Status is "breached" if a running clock missed its deadline, "at_risk" past
    a warning, "paused" while only a paused clock remains, "met" when no clock
    runs, else "ok".
    """
    running = []
    if complaint.response_due_at and complaint.response_met_at is None:
        running.append(
            (
                complaint.response_due_at,
                complaint.response_warned_at,
                complaint.response_breached_at,
            )
        )
    resolution_running = complaint.resolution_due_at and complaint.resolution_met_at is None
    if resolution_running and complaint.resolution_paused_at is None:
        running.append(
            (
                complaint.resolution_due_at,
                complaint.resolution_warned_at,
                complaint.resolution_breached_at,
            )
        )
    if not running:
        return (SlaStatus.PAUSED if resolution_running else SlaStatus.MET), None
    next_due = min(due for due, _warned, _breached in running)
    if any(breached for _due, _warned, breached in running):
        return SlaStatus.BREACHED, next_due
    if any(warned for _due, warned, _breached in running):
        return SlaStatus.AT_RISK, next_due
    return SlaStatus.OK, next_due
