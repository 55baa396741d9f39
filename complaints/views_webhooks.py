"""Administrators' webhook pages: subscriptions, their deliveries and attempts.

Thin like ``complaints.views``: check access, parse the form, call one service in
``complaints.services.webhooks``, render. The API has the same operations
(``complaints.api.webhooks``).
"""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints import forms, selectors
from complaints.access import Action, require
from complaints.errors import ApplicationError
from complaints.models import WebhookSubscription
from complaints.services import webhooks
from complaints.services.webhooks.privacy import record_payload_disclosures

SECTION = "webhooks"
# Deliveries on a subscription's page; older ones are in the API (cursor-paged).
RECENT_DELIVERIES = 50


@login_required
def subscriptions(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_WEBHOOKS)
    return render(
        request,
        "complaints/webhooks.html",
        {"subscriptions": selectors.webhook_subscriptions(), "active_section": SECTION},
    )


@login_required
def subscription_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """New subscription (then its secret, shown once) or an edit of one."""
    require(request.user, Action.MANAGE_WEBHOOKS)
    subscription = get_object_or_404(WebhookSubscription, pk=pk) if pk is not None else None
    initial = (
        {
            "name": subscription.name,
            "url": subscription.url,
            "events": subscription.events,
            "include_contact_details": subscription.include_contact_details,
        }
        if subscription
        else {}
    )
    form = forms.WebhookSubscriptionForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                if subscription is None:
                    created, secret = webhooks.create_subscription(
                        **form.cleaned_data, by=request.user
                    )
                    return _show_secret(request, created, secret)
                webhooks.update_subscription(
                    subscription, changes=form.cleaned_data, by=request.user
                )
            except ApplicationError as error:
                forms.apply_error(form, error)
            else:
                messages.success(request, _("Subscription saved."))
                return redirect("complaints:webhook", subscription.pk)
    return render(
        request,
        "complaints/webhook_form.html",
        {"form": form, "object": subscription, "active_section": SECTION},
        status=status,
    )


def _show_secret(request: HttpRequest, subscription: WebhookSubscription, secret: str):
    """The one time the secret is shown: rendered in the answer, never stored in a message."""
    return render(
        request,
        "complaints/webhook_secret.html",
        {"subscription": subscription, "secret": secret, "active_section": SECTION},
    )


@login_required
def subscription_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_WEBHOOKS)
    subscription = get_object_or_404(selectors.webhook_subscriptions(), pk=pk)
    deliveries = selectors.webhook_deliveries(filters={"subscription": pk})[:RECENT_DELIVERIES]
    return render(
        request,
        "complaints/webhook_detail.html",
        {"subscription": subscription, "deliveries": deliveries, "active_section": SECTION},
    )


@login_required
@require_POST
def subscription_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Ping, rotate the secret, enable, disable or delete."""
    require(request.user, Action.MANAGE_WEBHOOKS)
    subscription = get_object_or_404(WebhookSubscription, pk=pk)
    try:
        if action == "ping":
            delivery = webhooks.send_ping(subscription, by=request.user)
            messages.success(request, _("Ping queued."))
            return redirect("complaints:webhook_delivery", delivery.pk)
        if action == "rotate":
            rotated, secret = webhooks.rotate_secret(subscription, by=request.user)
            return _show_secret(request, rotated, secret)
        if action in ("enable", "disable"):
            changes = {"is_active": action == "enable"}
            webhooks.update_subscription(subscription, changes=changes, by=request.user)
            messages.success(request, _("Subscription saved."))
        elif action == "delete":
            webhooks.delete_subscription(subscription, by=request.user)
            messages.success(request, _("Subscription deleted."))
            return redirect("complaints:webhooks")
        else:
            return HttpResponse(status=404)
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("complaints:webhook", subscription.pk)


@login_required
def delivery_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A delivery's data and attempts; POST delivers it again."""
    require(request.user, Action.MANAGE_WEBHOOKS)
    delivery = selectors.webhook_delivery(pk)
    if request.method == "POST":
        try:
            again = webhooks.redeliver(delivery, by=request.user)
        except ApplicationError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Delivery queued again."))
            return redirect("complaints:webhook_delivery", again.pk)
    record_payload_disclosures(request, delivery)
    return render(
        request,
        "complaints/webhook_delivery.html",
        {
            "delivery": delivery,
            "payload": json.dumps(delivery.payload, ensure_ascii=False, indent=2),
            "active_section": SECTION,
        },
    )
