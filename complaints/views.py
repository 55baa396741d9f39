"""Agent and supervisor pages. Thin: check access, call a selector or service, render."""

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from complaints import selectors
from complaints.access import Action, require
from complaints.enums import OPEN_STATES, Priority, State

QUEUE_PAGE_SIZE = 50


@login_required
def queue(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_QUEUE)
    view = request.GET.get("view", "team")
    if view not in selectors.QUEUE_VIEWS:
        view = "team"
    page = Paginator(selectors.complaint_queue(request.user, view=view), QUEUE_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "complaints/queue.html",
        {
            "page": page,
            "view": view,
            "counts": selectors.open_complaint_counts(request.user),
            "active_section": "queue",
        },
    )


@login_required
def new_complaint(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.CREATE_COMPLAINT)
    return render(request, "complaints/new.html", {"active_section": "new"})


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_DASHBOARD)
    open_by_priority_state = (
        selectors.visible_complaints(request.user)
        .filter(state__in=OPEN_STATES)
        .values("priority", "state")
        .annotate(total=Count("id"))
        .order_by("priority", "state")
    )
    rows = [
        {
            "priority": Priority(row["priority"]).label,
            "state": State(row["state"]).label,
            "total": row["total"],
        }
        for row in open_by_priority_state
    ]
    return render(
        request, "complaints/dashboard.html", {"rows": rows, "active_section": "dashboard"}
    )
