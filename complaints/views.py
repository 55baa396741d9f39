"""Agent, department and supervisor pages. Thin: check access, parse, call a service, render."""

import contextlib
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from complaints import forms, selectors, services
from complaints.access import Action, can, report_team, require
from complaints.enums import OPEN_WORK_ORDER_STATES, State
from complaints.errors import ApplicationError
from complaints.filters import page_query, picked_filters
from complaints.lifecycle import Move, allowed_moves
from complaints.models import (
    Attachment,
    ClassificationRule,
    Complaint,
    Customer,
    Notification,
    SlaPolicy,
    WorkOrder,
)
from complaints.phones import normalise_phone
from complaints.reports import exports
from complaints.reports.board import live_board
from complaints.reports.charts import chart_data
from complaints.reports.scope import ReportScope, build_scope
from complaints.reports.trends import trend_report
from complaints.services.queueing import enqueue_after_commit
from config.db_router import replica_reads
from config.health import last_deadline_check
from config.logging import bind_complaint

QUEUE_PAGE_SIZE = 50
# Filters the queue's form shows...
FORM_FILTER_KEYS = (
    "q", "state", "priority", "channel", "category", "team", "received_after", "received_before",
    "overdue", "at_risk",
)  # fmt: skip
# ...and those only the board's drill-down links set (kept as hidden fields).
LINK_FILTER_KEYS = (
    "assignee", "repeat", "breached_after", "breached_before", "closed_after", "closed_before",
    "response_sla", "resolution_sla",
)  # fmt: skip
FILTER_KEYS = FORM_FILTER_KEYS + LINK_FILTER_KEYS
WORK_ORDER_FILTER_KEYS = (
    "department", "team", "category", "channel", "state", "overdue", "dispatched_after",
    "dispatched_before",
)  # fmt: skip


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    if not can(request.user, Action.VIEW_QUEUE) and can(request.user, Action.VIEW_WORK_ORDERS):
        return redirect("complaints:work_orders")  # department users' home
    require(request.user, Action.VIEW_QUEUE)
    view = request.GET.get("view", "team")
    if view not in selectors.QUEUE_VIEWS:
        view = "team"
    filter_form = forms.ComplaintFilterForm(request.GET or None)
    filters = picked_filters(request.GET, FILTER_KEYS)
    complaints = selectors.complaint_queue(request.user, view=view, filters=filters)
    page = Paginator(complaints, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "view": view,
        "counts": selectors.open_complaint_counts(request.user),
        "filter_form": filter_form,
        "link_filters": [
            (key, value) for key in LINK_FILTER_KEYS for value in filters.getlist(key)
        ],
        "query_string": page_query(request.GET),
        "active_section": "queue",
    }
    template = "complaints/_queue_rows.html" if request.htmx else "complaints/queue.html"
    return render(request, template, context)


@login_required
@require_GET
@replica_reads()
def export_complaints(request: HttpRequest) -> HttpResponse:
    """The queue's list, as filtered (the complaints behind a board figure), as CSV or XLSX."""
    require(request.user, Action.VIEW_QUEUE)
    fmt = request.GET.get("format")
    if fmt not in exports.FORMATS:
        raise Http404
    view = request.GET.get("view", "all")
    view = view if view in selectors.QUEUE_VIEWS else "all"
    filters = picked_filters(request.GET, FILTER_KEYS)
    complaints = selectors.complaint_queue(request.user, view=view, filters=filters)
    header, rows = exports.complaints_table(
        complaints, show_contacts=can(request.user, Action.VIEW_CONTACT_DETAILS)
    )
    return exports.respond(fmt, f"complaints-{timezone.localdate()}", header, rows)


@login_required
def new_complaint(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.CREATE_COMPLAINT)
    form = forms.IntakeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        assign_to_me = data.pop("assign_to_me")
        try:
            complaint = services.intake_complaint(
                created_by=request.user,
                assignee=request.user if assign_to_me else None,
                account_number=data.pop("account_number") or None,
                **data,
            )
        except ApplicationError as error:
            forms.apply_error(form, error)
        else:
            messages.success(
                request,
                _("Complaint %(reference)s registered.") % {"reference": complaint.reference},
            )
            return redirect("complaints:detail", pk=complaint.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request, "complaints/new.html", {"form": form, "active_section": "new"}, status=status
    )


@login_required
@require_GET
def customer_lookup(request: HttpRequest) -> HttpResponse:
    """While the agent types the phone: who is this, and what have they complained about?"""
    require(request.user, Action.CREATE_COMPLAINT)
    customer = None
    raw = request.GET.get("phone", "")
    with contextlib.suppress(ApplicationError):  # still typing: show nothing, not an error
        customer = Customer.objects.filter(phone=normalise_phone(raw)).first()
    context = {"customer": customer, "phone_typed": raw.strip()}
    if customer is not None:
        context["history"] = selectors.customer_history(customer)
    return render(request, "complaints/_customer_lookup.html", context)


# --- The complaint page and its actions ----------------------------------------

ACTION_FORMS: dict[str, type] = {
    "assign": forms.AssignForm,
    "start": forms.VersionedForm,
    "dispatch": forms.DispatchForm,
    "wait": forms.OptionalReasonForm,
    "resume": forms.VersionedForm,
    "resolve": forms.ResolveForm,
    "confirm": forms.ConfirmForm,
    "reopen": forms.ReasonForm,
    "cancel": forms.CancelForm,
    "note": forms.NoteForm,
    "contact": forms.ContactForm,
    "reclassify": forms.ReclassifyForm,
}
# Which move of the transition table each action makes (None: not a move).
ACTION_MOVES: dict[str, Move | None] = {
    "assign": Move.ASSIGN,
    "start": Move.START,
    "dispatch": Move.DISPATCH,
    "wait": Move.WAIT_ON_CUSTOMER,
    "resume": Move.RESUME,
    "resolve": Move.RESOLVE,
    "confirm": Move.CONFIRM,
    "reopen": Move.REOPEN,
    "cancel": Move.CANCEL,
    "note": None,
    "contact": None,
    "reclassify": None,
}


def _run_action(action: str, complaint: Complaint, data: dict[str, Any], user) -> Any:
    version = data.pop("version", None)
    calls: dict[str, Callable[[], Any]] = {
        "assign": lambda: services.assign(
            complaint,
            to_user=data["assignee"],
            to_team=data["team"],
            by=user,
            expected_version=version,
        ),
        "start": lambda: services.start_work(complaint, by=user, expected_version=version),
        "dispatch": lambda: services.dispatch_work_order(
            complaint,
            department=data["department"],
            instructions=data["instructions"],
            by=user,
            expected_version=version,
        ),
        "wait": lambda: services.wait_on_customer(
            complaint, reason=data["reason"], by=user, expected_version=version
        ),
        "resume": lambda: services.resume(complaint, by=user, expected_version=version),
        "resolve": lambda: services.propose_resolution(
            complaint,
            summary=data["summary"],
            remedy=data["remedy"],
            by=user,
            expected_version=version,
        ),
        "confirm": lambda: services.confirm_resolution(
            complaint, method=data["method"], note=data["note"], by=user, expected_version=version
        ),
        "reopen": lambda: services.reopen(
            complaint, reason=data["reason"], by=user, expected_version=version
        ),
        "cancel": lambda: services.cancel(
            complaint,
            reason=data["reason"],
            note=data["note"],
            duplicate_of=data["duplicate_of"],
            by=user,
            expected_version=version,
        ),
        "note": lambda: services.add_note(complaint, text=data["text"], by=user),
        "contact": lambda: services.log_contact(
            complaint, channel=data["channel"], outcome=data["outcome"], note=data["note"], by=user
        ),
        "reclassify": lambda: services.override_classification(
            complaint,
            priority=data["priority"] or None,
            category=data["category"],
            reason=data["reason"],
            by=user,
            expected_version=version,
        ),
    }
    return calls[action]()


def _available_actions(user, complaint: Complaint) -> list[str]:
    if not can(user, Action.CHANGE_COMPLAINT, complaint):
        return []
    moves = allowed_moves(complaint.state)
    actions = [name for name, move in ACTION_MOVES.items() if move is not None and move in moves]
    actions.append("note")
    if complaint.state != State.CANCELLED:
        actions.append("contact")
    if complaint.state not in (State.CLOSED, State.CANCELLED):
        actions.append("reclassify")
    return actions


def _render_detail(
    request: HttpRequest,
    complaint: Complaint,
    *,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    actions = _available_actions(request.user, complaint)
    action_forms = {
        name: ACTION_FORMS[name](initial={"version": complaint.version}) for name in actions
    }
    action_forms.update(bound or {})
    context = {
        "complaint": complaint,
        "events": selectors.complaint_timeline(complaint),
        "work_orders": complaint.work_orders.select_related("department", "answered_by"),
        "attachments": complaint.attachments.all(),
        "action_forms": action_forms,
        "attachment_form": bound.get("attachment")
        if bound and "attachment" in bound
        else forms.AttachmentForm(),
        "can_change": can(request.user, Action.CHANGE_COMPLAINT, complaint),
        "may_manage_customer": can(request.user, Action.MANAGE_PERSONAL_DATA),
        # Actions post elsewhere; a stale form's "reload" link comes back here.
        "reload_url": reverse("complaints:detail", args=[complaint.pk]),
        "active_section": "queue",
    }
    return render(request, "complaints/detail.html", context, status=status)


@login_required
def complaint_detail(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_detail(request.user, pk)
    bind_complaint(complaint)
    require(request.user, Action.VIEW_COMPLAINT, complaint)
    return _render_detail(request, complaint)


@login_required
@require_POST
def complaint_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    if action not in ACTION_FORMS:
        raise Http404
    complaint = selectors.complaint_detail(request.user, pk)
    bind_complaint(complaint)
    require(request.user, Action.CHANGE_COMPLAINT, complaint)
    form_class = ACTION_FORMS[action]
    # Cancelling as a duplicate names another complaint: only one the user may see.
    options = {"user": request.user} if form_class is forms.CancelForm else {}
    form = form_class(request.POST, **options)
    if form.is_valid():
        try:
            _run_action(action, complaint, dict(form.cleaned_data), request.user)
        except ApplicationError as error:
            forms.apply_error(form, error)
            complaint.refresh_from_db()
            return _render_detail(request, complaint, bound={action: form}, status=error.status)
        messages.success(request, _("Saved."))
        return redirect("complaints:detail", pk=complaint.pk)
    return _render_detail(request, complaint, bound={action: form}, status=400)


@login_required
@require_POST
def upload_attachment(request: HttpRequest, pk: int) -> HttpResponse:
    complaint = selectors.complaint_detail(request.user, pk)
    bind_complaint(complaint)
    require(request.user, Action.CHANGE_COMPLAINT, complaint)
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_attachment(complaint, upload=form.cleaned_data["file"], by=request.user)
        except ApplicationError as error:
            forms.apply_error(form, error)
            return _render_detail(
                request, complaint, bound={"attachment": form}, status=error.status
            )
        messages.success(request, _("File attached."))
        return redirect("complaints:detail", pk=complaint.pk)
    return _render_detail(request, complaint, bound={"attachment": form}, status=400)


@login_required
@require_GET
def download_attachment(request: HttpRequest, pk: int, attachment_pk: int) -> FileResponse:
    complaint = selectors.complaint_detail(request.user, pk)
    bind_complaint(complaint)
    require(request.user, Action.VIEW_COMPLAINT, complaint)
    attachment = get_object_or_404(Attachment, pk=attachment_pk, complaint=complaint)
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Department pages ------------------------------------------------------------


@login_required
def work_orders(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_WORK_ORDERS)
    filters = picked_filters(request.GET, WORK_ORDER_FILTER_KEYS)
    page = Paginator(
        selectors.work_order_list(request.user, filters=filters), QUEUE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/work_orders.html",
        {
            "page": page,
            "answer_form": forms.AnswerWorkOrderForm(),
            "filtered": bool(filters),
            "page_query": page_query(request.GET),
            "active_section": "work_orders",
        },
    )


@login_required
def work_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    work_order = get_object_or_404(
        WorkOrder.objects.select_related("complaint", "complaint__category", "department"), pk=pk
    )
    if not (
        can(request.user, Action.ANSWER_WORK_ORDER, work_order)
        or can(request.user, Action.VIEW_COMPLAINT, work_order.complaint)
    ):
        raise Http404
    form = forms.AnswerWorkOrderForm(request.POST or None, initial={"version": work_order.version})
    status = 200
    if request.method == "POST":
        require(request.user, Action.ANSWER_WORK_ORDER, work_order)
        status = 400
        if form.is_valid():
            try:
                services.answer_work_order(
                    work_order,
                    answer=form.cleaned_data["answer"],
                    by=request.user,
                    expected_version=form.cleaned_data["version"],
                )
            except ApplicationError as error:
                forms.apply_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Answer sent."))
                return redirect("complaints:work_orders")
    return render(
        request,
        "complaints/work_order_detail.html",
        {
            "work_order": work_order,
            "form": form,
            "can_answer": can(request.user, Action.ANSWER_WORK_ORDER, work_order)
            and work_order.state in OPEN_WORK_ORDER_STATES,
            "active_section": "work_orders",
        },
        status=status,
    )


def _report_scope(request: HttpRequest) -> tuple[forms.ReportFilterForm, ReportScope]:
    """The filters the user picked (errors beside the fields), as a scope they may see."""
    confined = report_team(request.user)
    asked = request.GET.get("team")
    if confined is not None and asked and asked != str(confined):
        # The form would quietly show the lead's own team; say plainly it is not theirs.
        raise PermissionDenied("another team")
    form = forms.ReportFilterForm(request.GET or None, confined_team=confined)
    picked: dict[str, Any] = {}
    if form.is_bound and form.is_valid():
        picked = {key: value for key, value in form.cleaned_data.items() if value}
    try:
        scope = build_scope(request.user, **picked)
    except ApplicationError as error:
        forms.apply_error(form, error)
        picked = {key: picked[key] for key in ("team", "category", "channel") if key in picked}
        scope = build_scope(request.user, **picked)
    return form, scope


@login_required
@require_GET
@replica_reads()
def dashboard(request: HttpRequest) -> HttpResponse:
    """The live board; htmx asks for the board alone every 30 seconds."""
    require(request.user, Action.VIEW_DASHBOARD)
    form, scope = _report_scope(request)
    context = {
        "form": form,
        "scope": scope,
        "panels": live_board(scope),
        "deadline_check": last_deadline_check(),
        "query": urlencode(scope.list_params()),
        "active_section": "dashboard",
    }
    template = "complaints/_board.html" if request.htmx else "complaints/dashboard.html"
    return render(request, template, context)


@login_required
@require_GET
@replica_reads()
def dashboard_trends(request: HttpRequest) -> HttpResponse:
    """Trends over a period from the roll-ups: charts, and the figures behind each point."""
    require(request.user, Action.VIEW_DASHBOARD)
    form, scope = _report_scope(request)
    grain = "week" if request.GET.get("grain") == "week" else "day"
    report = trend_report(scope)
    return render(
        request,
        "complaints/trends.html",
        {
            "form": form,
            "scope": scope,
            "report": report,
            "grain": grain,
            "charts": chart_data(report, grain=grain),
            "query": urlencode(scope.query()),
            "active_section": "dashboard",
        },
    )


REPORT_EXPORTS = ("board", "trends", "breakdowns")


@login_required
@require_GET
@replica_reads()
def dashboard_export(request: HttpRequest) -> HttpResponse:
    """Any report as CSV or XLSX: ``report`` board, trends (``grain`` day or week), breakdowns."""
    require(request.user, Action.VIEW_DASHBOARD)
    report, fmt = request.GET.get("report"), request.GET.get("format")
    if report not in REPORT_EXPORTS or fmt not in exports.FORMATS:
        raise Http404
    _form, scope = _report_scope(request)
    if report == "board":
        header, rows = exports.board_table(live_board(scope))
        name = f"board-{scope.today}"
    elif report == "trends":
        grain = "week" if request.GET.get("grain") == "week" else "day"
        header, rows = exports.trends_table(trend_report(scope), grain=grain)
        name = f"trends-{scope.since}-{scope.until}"
    else:
        header, rows = exports.breakdowns_table(trend_report(scope))
        name = f"breakdowns-{scope.since}-{scope.until}"
    return exports.respond(fmt, name, header, rows)


# --- Classification rules (supervisors) --------------------------------------------


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_RULES)
    page = Paginator(selectors.classification_rules(request.GET), 100).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "complaints/rules.html",
        {"page": page, "query": request.GET.get("q", ""), "active_section": "rules"},
    )


def edit_settings_object(
    request: HttpRequest,
    *,
    instance: Any,
    form_class: type,
    save: Callable[..., Any],
    template: str,
    done_url: str,
    done_message: str,
    section: str,
) -> HttpResponse:
    """Create or edit a configuration object (rule, SLA policy, repair strategy) by its service.

    Shared by the apps' settings pages so that each shows a service's refusal beside the
    field. The form carries the version the supervisor opened, so that an edit saved by
    someone else meanwhile is reported (reload), not overwritten.
    """
    initial = {"version": instance.version} if instance is not None else None
    form = form_class(request.POST or None, instance=instance, initial=initial)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                save(instance, data=data, by=request.user, expected_version=version)
            except ApplicationError as error:
                forms.apply_error(form, error)
                status = error.status
            else:
                messages.success(request, done_message)
                return redirect(done_url)
    return render(
        request,
        template,
        {"form": form, "object": instance, "active_section": section},
        status=status,
    )


@login_required
def rule_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, Action.MANAGE_RULES)
    return edit_settings_object(
        request,
        instance=get_object_or_404(ClassificationRule, pk=pk) if pk is not None else None,
        form_class=forms.RuleForm,
        save=services.save_rule,
        template="complaints/rule_form.html",
        done_url="complaints:rules",
        done_message=_("Rule saved."),
        section="rules",
    )


# --- SLA policies (supervisors) and notifications ------------------------------------


@login_required
def sla_policies(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_SLA)
    if request.method == "POST" and request.POST.get("recalculate"):
        from complaints.tasks import recalculate_sla_task

        enqueue_after_commit(recalculate_sla_task, request.user.pk)
        messages.success(
            request,
            _("Recalculation started: open complaints get the current policies' due times."),
        )
        return redirect("complaints:sla_policies")
    policies = SlaPolicy.objects.select_related("category").order_by(
        "applies_to", "priority", "category__code", "customer_tier"
    )
    return render(
        request, "complaints/sla_policies.html", {"policies": policies, "active_section": "sla"}
    )


@login_required
def sla_policy_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, Action.MANAGE_SLA)
    return edit_settings_object(
        request,
        instance=get_object_or_404(SlaPolicy, pk=pk) if pk is not None else None,
        form_class=forms.SlaPolicyForm,
        save=services.save_policy,
        template="complaints/sla_policy_form.html",
        done_url="complaints:sla_policies",
        done_message=_("Policy saved; it applies to new clocks."),
        section="sla",
    )


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        services.mark_notifications_read(request.user)
        return redirect("complaints:notifications")
    page = Paginator(
        Notification.objects.filter(recipient=request.user).select_related("complaint"), 50
    ).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/notifications.html",
        {"page": page, "active_section": "notifications"},
    )
