"""Who hears about SLA warnings and breaches, and how.

In-app notifications for the assignee and the team's supervisors; for urgent
complaints also email and SMS through the outbox; a breached urgent complaint
is escalated (notify, or reassign to a supervisor: ``SLA_URGENT_BREACH_ACTION``).
Overdue work orders notify the department's users and the complaint's assignee.
"""

import datetime as dt

from django.conf import settings
from django.db import connection, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.enums import OPEN_STATES, EventKind, Priority, Role
from complaints.models import Complaint, Notification, User, WorkOrder
from complaints.services.messaging import queue_message

CLOCK_LABELS = {
    "response": gettext_lazy("first response"),
    "resolution": gettext_lazy("resolution"),
    "work_order": gettext_lazy("work order answer"),
}


def mark_notifications_read(user: User, *, ids: list[int] | None = None) -> int:
    """Mark ``user``'s unread notifications read (only ``ids``, when given).

    Others' notifications are never touched; one already read keeps its time.
    """
    from django.utils import timezone

    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    return unread.update(read_at=timezone.now())


def notify_role(role: Role, *, kind: str, message: str) -> int:
    """An in-app notification for every active user of ``role`` (e.g. the administrators)."""
    recipients = User.objects.filter(is_active=True, groups__name=role.value).distinct()
    created = Notification.objects.bulk_create(
        [Notification(recipient=user, kind=kind, message=message[:500]) for user in recipients]
    )
    return len(created)


def notify_sla(
    kind: EventKind,
    clock: str,
    rows: list[tuple],
    *,
    is_work_order: bool,
    now: dt.datetime,
) -> None:
    """Notify for one batch of marked clocks, in the caller's transaction.

    In-app notifications are written with one INSERT … SELECT per recipient group
    (assignees, each team's supervisors, each department's users), so ten
    thousand breaches cost a handful of statements. Urgent complaints, usually
    few, also get email/SMS alerts and, if configured, escalation.
    """
    from complaints.services.sla import supervisors_by_team

    breached = kind == EventKind.SLA_BREACHED
    ids = [row[0] for row in rows]
    groups = {row[1] for row in rows if row[1] is not None}  # teams, or departments
    prefix, suffix = _message_parts(kind, clock)
    if is_work_order:
        source = (
            "complaints_workorder w JOIN complaints_complaint c ON c.id = w.complaint_id "
            "JOIN complaints_department d ON d.id = w.department_id"
        )
        target, work_order_id, key = "c.reference || ' → ' || d.name", "w.id", "w.id"
    else:
        source, target, work_order_id, key = "complaints_complaint c", "c.reference", "NULL", "c.id"
    placeholders = ", ".join(["%s"] * len(ids))

    def insert(recipient: str, condition: str, params: list) -> None:
        """One recipient group; ``recipient`` and ``condition`` may hold %s for ``params``."""
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {Notification._meta.db_table} "  # noqa: S608 - our own names
                "(recipient_id, kind, message, complaint_id, work_order_id, created_at) "
                f"SELECT {recipient}, %s, %s || {target} || %s, c.id, {work_order_id}, %s "
                f"FROM {source} WHERE {key} IN ({placeholders}) AND {condition}",
                [*params[:1], kind.value, prefix, suffix, now, *ids, *params[1:]]
                if recipient == "%s"
                else [kind.value, prefix, suffix, now, *ids, *params],
            )

    insert("c.assignee_id", "c.assignee_id IS NOT NULL", [])
    not_assignee = "(c.assignee_id IS NULL OR c.assignee_id <> %s)"
    if is_work_order:
        for department_id, users in _department_users(groups).items():
            for user in users:
                insert(
                    "%s",
                    f"w.department_id = %s AND {not_assignee}",
                    [user.pk, department_id, user.pk],
                )
    if breached or not is_work_order:
        teams = _teams_of_work_orders(ids) if is_work_order else groups
        by_team = supervisors_by_team(teams)
        own = sorted(team for team, users in by_team.items() if team is not None and users)
        for team_id, users in by_team.items():
            for user in users:
                if team_id is None:
                    # Complaints of teams without a supervisor go to every supervisor.
                    others = f" OR c.team_id NOT IN ({', '.join(map(str, own))})" if own else ""
                    condition = f"(c.team_id IS NULL{others}) AND {not_assignee}"
                    insert("%s", condition, [user.pk, user.pk])
                elif user.team_id == team_id:
                    insert("%s", f"c.team_id = %s AND {not_assignee}", [user.pk, team_id, user.pk])
    urgent = [row[0] for row in rows if row[3] == Priority.URGENT] if not is_work_order else ids
    if urgent:
        _urgent_follow_up(kind, clock, urgent, is_work_order=is_work_order, breached=breached)


def _teams_of_work_orders(ids: list[int]) -> set[int]:
    teams = WorkOrder.objects.filter(pk__in=ids).values_list("complaint__team_id", flat=True)
    return {team for team in teams.distinct() if team is not None}


def _message_parts(kind: EventKind, clock: str) -> tuple[str, str]:
    """The translated message around its target (the complaint reference), split for SQL."""
    marker = "\x00"
    if kind == EventKind.SLA_BREACHED:
        text = _("%(target)s: %(what)s deadline missed.")
    else:
        text = _("%(target)s: %(what)s deadline approaching.")
    message = text % {"target": marker, "what": CLOCK_LABELS[clock]}
    prefix, _separator, suffix = message.partition(marker)
    return prefix, suffix


def _urgent_follow_up(
    kind: EventKind, clock: str, ids: list[int], *, is_work_order: bool, breached: bool
) -> None:
    """Email/SMS alerts for urgent complaints, and escalation of breached ones."""
    from complaints.services.sla import supervisors_by_team

    if is_work_order:
        orders = WorkOrder.objects.filter(pk__in=ids, complaint__priority=Priority.URGENT)
        pairs = [
            (o.complaint, o) for o in orders.select_related("complaint__assignee", "department")
        ]
    else:
        urgent = Complaint.objects.filter(pk__in=ids, priority=Priority.URGENT)
        pairs = [(complaint, None) for complaint in urgent.select_related("assignee")]
    if not pairs:
        return
    supervisors = supervisors_by_team({c.team_id for c, _w in pairs if c.team_id})
    prefix, suffix = _message_parts(kind, clock)
    for complaint, work_order in pairs:
        recipients = {complaint.assignee_id: complaint.assignee} if complaint.assignee_id else {}
        recipients.update({user.pk: user for user in supervisors.get(complaint.team_id, [])})
        target = complaint.reference + (f" → {work_order.department}" if work_order else "")
        _alert(
            f"{prefix}{target}{suffix}",
            complaint,
            recipients.values(),
            key=f"{kind}:{clock}:{complaint.pk}",
        )
    if breached and not is_work_order and settings.SLA_URGENT_BREACH_ACTION == "reassign":
        urgent_ids = [complaint.pk for complaint, _w in pairs]
        transaction.on_commit(lambda: _escalate(urgent_ids))


def _alert(message: str, complaint: Complaint, users, *, key: str) -> None:
    """Urgent: email and SMS to the people notified, at any hour."""
    for user in users:
        if user.email:
            queue_message(
                channel="email",
                recipient=user.email,
                subject=message,
                body=message,
                complaint=complaint,
                urgent=True,
                dedupe_key=f"{key}:email:{user.pk}",
            )
        if user.mobile:
            queue_message(
                channel="sms",
                recipient=user.mobile,
                body=message,
                complaint=complaint,
                urgent=True,
                dedupe_key=f"{key}:sms:{user.pk}",
            )


def _department_users(department_ids: set[int]) -> dict[int, list[User]]:
    users: dict[int, list[User]] = {}
    if not department_ids:
        return users
    for user in User.objects.filter(
        is_active=True, department_id__in=department_ids, groups__name=Role.DEPARTMENT.value
    ):
        users.setdefault(user.department_id, []).append(user)
    return users


def _escalate(complaint_ids: list[int]) -> None:
    """Reassign breached urgent complaints to the least-loaded supervisor of their team."""
    from complaints.services.lifecycle import assign, record_event
    from complaints.services.sla import supervisors_by_team

    for complaint in Complaint.objects.filter(pk__in=complaint_ids).select_related("team"):
        candidates = supervisors_by_team({complaint.team_id}).get(complaint.team_id, [])
        if not candidates or complaint.assignee_id in {user.pk for user in candidates}:
            continue
        supervisor = min(
            candidates,
            key=lambda user: (
                user.assigned_complaints.filter(state__in=OPEN_STATES).count(),
                user.pk,
            ),
        )
        with transaction.atomic():
            escalated = assign(complaint, to_user=supervisor, to_team=complaint.team, by=None)
            record_event(
                escalated,
                EventKind.ESCALATED,
                by=None,
                message=_("Urgent complaint missed its deadline: escalated to %(name)s.")
                % {"name": supervisor},
            )
