from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from complaints.access import Action, require
from repair import selectors

PAGE_SIZE = 50


@login_required
def callbacks(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_CALLBACKS)
    page = Paginator(selectors.open_callbacks(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "repair/callbacks.html", {"page": page, "active_section": "callbacks"})


@login_required
def cases(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_REPAIR)
    page = Paginator(selectors.open_repair_cases(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "repair/cases.html", {"page": page, "active_section": "repair"})
