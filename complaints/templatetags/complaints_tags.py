"""Template helpers for complaint pages."""

from django import template

from complaints.access import Action, can
from complaints.phones import mask_email, mask_phone
from complaints.services.audit import reveal_or_mask

register = template.Library()


@register.simple_tag(takes_context=True)
def customer_phone(context, complaint) -> str:
    """The customer's phone, in full (and audited) only for users who may see contact details."""
    request = context["request"]
    return reveal_or_mask(
        request,
        complaint.customer.phone,
        full=can(request.user, Action.VIEW_CONTACT_DETAILS, complaint),
        customer_id=complaint.customer_id,
        about=complaint,
    )


@register.simple_tag(takes_context=True)
def customer_email(context, complaint) -> str:
    """The customer's email, like ``customer_phone``."""
    request = context["request"]
    return reveal_or_mask(
        request,
        complaint.customer.email,
        full=can(request.user, Action.VIEW_CONTACT_DETAILS, complaint),
        customer_id=complaint.customer_id,
        about=complaint,
        mask=mask_email,
    )


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
    """The number in full (audited) for the agent who must dial it and for supervisors."""
    request = context["request"]
    user = request.user
    return reveal_or_mask(
        request,
        callback.phone,
        full=callback.assignee_id == user.pk or user.has_perm("complaints.view_contact_details"),
        customer_id=callback.customer_id,
        about=callback,
    )


@register.filter
def figure_value(figure) -> str:
    """A board figure as shown: shares as percentages, nothing yet as a dash."""
    from complaints.reports.registry import SHARE

    if figure.value is None:
        return "—"
    if figure.kind == SHARE:
        return f"{figure.value * 100:.1f}%"
    return str(figure.value)
