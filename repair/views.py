"""Callback and repair pages. Thin: check access, parse, call a service, render."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from complaints.access import Action, can, require
from complaints.errors import ApplicationError
from complaints.filters import page_query, picked_filters
from complaints.forms import apply_error, posted_version
from complaints.services.customers import get_or_create_customer
from complaints.views import edit_settings_object
from config.db_router import replica_reads
from repair import selectors
from repair.forms import (
    AttemptForm,
    BookCallbackForm,
    CloseCaseForm,
    KeyEventForm,
    OpenCaseForm,
    RepairContactForm,
    StrategyForm,
    UploadAffectedForm,
)
from repair.models import CallbackAgent, CallbackRequest, KeyEvent, RepairStrategy
from repair.services import callbacks, strategies
from repair.services import cases as cases_service
from repair.services import key_events as key_events_service

PAGE_SIZE = 50
REPORT_DAYS = (7, 30, 90)
# The queue's filters from the query string (the board's drill-down links use them).
CALLBACK_FILTER_KEYS = (
    "state", "team", "category", "channel", "overdue", "requested_after", "requested_before",
)  # fmt: skip
CASE_FILTER_KEYS = ("state", "team", "category", "channel", "overdue", "damage_type")


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
    filters = picked_filters(request.GET, CALLBACK_FILTER_KEYS)
    page = Paginator(
        selectors.callback_queue(request.user, view=view, filters=filters), PAGE_SIZE
    ).get_page(request.GET.get("page"))
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
            "filtered": bool(filters),
            "page_query": page_query(request.GET),
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
        callbacks.claim(booking, agent=request.user, expected_version=posted_version(request.POST))
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
    data = dict(form.cleaned_data)
    try:
        callbacks.log_attempt(
            booking, agent=request.user, expected_version=data.pop("version"), **data
        )
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
@replica_reads()
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
    """My repairs (or the team's, or all I may see), with the centre's repair figures."""
    require(request.user, Action.VIEW_REPAIR)
    view = request.GET.get("view", "mine")
    view = view if view in selectors.REPAIR_VIEWS else "mine"
    filters = picked_filters(request.GET, CASE_FILTER_KEYS)
    cases = selectors.repair_queue(request.user, view=view, filters=filters, request=request)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    until = timezone.now()
    metrics = selectors.repair_metrics(since=until - dt.timedelta(days=30), until=until)
    return render(
        request,
        "repair/cases.html",
        {
            "page": page,
            "view": view,
            "metrics": metrics,
            "may_open": can(request.user, Action.OPEN_REPAIR_CASE),
            "may_edit_strategies": can(request.user, Action.MANAGE_STRATEGIES),
            "filtered": bool(filters),
            "page_query": page_query(request.GET),
            "active_section": "repair",
        },
    )


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The case with the strategies that fit it, their scripts filled in, contacts, closing."""
    require(request.user, Action.VIEW_REPAIR)
    case = get_object_or_404(
        selectors.visible_repair_cases(request.user).select_related(
            "customer",
            "complaint",
            "owner",
            "team",
            "source_response",
            "strategy",
            "follow_up_invitation__response",
        ),
        pk=pk,
    )
    # Each form carries the version the agent opened: a change saved meanwhile by
    # someone else is reported (reload), not overwritten.
    seen = {"version": case.version}
    forms_by_action = {
        "contact": RepairContactForm(initial=seen),
        "close": CloseCaseForm(initial=seen),
    }
    status = 200
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "take":
                cases_service.take_case(
                    case, agent=request.user, expected_version=posted_version(request.POST)
                )
                return redirect("repair:case", pk=case.pk)
            form_class = {"contact": RepairContactForm, "close": CloseCaseForm}.get(action)
            if form_class is None:
                raise Http404
            form = form_class(request.POST)
            forms_by_action[action] = form
            status = 400
            if form.is_valid():
                data = dict(form.cleaned_data)
                version = data.pop("version")
                if action == "contact":
                    cases_service.log_repair_contact(
                        case, agent=request.user, expected_version=version, **data
                    )
                else:
                    cases_service.close_case(
                        case, by=request.user, expected_version=version, **data
                    )
                messages.success(request, _("Saved."))
                return redirect("repair:case", pk=case.pk)
        except ApplicationError as error:
            form = forms_by_action.get(action)
            if form is not None:
                apply_error(form, error)
            else:
                messages.error(request, error.message)
            status = error.status
            case.refresh_from_db()
    scripts = [
        (strategy, cases_service.render_script(strategy, case))
        for strategy in cases_service.strategies_for(case)
    ]
    return render(
        request,
        "repair/case_detail.html",
        {
            "case": case,
            "scripts": scripts,
            "contacts": case.contacts.select_related("agent"),
            "contact_form": forms_by_action["contact"],
            "close_form": forms_by_action["close"],
            "active_section": "repair",
        },
        status=status,
    )


@login_required
def open_case(request: HttpRequest) -> HttpResponse:
    """A supervisor opens a case by hand: the customer by phone, found or created."""
    require(request.user, Action.OPEN_REPAIR_CASE)
    form = OpenCaseForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                with transaction.atomic():
                    customer, _created = get_or_create_customer(
                        phone=data["phone"], name=data["customer_name"]
                    )
                    case, created = cases_service.open_case_by_hand(
                        customer=customer,
                        damage_type=data["damage_type"],
                        complaint=data["complaint"],
                        reason=data["reason"],
                        by=request.user,
                    )
            except ApplicationError as error:
                apply_error(form, error)
            else:
                if created:
                    messages.success(request, _("Repair case opened."))
                else:
                    messages.info(
                        request,
                        _("This customer already has an open case of this kind: here it is."),
                    )
                return redirect("repair:case", pk=case.pk)
    return render(
        request, "repair/open_case.html", {"form": form, "active_section": "repair"}, status=status
    )


# --- Strategy library (supervisors) ----------------------------------------------------


@login_required
def strategy_library(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_STRATEGIES)
    return render(
        request,
        "repair/strategies.html",
        {
            "strategies": RepairStrategy.objects.order_by("-is_active", "line", "name"),
            "active_section": "repair",
        },
    )


@login_required
def strategy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, Action.MANAGE_STRATEGIES)
    return edit_settings_object(
        request,
        instance=get_object_or_404(RepairStrategy, pk=pk) if pk is not None else None,
        form_class=StrategyForm,
        save=strategies.save_strategy,
        template="repair/strategy_form.html",
        done_url="repair:strategies",
        done_message=_("Strategy saved; cases show its script from now on."),
        section="repair",
    )


# --- Key events (mass incidents) ------------------------------------------------------


@login_required
def key_events(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_REPAIR)
    form = KeyEventForm(request.POST or None)
    status = 200
    if request.method == "POST":
        require(request.user, Action.MANAGE_KEY_EVENTS)
        status = 400
        if form.is_valid():
            event = key_events_service.create_event(data=form.cleaned_data, by=request.user)
            return redirect("repair:key_event", pk=event.pk)
    return render(
        request,
        "repair/key_events.html",
        {
            "events": KeyEvent.objects.all()[:100],
            "form": form,
            "active_section": "repair",
        },
        status=status,
    )


@login_required
def key_event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.VIEW_REPAIR)
    event = get_object_or_404(KeyEvent, pk=pk)
    # No version check here: the import itself moves the event on while the page
    # polls its progress, and a second upload during an import is refused anyway (busy).
    form = UploadAffectedForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and request.POST.get("action") == "sample":
        require(request.user, Action.MANAGE_KEY_EVENTS)
        try:
            drawn = key_events_service.draw_follow_up_sample(event)
        except ApplicationError as error:  # e.g. a page left open from before an upload
            messages.error(request, error.message)
        else:
            messages.success(
                request,
                _("%(count)s customers invited to the follow-up survey.") % {"count": drawn},
            )
        return redirect("repair:key_event", pk=event.pk)
    if request.method == "POST":
        require(request.user, Action.MANAGE_KEY_EVENTS)
        status = 400
        if form.is_valid():
            try:
                key_events_service.attach_file(event, upload=form.cleaned_data["file"])
            except ApplicationError as error:
                apply_error(form, error)
                status = error.status
            else:
                return redirect("repair:key_event", pk=event.pk)
    context = {
        "event": event,
        "form": form,
        "report": key_events_service.event_report(event),
        "active_section": "repair",
    }
    if request.htmx:
        return render(request, "repair/_key_event_progress.html", context)
    return render(request, "repair/key_event.html", context, status=status)


@login_required
def key_event_errors(request: HttpRequest, pk: int) -> FileResponse:
    require(request.user, Action.VIEW_REPAIR)
    event = get_object_or_404(KeyEvent, pk=pk)
    if not event.errors_file:
        raise Http404
    return FileResponse(
        event.errors_file.open("rb"),
        as_attachment=True,
        filename=f"key-event-{event.pk}-skipped.csv",
        content_type="text/csv",
    )
