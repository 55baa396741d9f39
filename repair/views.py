"""Callback and repair pages. Thin: check access, parse, call a service, render."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.access import Action, require
from complaints.errors import ApplicationError
from complaints.forms import apply_error
from repair import selectors
from repair.forms import AttemptForm, BookCallbackForm
from repair.models import CallbackAgent, CallbackRequest
from repair.services import callbacks

PAGE_SIZE = 50
REPORT_DAYS = (7, 30, 90)


@login_required
def callback_queue(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_CALLBACKS)
    view = request.GET.get("view", "all")
    if view not in selectors.CALLBACK_VIEWS:
        view = "all"
    form = BookCallbackForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                booking, created = callbacks.book_callback(by=request.user, **form.cleaned_data)
            except ApplicationError as error:
                apply_error(form, error)
            else:
                if created:
                    messages.success(request, _("Callback booked."))
                else:
                    messages.info(request, _("This number already had a booking: joined it."))
                return redirect("repair:callbacks")
    page = Paginator(selectors.callback_queue(request.user, view=view), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    available = CallbackAgent.objects.filter(user=request.user, is_available=True).exists()
    return render(
        request,
        "repair/callbacks.html",
        {
            "page": page,
            "view": view,
            "form": form,
            "attempt_form": AttemptForm(),
            "available": available,
            "active_section": "callbacks",
        },
        status=status,
    )


@login_required
@require_POST
def availability(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_CALLBACKS)
    callbacks.set_availability(request.user, available=request.POST.get("available") == "1")
    return redirect("repair:callbacks")


@login_required
@require_POST
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.VIEW_CALLBACKS)
    booking = get_object_or_404(CallbackRequest, pk=pk)
    try:
        callbacks.claim(booking, agent=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("repair:callbacks")


@login_required
@require_POST
def attempt(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.VIEW_CALLBACKS)
    booking = get_object_or_404(CallbackRequest, pk=pk)
    form = AttemptForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the outcome of the call."))
        return redirect("repair:callbacks")
    try:
        callbacks.log_attempt(booking, agent=request.user, **form.cleaned_data)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        booking.refresh_from_db()
        messages.success(
            request,
            _("%(phone)s: %(state)s.")
            % {"phone": booking.phone, "state": booking.get_state_display()},
        )
    return redirect("repair:callbacks")


@login_required
def callback_report(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_CALLBACKS)
    try:
        days = int(request.GET.get("days", 7))
    except ValueError:
        days = 7
    days = days if days in REPORT_DAYS else 7
    until = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    until += dt.timedelta(days=1)
    report = callbacks.report(since=until - dt.timedelta(days=days), until=until)
    return render(
        request,
        "repair/callback_report.html",
        {
            "report": report,
            "days": days,
            "choices": REPORT_DAYS,
            "chart": {
                "labels": [f"{row['hour']:02d}" for row in report["hours"]],
                "bookings": [row["per_day"] for row in report["hours"]],
                "agents": [row["agents_needed"] for row in report["hours"]],
            },
            "active_section": "callbacks",
        },
    )


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_REPAIR)
    page = Paginator(selectors.open_repair_cases(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "repair/cases.html", {"page": page, "active_section": "repair"})
