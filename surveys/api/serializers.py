"""What the surveys API answers with: responses and their answers, invitations with their
questionnaire's questions, SMS replies, and the results figures.

Request bodies and query parameters are in ``surveys.api.inputs``. Contact details
are masked here, per caller, by the rules of ``complaints.access``.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.access import Action, can
from complaints.api.serializers import ComplaintRefSerializer, TeamRefSerializer, UserRefSerializer
from complaints.services.audit import reveal_or_mask
from surveys.enums import QuestionKind
from surveys.models import (
    Question,
    Questionnaire,
    SmsReply,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
)
from surveys.selectors import GROUPS

QUESTION_KINDS = ", ".join(f"`{kind}`" for kind in QuestionKind.values)


def _user(serializer: serializers.Serializer) -> Any:
    return serializer.context["request"].user


# --- Questionnaires ----------------------------------------------------------------


class SurveyOptionSerializer(serializers.Serializer):
    value = serializers.JSONField(
        read_only=True, help_text="What to send as the answer: an integer or a string."
    )
    label = serializers.CharField(read_only=True, help_text="What the customer hears or reads.")


class SurveyQuestionSerializer(serializers.ModelSerializer):
    """A question and the answers it takes."""

    # A plain string, not an enum: ``kind`` is already the timeline events' enum.
    kind = serializers.CharField(read_only=True, help_text=f"One of {QUESTION_KINDS}.")
    options = serializers.SerializerMethodField()

    class Meta:
        model = Question
        fields = ["id", "position", "kind", "text", "required", "options"]
        read_only_fields = fields

    @extend_schema_field(
        SurveyOptionSerializer(
            many=True,
            help_text="The values the question accepts: 1–5 for `score`, 0–10 for "
            '`recommend`, the levels "5" (very satisfied) to "1" (very dissatisfied) for '
            "`satisfaction`, the choices themselves for `multiple_choice` (send a list); "
            "empty for `open_text` (send text).",
        )
    )
    def get_options(self, question: Question) -> list[dict[str, Any]]:
        if question.kind == QuestionKind.SCORE:
            return [{"value": n, "label": str(n)} for n in range(1, 6)]
        if question.kind == QuestionKind.RECOMMEND:
            return [{"value": n, "label": str(n)} for n in range(0, 11)]
        if question.kind == QuestionKind.SATISFACTION:
            labels = question.choices or ["5", "4", "3", "2", "1"]
            return [{"value": str(5 - i), "label": label} for i, label in enumerate(labels[:5])]
        if question.kind == QuestionKind.MULTIPLE_CHOICE:
            return [{"value": choice, "label": choice} for choice in question.choices]
        return []


class QuestionnaireRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Questionnaire
        fields = ["id", "name", "language"]
        read_only_fields = fields


# --- Invitations -------------------------------------------------------------------


class SurveyCustomerSerializer(serializers.Serializer):
    """The customer asked; the phone is masked unless the caller may see contact details."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    phone = serializers.CharField(
        read_only=True,
        help_text="E.164 for supervisors and the complaint's assignee, masked for others.",
    )


class SurveyInvitationSerializer(serializers.ModelSerializer):
    """One customer asked about one closed complaint."""

    complaint = ComplaintRefSerializer(read_only=True, allow_null=True)
    customer = serializers.SerializerMethodField()
    questionnaire = QuestionnaireRefSerializer(read_only=True)
    rated_agent = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = SurveyInvitation
        fields = [
            "id",
            "complaint",
            "customer",
            "questionnaire",
            "channel",
            "state",
            "rated_agent",
            "send_after",
            "sent_at",
            "expires_at",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "channel": {"help_text": "How the invitation was (or will be) sent."},
            "expires_at": {"help_text": "When the survey link stops working; null until sent."},
        }

    @extend_schema_field(SurveyCustomerSerializer)
    def get_customer(self, invitation: SurveyInvitation) -> dict[str, Any]:
        customer = invitation.customer
        return {
            "id": customer.pk,
            "name": customer.name,
            "phone": reveal_or_mask(
                self.context["request"],
                customer.phone,
                full=can(_user(self), Action.VIEW_CONTACT_DETAILS, invitation.complaint),
                customer_id=customer.pk,
                about=invitation,
            ),
        }


class SurveyInvitationDetailSerializer(SurveyInvitationSerializer):
    """One invitation with its questionnaire's questions, for a phone survey."""

    questions = SurveyQuestionSerializer(
        source="questionnaire.questions", many=True, read_only=True, help_text="In order."
    )

    class Meta(SurveyInvitationSerializer.Meta):
        fields = [*SurveyInvitationSerializer.Meta.fields, "questions"]
        read_only_fields = fields


# --- Responses ---------------------------------------------------------------------


class SurveyAnswerSerializer(serializers.ModelSerializer):
    question = SurveyQuestionSerializer(read_only=True)
    value = serializers.JSONField(
        read_only=True,
        help_text="An integer for `score` and `recommend`, a level string for "
        "`satisfaction`, a list for `multiple_choice`, text for `open_text`.",
    )

    class Meta:
        model = SurveyAnswer
        fields = ["question", "value"]
        read_only_fields = fields


class SurveyResponseSerializer(serializers.ModelSerializer):
    """A customer's answers, with the figures results are computed from."""

    invitation = serializers.PrimaryKeyRelatedField(read_only=True)
    complaint = ComplaintRefSerializer(read_only=True, allow_null=True)
    agent = UserRefSerializer(read_only=True, allow_null=True, help_text="The rated agent.")
    team = TeamRefSerializer(read_only=True, allow_null=True)
    category = serializers.CharField(
        source="category_code", read_only=True, help_text="The complaint's category code."
    )
    # Plain strings, not enums: the complaint's ``channel`` enum already has its name.
    complaint_channel = serializers.CharField(
        read_only=True, help_text="The channel the complaint came in by."
    )
    recorded_by = UserRefSerializer(
        read_only=True, allow_null=True, help_text="The agent who took a phone survey."
    )

    class Meta:
        model = SurveyResponse
        fields = [
            "id",
            "invitation",
            "complaint",
            "agent",
            "team",
            "category",
            "complaint_channel",
            "answered_via",
            "score",
            "recommend",
            "comment",
            "is_low",
            "recorded_by",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "score": {"help_text": "1–5, from the score question or the satisfaction level."},
            "recommend": {"help_text": "0–10, when the recommend question was answered."},
            "is_low": {"help_text": "A score of 2 or less, or dissatisfied: a repair starts."},
        }


class SurveyResponseDetailSerializer(SurveyResponseSerializer):
    """A response with every answer given."""

    answers = SurveyAnswerSerializer(many=True, read_only=True, help_text="In question order.")

    class Meta(SurveyResponseSerializer.Meta):
        fields = [*SurveyResponseSerializer.Meta.fields, "answers"]
        read_only_fields = fields


# --- SMS replies -------------------------------------------------------------------


class SmsReplySerializer(serializers.ModelSerializer):
    """A reply as the gateway delivered it, and what was read from it."""

    phone = serializers.SerializerMethodField()
    parsed = serializers.BooleanField(
        source="is_parsed", read_only=True, help_text="False: nobody could read a score."
    )
    score = serializers.IntegerField(
        source="parsed_score", read_only=True, allow_null=True, help_text="The score read (1–5)."
    )
    invitation = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    complaint = serializers.SerializerMethodField()
    response = serializers.PrimaryKeyRelatedField(
        read_only=True, allow_null=True, help_text="The response it recorded, if any."
    )

    class Meta:
        model = SmsReply
        fields = [
            "id",
            "phone",
            "text",
            "received_at",
            "parsed",
            "score",
            "invitation",
            "complaint",
            "response",
        ]
        read_only_fields = fields

    @extend_schema_field(
        serializers.CharField(help_text="E.164, or masked without the right to contact details.")
    )
    def get_phone(self, reply: SmsReply) -> str:
        invitation = reply.invitation if reply.invitation_id else None
        return reveal_or_mask(
            self.context["request"],
            reply.phone,
            full=can(_user(self), Action.VIEW_CONTACT_DETAILS, invitation and invitation.complaint),
            customer_id=invitation.customer_id if invitation else None,
            about=reply,
        )

    @extend_schema_field(ComplaintRefSerializer(allow_null=True))
    def get_complaint(self, reply: SmsReply) -> dict[str, Any] | None:
        if not reply.invitation_id:
            return None
        complaint = reply.invitation.complaint
        return {"id": complaint.pk, "reference": complaint.reference}


class SmsReplyReceivedSerializer(serializers.Serializer):
    """What the gateway hears back."""

    id = serializers.IntegerField(help_text="The stored reply.")
    parsed = serializers.BooleanField(help_text="Whether a score could be read.")
    score = serializers.IntegerField(allow_null=True, help_text="The score read (1–5).")
    matched_invitation = serializers.BooleanField(
        help_text="Whether the number had an open survey invitation."
    )
    response_id = serializers.IntegerField(
        allow_null=True, help_text="The survey response it recorded; null when none."
    )


# --- Results -----------------------------------------------------------------------


class SurveyFiguresSerializer(serializers.Serializer):
    """Figures over a set of responses."""

    responses = serializers.IntegerField()
    scored = serializers.IntegerField(help_text="Responses with a 1–5 score.")
    satisfied = serializers.IntegerField(help_text="Responses scored 4 or 5.")
    csat = serializers.FloatField(
        allow_null=True, help_text="Share scored 4–5 of those scored (0–1); null when none."
    )
    average = serializers.FloatField(allow_null=True, help_text="Average score, 2 decimals.")
    recommenders = serializers.IntegerField(help_text="Responses with a 0–10 recommend answer.")
    promoters = serializers.IntegerField(help_text="Recommend 9–10.")
    detractors = serializers.IntegerField(help_text="Recommend 0–6.")
    nps = serializers.FloatField(
        allow_null=True, help_text="Promoters minus detractors, % of recommenders (−100–100)."
    )
    low = serializers.IntegerField(help_text="Low answers (score ≤ 2 or dissatisfied).")


class SurveyOverallSerializer(SurveyFiguresSerializer):
    invitations_sent = serializers.IntegerField(help_text="Invitations sent in the period.")
    response_rate = serializers.FloatField(
        allow_null=True, help_text="Responses per invitation sent (0–1); null when none sent."
    )


class SurveyGroupSerializer(SurveyFiguresSerializer):
    group = serializers.CharField(
        allow_null=True,
        help_text="The agent's username, the team's name, the category code or the channel; "
        "null for responses without one.",
    )

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        return {"group": fields.pop("group"), **fields}


class SurveyResultsSerializer(serializers.Serializer):
    since = serializers.DateTimeField()
    until = serializers.DateTimeField(help_text="Exclusive.")
    group_by = serializers.ChoiceField(
        choices=list(GROUPS), allow_null=True, help_text="Null when not grouped."
    )
    overall = SurveyOverallSerializer()
    groups = SurveyGroupSerializer(
        many=True, allow_null=True, help_text="One row per group; null when not grouped."
    )

    def to_representation(self, results: dict[str, Any]) -> dict[str, Any]:
        return super().to_representation({"group_by": None, "groups": None, **results})
