"""Survey pages: the public answer page (no login) and the agents' survey pages."""

from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from complaints.access import Action, require
from complaints.errors import ApplicationError
from complaints.forms import apply_error
from surveys import services
from surveys.forms import SurveyForm
from surveys.models import Questionnaire


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


@login_required
def index(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_SURVEYS)
    questionnaires = Questionnaire.objects.annotate(question_count=Count("questions"))
    return render(
        request,
        "surveys/index.html",
        {"questionnaires": questionnaires, "active_section": "surveys"},
    )
