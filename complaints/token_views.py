"""Administrators' pages for integration API tokens: list, issue (shown once), revoke."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from complaints import forms, services
from complaints.access import Action, require
from complaints.errors import ApplicationError
from complaints.models import ApiToken
from complaints.services.tokens import SCOPES

PAGE_SIZE = 50


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_API_TOKENS)
    tokens = ApiToken.objects.select_related("user", "created_by").order_by("-created_at", "-id")
    page = Paginator(tokens, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "complaints/api_tokens.html",
        {"page": page, "now": timezone.now(), "scopes": SCOPES, "active_section": "api_tokens"},
    )


@login_required
def api_token_new(request: HttpRequest) -> HttpResponse:
    """Issue a token. The raw value is in this one response and nowhere else, ever."""
    require(request.user, Action.MANAGE_API_TOKENS)
    form = forms.ApiTokenForm(request.POST or None)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                token, raw = services.issue_api_token(created_by=request.user, **form.cleaned_data)
            except ApplicationError as error:
                forms.apply_error(form, error)
            else:
                response = render(
                    request,
                    "complaints/api_token_created.html",
                    {"token": token, "raw": raw, "active_section": "api_tokens"},
                    status=201,
                )
                response["Cache-Control"] = "no-store"  # the raw token stays out of caches
                return response
    return render(
        request,
        "complaints/api_token_form.html",
        {"form": form, "active_section": "api_tokens"},
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    """GET asks to confirm (no script needed, so nothing is revoked by a stray click)."""
    require(request.user, Action.MANAGE_API_TOKENS)
    token = get_object_or_404(ApiToken.objects.select_related("user"), pk=pk)
    if request.method == "GET":
        return render(
            request,
            "complaints/api_token_revoke.html",
            {"token": token, "active_section": "api_tokens"},
        )
    token = services.revoke_api_token(token, by=request.user)
    messages.success(
        request,
        _("Token %(name)s (%(prefix)s) revoked: it is refused from now on.")
        % {"name": token.name, "prefix": token.prefix},
    )
    return redirect("complaints:api_tokens")
