"""What the surveys API accepts: request bodies and query parameters, checked per field
before any service runs. The services check the answers themselves."""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers

from config.api import DateTimeField
from surveys.selectors import GROUPS

RESULTS_DEFAULT_DAYS = 30
PHONE_MAX_LENGTH = 40  # as complaints.api.inputs: any spelling of a number


class SmsReplyInboundSerializer(serializers.Serializer):
    """A customer's SMS as the gateway delivers it."""

    from_ = serializers.CharField(
        max_length=PHONE_MAX_LENGTH, help_text="The sender's number, in any spelling."
    )
    text = serializers.CharField(
        allow_blank=True,
        trim_whitespace=False,
        help_text='What the customer wrote, e.g. "5", "５", "5分", "非常满意", "1 太慢了"; '
        "kept as written (the first 1000 characters).",
    )
    received_at = DateTimeField(
        required=False, help_text="When the gateway received it; default: now."
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # a Python keyword, so declared under another name
        return {name: fields[name] for name in ("from", "text", "received_at")}


class PhoneSurveySerializer(serializers.Serializer):
    """The answers a customer gave on the phone, to the invitation's questionnaire."""

    answers = serializers.DictField(
        child=serializers.JSONField(),
        allow_empty=False,
        help_text="Question id → value, e.g. "
        '`{"12": 4, "13": "5", "14": ["处理速度"], "16": "很好"}`; the values each question '
        "takes are its `options` in the invitation. Required questions must be answered.",
    )
    comment = serializers.CharField(
        max_length=2000,
        required=False,
        allow_blank=True,
        default="",
        help_text="What else the customer said; default: the open question's answer.",
    )

    def validate_answers(self, answers: dict[str, Any]) -> dict[int, Any]:
        """Keys must be ids of the questionnaire's questions (``context["question_ids"]``)."""
        known = self.context["question_ids"]
        cleaned, errors = {}, {}
        for key, value in answers.items():
            try:
                question_id = int(key)
            except (TypeError, ValueError):
                question_id = None
            if question_id not in known:
                errors[str(key)] = [_("Not a question of this survey.")]
            else:
                cleaned[question_id] = value
        if errors:
            raise serializers.ValidationError(errors)
        return cleaned


class SurveyResultsQuerySerializer(serializers.Serializer):
    since = DateTimeField(
        required=False,
        help_text=f"Responses given from (inclusive); default: {RESULTS_DEFAULT_DAYS} "
        "days before `until`.",
    )
    until = DateTimeField(
        required=False, help_text="Responses given before (exclusive); default: now."
    )
    group_by = serializers.ChoiceField(
        choices=list(GROUPS), required=False, help_text="Also figures per group."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        until = attrs.get("until") or timezone.now()
        since = attrs.get("since") or until - dt.timedelta(days=RESULTS_DEFAULT_DAYS)
        if since >= until:
            raise serializers.ValidationError({"until": [_("Must be after since.")]})
        return {"since": since, "until": until, "group_by": attrs.get("group_by")}
