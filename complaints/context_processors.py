"""Navigation shown in the base layout: only the sections the user may open."""

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from complaints.access import Action, can
from complaints.models import Notification

_SECTIONS = (
    ("queue", _("Queue"), "complaints:queue", Action.VIEW_QUEUE),
    ("new", _("New complaint"), "complaints:new", Action.CREATE_COMPLAINT),
    ("work_orders", _("Work orders"), "complaints:work_orders", Action.VIEW_WORK_ORDERS),
    ("callbacks", _("Callbacks"), "repair:callbacks", Action.VIEW_CALLBACKS),
    ("surveys", _("Surveys"), "surveys:index", Action.VIEW_SURVEYS),
    ("repair", _("Repair"), "repair:cases", Action.VIEW_REPAIR),
    ("dashboard", _("Dashboard"), "complaints:dashboard", Action.VIEW_DASHBOARD),
    ("rules", _("Rules"), "complaints:rules", Action.MANAGE_RULES),
    ("sla", _("SLA"), "complaints:sla_policies", Action.MANAGE_SLA),
    ("api_tokens", _("API tokens"), "complaints:api_tokens", Action.MANAGE_API_TOKENS),
    ("webhooks", _("Webhooks"), "complaints:webhooks", Action.MANAGE_WEBHOOKS),
)


def navigation(request: Any) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_sections": []}
    return {
        "nav_sections": [
            {"key": key, "label": label, "url": reverse(url_name)}
            for key, label, url_name, action in _SECTIONS
            if can(user, action)
        ],
        "can_use_admin": can(user, Action.USE_ADMIN),
        "unread_notifications": Notification.objects.filter(
            recipient=user, read_at__isnull=True
        ).count(),
    }
