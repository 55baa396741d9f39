"""Template helpers for complaint pages."""

from django import template

from complaints.access import Action, can
from complaints.phones import mask_phone

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_phone(context, complaint) -> str:
    """The customer's phone, in full only for users who may see contact details."""
    phone = complaint.customer.phone
    if can(context["request"].user, Action.VIEW_CONTACT_DETAILS, complaint):
        return phone or ""
    return mask_phone(phone)


@register.filter
def masked(phone: str | None) -> str:
    return mask_phone(phone)


@register.inclusion_tag("complaints/_sla_badge.html")
def sla_badge(complaint) -> dict:
    """Status badge with a live countdown to the nearest running deadline."""
    from complaints.services.sla import sla_status

    status, due = sla_status(complaint)
    return {"status": status, "due": due}


@register.simple_tag(takes_context=True)
def callback_phone(context, callback) -> str:
    """The number in full for the agent who must dial it and for supervisors; masked otherwise."""
    user = context["request"].user
    if callback.assignee_id == user.pk or user.has_perm("complaints.view_contact_details"):
        return callback.phone
    return mask_phone(callback.phone)


@register.filter
def figure_value(figure) -> str:
    """A board figure as shown: shares as percentages, nothing yet as a dash."""
    from complaints.reports.registry import SHARE

    if figure.value is None:
        return "—"
    if figure.kind == SHARE:
        return f"{figure.value * 100:.1f}%"
    return str(figure.value)
