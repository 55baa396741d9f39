from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from complaints.access import Action, require
from surveys.models import Questionnaire


@login_required
def index(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_SURVEYS)
    questionnaires = Questionnaire.objects.annotate(question_count=Count("questions"))
    return render(
        request,
        "surveys/index.html",
        {"questionnaires": questionnaires, "active_section": "surveys"},
    )
