"""Reads and helpers the API needs that belong in the core; kept here until they move.

``visible_work_orders`` belongs in ``complaints.selectors`` (next to
``department_work_orders``) and ``mask_email`` in ``complaints.phones`` (next
to ``mask_phone``). They live in the API package only because the API may not
change those modules; move them when their owners agree, and import them from
there.
"""

from typing import Any

from django.db.models import QuerySet

from complaints import selectors
from complaints.access import has_role
from complaints.enums import Role
from complaints.models import WorkOrder

# Related rows every work order representation shows; joined so that a page of
# work orders costs the same number of queries whatever its size.
WORK_ORDER_RELATED = ("complaint", "department", "created_by", "answered_by")


def visible_work_orders(user: Any) -> QuerySet[WorkOrder]:
    """The work orders ``user`` may see, in every state, oldest first.

    Supervisors see all; department users their department's (the department
    queue); everyone else the work orders of the complaints they may see, so an
    agent follows what was dispatched from their team's complaints.
    """
    if user.has_perm("complaints.view_all_complaints") or has_role(user, Role.DEPARTMENT):
        queryset = selectors.department_work_orders(user, open_only=False)
    else:
        visible = selectors.visible_complaints(user).values("id")
        queryset = WorkOrder.objects.filter(complaint_id__in=visible).order_by("created_at", "id")
    return queryset.select_related(*WORK_ORDER_RELATED)


def mask_email(email: str | None) -> str:
    """``wang.wei@example.com`` → ``w***@example.com``: enough to recognise, not to write to."""
    if not email:
        return ""
    local, at, domain = email.partition("@")
    return f"{local[:1]}***{at}{domain}"
