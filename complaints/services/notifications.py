"""Who hears about SLA warnings and breaches, and how.

In-app notifications for the assignee and the team's supervisors; for urgent
complaints also email and SMS through the outbox; a breached urgent complaint
is escalated (notify, or reassign to a supervisor: ``SLA_URGENT_BREACH_ACTION``).
Overdue work orders notify the department's users and the complaint's assignee.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
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


def mark_notifications_read(user: User) -> int:
    """Mark all of ``user``'s unread notifications read."""
    from django.utils import timezone

    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )


def notify_sla(
    kind: EventKind,
    clock: str,
    pairs: list[tuple[Complaint, WorkOrder | None]],
    *,
    now: dt.datetime,
) -> None:
    """Notifications for one batch of marked clocks, written in bulk in the caller's transaction."""
    from complaints.services.sla import supervisors_by_team

    supervisors = supervisors_by_team({c.team_id for c, _w in pairs if c.team_id})
    department_users = _department_users({w.department_id for _c, w in pairs if w is not None})
    notifications: list[Notification] = []
    urgent_breaches: list[Complaint] = []
    for complaint, work_order in pairs:
        breached = kind == EventKind.SLA_BREACHED
        message = _message(kind, clock, complaint, work_order)
        recipients: dict[int, User] = {}
        if complaint.assignee_id:
            recipients[complaint.assignee_id] = complaint.assignee
        if work_order is not None:
            recipients.update({u.pk: u for u in department_users.get(work_order.department_id, [])})
        if breached or work_order is None:
            recipients.update({u.pk: u for u in supervisors.get(complaint.team_id, [])})
        notifications += [
            Notification(
                recipient=user,
                kind=kind.value,
                message=message,
                complaint=complaint,
                work_order=work_order,
            )
            for user in recipients.values()
        ]
        if complaint.priority == Priority.URGENT:
            _alert(message, complaint, recipients.values(), key=f"{kind}:{clock}:{complaint.pk}")
            if breached and work_order is None:
                urgent_breaches.append(complaint)
    Notification.objects.bulk_create(notifications, batch_size=1000)
    if urgent_breaches and settings.SLA_URGENT_BREACH_ACTION == "reassign":
        transaction.on_commit(lambda: _escalate([c.pk for c in urgent_breaches]))


def _message(kind: EventKind, clock: str, complaint: Complaint, work_order: WorkOrder | None):
    what = CLOCK_LABELS[clock]
    if work_order is not None:
        target = f"{complaint.reference} → {work_order.department}"
    else:
        target = complaint.reference
    if kind == EventKind.SLA_BREACHED:
        return _("%(target)s: %(what)s deadline missed.") % {"target": target, "what": what}
    return _("%(target)s: %(what)s deadline approaching.") % {"target": target, "what": what}


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
