"""Filters of the surveys API lists."""

from django.utils.translation import gettext_lazy as _
from django_filters import rest_framework as django_filters

from complaints.filters import MomentFilter
from surveys.models import SmsReply, SurveyInvitation, SurveyResponse


class SurveyResponseFilter(django_filters.FilterSet):
    low = django_filters.BooleanFilter(
        field_name="is_low", label=_("Low answers only (score 2 or less, or dissatisfied)")
    )
    agent = django_filters.NumberFilter(field_name="agent_id", label=_("Rated agent (user id)"))
    since = MomentFilter(
        field_name="created_at", lookup_expr="gte", label=_("Answered at or after")
    )
    until = MomentFilter(field_name="created_at", lookup_expr="lt", label=_("Answered before"))

    class Meta:
        model = SurveyResponse
        fields = ["low", "agent", "since", "until"]


class SurveyInvitationFilter(django_filters.FilterSet):
    complaint = django_filters.CharFilter(
        field_name="complaint__reference", label=_("Complaint reference, e.g. C-2026-000123")
    )

    class Meta:
        model = SurveyInvitation
        fields = ["state", "complaint"]


class SmsReplyFilter(django_filters.FilterSet):
    parsed = django_filters.BooleanFilter(
        field_name="is_parsed", label=_("false: the replies nobody could read, for agents")
    )

    class Meta:
        model = SmsReply
        fields = ["parsed"]
