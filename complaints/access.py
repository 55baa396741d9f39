"""Who may do what to which object: the one place that answers it.

Roles are Django groups (``Role``), and groups carry model permissions (the
roles data migration grants them). ``can()`` combines the permission with the
object rule: agents act within their team, department users within their
department, supervisors and administrators everywhere. A team lead is an agent
who also sees the board, the reports and the work orders of their own team.
"""

from collections.abc import Callable
from enum import StrEnum
from typing import Any

from django.core.exceptions import PermissionDenied

from complaints.enums import Role


class Action(StrEnum):
    VIEW_QUEUE = "view_queue"
    CREATE_COMPLAINT = "create_complaint"
    VIEW_COMPLAINT = "view_complaint"
    CHANGE_COMPLAINT = "change_complaint"
    VIEW_CONTACT_DETAILS = "view_contact_details"
    ANSWER_WORK_ORDER = "answer_work_order"
    VIEW_WORK_ORDERS = "view_work_orders"
    VIEW_DASHBOARD = "view_dashboard"
    MANAGE_RULES = "manage_rules"
    MANAGE_SLA = "manage_sla"
    VIEW_CALLBACKS = "view_callbacks"
    VIEW_SURVEYS = "view_surveys"
    VIEW_REPAIR = "view_repair"
    MANAGE_KEY_EVENTS = "manage_key_events"
    OPEN_REPAIR_CASE = "open_repair_case"
    MANAGE_STRATEGIES = "manage_strategies"
    MANAGE_PERSONAL_DATA = "manage_personal_data"
    MANAGE_WEBHOOKS = "manage_webhooks"
    USE_ADMIN = "use_admin"
    MANAGE_API_TOKENS = "manage_api_tokens"


def roles_of(user: Any) -> frozenset[str]:
    """The user's role names, read once per request object and cached on it."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def has_role(user: Any, *roles: Role) -> bool:
    return bool(roles_of(user) & {str(role) for role in roles})


def _sees_complaint(user: Any, complaint: Any) -> bool:
    if user.has_perm("complaints.view_all_complaints"):
        return True
    if complaint.assignee_id == user.id or complaint.created_by_id == user.id:
        return True
    if user.team_id is not None and complaint.team_id == user.team_id:
        return True
    if user.department_id is not None and has_role(user, Role.DEPARTMENT):
        return complaint.work_orders.filter(department_id=user.department_id).exists()
    return False


def _view_complaint(user: Any, complaint: Any) -> bool:
    return user.has_perm("complaints.view_complaint") and (
        complaint is None or _sees_complaint(user, complaint)
    )


def _change_complaint(user: Any, complaint: Any) -> bool:
    return user.has_perm("complaints.change_complaint") and (
        complaint is None or _sees_complaint(user, complaint)
    )


def _view_contact_details(user: Any, complaint: Any) -> bool:
    if user.has_perm("complaints.view_contact_details"):
        return True
    return complaint is not None and complaint.assignee_id == user.id


def _answer_work_order(user: Any, work_order: Any) -> bool:
    return user.has_perm("complaints.answer_workorder") and (
        work_order is None or work_order.department_id == user.department_id
    )


def _view_dashboard(user: Any, obj: Any) -> bool:
    """Supervisors and administrators see every team; a team lead needs a team to see."""
    if not user.has_perm("complaints.view_dashboard"):
        return False
    return user.has_perm("complaints.view_all_complaints") or user.team_id is not None


def report_team(user: Any) -> int | None:
    """The team whose figures alone ``user`` may see on the board and in reports.

    None means every team (supervisors, administrators: they may filter by team);
    a team lead is confined to ``user.team``. Only meaningful for users who pass
    ``Action.VIEW_DASHBOARD`` (or a report token's user, checked the same way).
    """
    if user.has_perm("complaints.view_all_complaints"):
        return None
    return user.team_id


def _perm(codename: str) -> Callable[[Any, Any], bool]:
    return lambda user, obj: user.has_perm(codename)


_RULES: dict[Action, Callable[[Any, Any], bool]] = {
    Action.VIEW_QUEUE: lambda user, obj: (
        user.has_perm("complaints.view_complaint") and not has_role(user, Role.DEPARTMENT)
    ),
    Action.CREATE_COMPLAINT: _perm("complaints.add_complaint"),
    Action.VIEW_COMPLAINT: _view_complaint,
    Action.CHANGE_COMPLAINT: _change_complaint,
    Action.VIEW_CONTACT_DETAILS: _view_contact_details,
    Action.ANSWER_WORK_ORDER: _answer_work_order,
    Action.VIEW_WORK_ORDERS: lambda user, obj: (
        user.has_perm("complaints.view_workorder")
        and (
            has_role(user, Role.DEPARTMENT, Role.TEAM_LEAD)
            or user.has_perm("complaints.view_all_complaints")
        )
    ),
    Action.VIEW_DASHBOARD: _view_dashboard,
    Action.MANAGE_RULES: _perm("complaints.change_classificationrule"),
    Action.MANAGE_SLA: _perm("complaints.change_slapolicy"),
    Action.VIEW_CALLBACKS: _perm("repair.view_callbackrequest"),
    Action.VIEW_SURVEYS: _perm("surveys.view_questionnaire"),
    Action.VIEW_REPAIR: _perm("repair.view_repaircase"),
    Action.MANAGE_KEY_EVENTS: _perm("repair.add_keyevent"),
    Action.OPEN_REPAIR_CASE: _perm("repair.add_repaircase"),
    Action.MANAGE_STRATEGIES: _perm("repair.change_repairstrategy"),
    Action.MANAGE_PERSONAL_DATA: _perm("complaints.manage_personal_data"),
    Action.MANAGE_WEBHOOKS: _perm("complaints.change_webhooksubscription"),
    Action.USE_ADMIN: lambda user, obj: user.is_staff,
    # Administrators: the roles migration gives their group every complaints permission.
    Action.MANAGE_API_TOKENS: _perm("complaints.add_apitoken"),
}


def can(user: Any, action: Action, obj: Any = None) -> bool:
    """May ``user`` do ``action`` (to ``obj``, when the action is about one)?"""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return _RULES[action](user, obj)


def require(user: Any, action: Action, obj: Any = None) -> None:
    """``can()`` or raise PermissionDenied (403 in pages and API)."""
    if not can(user, action, obj):
        raise PermissionDenied(action.value)
