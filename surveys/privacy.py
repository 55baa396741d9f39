"""The personal data the surveys app holds, for export and anonymisation (see
``complaints.services.privacy``): invitations, answers, comments and SMS replies; and
when it last met a customer, for retention (``complaints.selectors``)."""

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db.models import OuterRef, Q, QuerySet

from complaints.models import Customer
from complaints.services.privacy import Subjects, rows
from surveys.enums import QuestionKind
from surveys.models import SmsReply, SurveyAnswer, SurveyInvitation, SurveyResponse


def export(customer: Customer) -> dict[str, list[dict[str, Any]]]:
    responses = SurveyResponse.objects.filter(customer=customer)
    return {
        "survey_invitations": rows(
            SurveyInvitation.objects.filter(customer=customer).order_by("id")
        ),
        "survey_responses": rows(responses.order_by("id")),
        "survey_answers": rows(SurveyAnswer.objects.filter(response__in=responses).order_by("id")),
        "sms_replies": rows(
            _replies(Subjects([customer.pk], [customer.phone or ""], [])).order_by("id")
        ),
    }


def anonymise(subjects: Subjects) -> int:
    """Scores stay (they are the statistics); what the customer wrote goes."""
    responses = SurveyResponse.objects.filter(customer_id__in=subjects.ids)
    changed = responses.update(comment="")
    changed += SurveyAnswer.objects.filter(
        response__in=responses, question__kind=QuestionKind.OPEN_TEXT
    ).update(value="")
    changed += _replies(subjects).update(phone="", text="")
    return changed


def contacts_since(moment: dt.datetime) -> Iterable[QuerySet]:
    """Invitations made or sent, answers and SMS replies since ``moment``, per customer."""
    return (
        SurveyInvitation.objects.filter(customer=OuterRef("pk")).filter(
            Q(created_at__gte=moment) | Q(sent_at__gte=moment)
        ),
        SurveyResponse.objects.filter(customer=OuterRef("pk"), created_at__gte=moment),
        # By invitation and by number apart: one anti-join each, where an OR across two
        # columns would make PostgreSQL compare every pair of rows.
        SmsReply.objects.filter(invitation__customer=OuterRef("pk"), received_at__gte=moment),
        SmsReply.objects.filter(phone=OuterRef("phone"), received_at__gte=moment),
    )


def _replies(subjects: Subjects):
    return SmsReply.objects.filter(
        Q(invitation__customer_id__in=subjects.ids) | Q(phone__in=[p for p in subjects.phones if p])
    )
