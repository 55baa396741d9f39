"""Survey pages: the public answer page (no login) and the agents' survey pages."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from complaints.access import Action, require
from complaints.errors import ApplicationError
from complaints.forms import ReportFilterForm, apply_error
from complaints.reports.scope import local_midnight
from config.db_router import replica_reads
from surveys import selectors, services
from surveys.forms import SurveyForm
from surveys.models import Questionnaire, SurveyInvitation


@never_cache
@csrf_protect
def answer(request: HttpRequest, token: str) -> HttpResponse:
    """The customer's survey, mobile-first, in their language; no login."""
    try:
        invitation = services.invitation_from_token(token)
    except services.SurveyLinkError as error:
        return render(
            request, "surveys/public_problem.html", {"message": error.message}, status=error.status
        )
    with translation.override(invitation.customer.language):
        questions = list(invitation.questionnaire.questions.all())
        form = SurveyForm(request.POST or None, questions=questions)
        status = 200
        if request.method == "POST":
            status = 400
            if form.is_valid():
                try:
                    services.record_response(invitation, answers=form.answers(), via="web")
                except services.SurveyLinkError as error:
                    return render(
                        request,
                        "surveys/public_problem.html",
                        {"message": error.message},
                        status=error.status,
                    )
                except ApplicationError as error:
                    apply_error(form, error)
                else:
                    return render(request, "surveys/public_thanks.html", {"invitation": invitation})
        return render(
            request,
            "surveys/public_answer.html",
            {"form": form, "invitation": invitation, "LANGUAGE_CODE": invitation.customer.language},
            status=status,
        )


RESULT_DAYS = (7, 30, 90)


@login_required
@replica_reads()
def index(request: HttpRequest) -> HttpResponse:
    """Results for a period, grouped as asked, with comments and unread SMS replies."""
    require(request.user, Action.VIEW_SURVEYS)
    try:
        days = int(request.GET.get("days", 30))
    except ValueError:
        days = 30
    days = days if days in RESULT_DAYS else 30
    group_by = request.GET.get("group_by", "agent")
    group_by = group_by if group_by in selectors.GROUPS else "agent"
    until = timezone.now()
    since = until - dt.timedelta(days=days)
    # The board's drill-down: given days (centre time) and a team, category or channel.
    narrowed = ReportFilterForm(request.GET)
    about = {}
    if narrowed.is_valid():
        picked = narrowed.cleaned_data
        if picked["since"] and picked["until"]:
            since = local_midnight(picked["since"])
            until = local_midnight(picked["until"] + dt.timedelta(days=1))
            days = None
        about = {
            "team_id": picked["team"].pk if picked["team"] else None,
            "category_code": picked["category"].code if picked["category"] else None,
            "channel": picked["channel"] or None,
        }
    results = selectors.survey_results(since=since, until=until, group_by=group_by, **about)
    return render(
        request,
        "surveys/index.html",
        {
            "results": results,
            "filtered": days is None or any(about.values()),
            "comments": selectors.open_text_answers(since=since, until=until)[:50],
            "unparsed": selectors.unparsed_sms_replies()[:50],
            "awaiting": selectors.awaiting_answer()[:50],
            "questionnaires": Questionnaire.objects.annotate(question_count=Count("questions")),
            "days": days,
            "day_choices": RESULT_DAYS,
            "group_by": group_by,
            "groups": selectors.GROUPS,
            "active_section": "surveys",
        },
    )


@login_required
def phone_survey(request: HttpRequest, pk: int) -> HttpResponse:
    """An agent reads the questionnaire to the customer and records the answers."""
    require(request.user, Action.VIEW_SURVEYS)
    invitation = get_object_or_404(
        SurveyInvitation.objects.select_related("questionnaire", "complaint", "customer"), pk=pk
    )
    questions = list(invitation.questionnaire.questions.all())
    form = SurveyForm(request.POST or None, questions=questions)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                services.record_response(
                    invitation, answers=form.answers(), via="phone", recorded_by=request.user
                )
            except ApplicationError as error:
                apply_error(form, error)
                status = error.status
            else:
                messages.success(request, _("Phone survey recorded."))
                return redirect("surveys:index")
    return render(
        request,
        "surveys/phone_survey.html",
        {"form": form, "invitation": invitation, "active_section": "surveys"},
        status=status,
    )
