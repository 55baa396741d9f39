"""Surveys REST endpoints. Thin: check access, validate the input, call one service or
selector, serialise.

Writes are ``surveys.services`` (``receive_sms_reply``, ``record_response``), results
``surveys.selectors.survey_results``. The lists read their models directly, filtered by
FilterSets, as the customers list does: who may read them is the role's permission
(survey work is centre-wide, not per team). Errors of every kind leave through
``config.api.problem_exception_handler`` as problem+json.

``POST surveys/sms-replies/`` is the SMS gateway's: signed with the shared secret
(``surveys.api.authentication``), or, for a gateway that cannot sign, with an API token
holding the ``surveys:inbound`` scope.
"""

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.api.authentication import ApiTokenAuthentication, bearer_credentials
from complaints.api.permissions import HasModelPermission, TokenHasScope
from complaints.api.schema import LOCATION, problems
from complaints.errors import ApplicationError
from config.api import validated_body, validated_query
from config.db_router import replica_reads
from surveys import services
from surveys.api import inputs
from surveys.api.authentication import SmsGatewaySignatureAuthentication
from surveys.api.filters import SmsReplyFilter, SurveyInvitationFilter, SurveyResponseFilter
from surveys.api.pagination import NewestFirstPagination, SmsReplyCursorPagination
from surveys.api.permissions import SmsGatewayDelivery
from surveys.api.schema import TIMESTAMP
from surveys.api.serializers import (
    SmsReplyReceivedSerializer,
    SmsReplySerializer,
    SurveyInvitationDetailSerializer,
    SurveyInvitationSerializer,
    SurveyResponseDetailSerializer,
    SurveyResponseSerializer,
    SurveyResultsSerializer,
)
from surveys.models import SmsReply, SurveyAnswer, SurveyInvitation, SurveyResponse
from surveys.selectors import survey_results

REPORTS = "reports:read"
# TokenHasScope refuses a method the map does not name; HEAD and OPTIONS read.
# No scope writes: phone surveys are taken by agents, in their own name.
READ_SCOPES = {"GET": REPORTS, "HEAD": REPORTS, "OPTIONS": REPORTS}


def _reading(permission: str) -> dict[str, str]:
    return dict.fromkeys(("GET", "HEAD", "OPTIONS"), permission)


READ_ONE_ERRORS = problems(401, 403, 404)
LIST_ERRORS = problems(400, 401, 403)


def _responses() -> QuerySet[SurveyResponse]:
    return SurveyResponse.objects.select_related(
        "complaint", "agent", "team", "recorded_by"
    ).order_by("-created_at", "-id")


def _with_answers(responses: QuerySet[SurveyResponse]) -> QuerySet[SurveyResponse]:
    """One query for all the answers and their questions."""
    answers = SurveyAnswer.objects.select_related("question").order_by("question__position")
    return responses.prefetch_related(Prefetch("answers", queryset=answers))


# --- Results -----------------------------------------------------------------------


class SurveyResultsView(APIView):
    """CSAT, average score, NPS and response rate, overall and per group."""

    permission_classes = [IsAuthenticated, TokenHasScope, HasModelPermission]
    required_scopes = READ_SCOPES
    required_permissions = _reading("surveys.view_surveyresponse")

    @extend_schema(
        summary="Survey results",
        description="Figures for the responses given in [`since`, `until`) (default: the "
        "last 30 days); `response_rate` compares them with the invitations sent in the same "
        "period. `group_by` adds one row per agent, team, category or channel.",
        parameters=[inputs.SurveyResultsQuerySerializer],
        responses={200: SurveyResultsSerializer, **LIST_ERRORS},
    )
    @replica_reads()
    def get(self, request: Request) -> Response:
        query = validated_query(inputs.SurveyResultsQuerySerializer, request)
        return Response(SurveyResultsSerializer(survey_results(**query)).data)


# --- Responses ---------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List survey responses",
        description="Newest first, paged by cursor; `low=true` for the unhappy ones.",
        responses={200: SurveyResponseSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One survey response, with every answer",
        responses={200: SurveyResponseDetailSerializer, **READ_ONE_ERRORS},
    ),
)
class SurveyResponseViewSet(viewsets.GenericViewSet):
    serializer_class = SurveyResponseDetailSerializer
    pagination_class = NewestFirstPagination
    filterset_class = SurveyResponseFilter
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsAuthenticated, TokenHasScope, HasModelPermission]
    required_scopes = READ_SCOPES
    required_permissions = _reading("surveys.view_surveyresponse")

    def get_queryset(self):
        return _responses()

    @replica_reads()
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(SurveyResponseSerializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        queryset = _with_answers(self.get_queryset())
        return Response(self.get_serializer(get_object_or_404(queryset, pk=pk)).data)


# --- Invitations -------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List survey invitations",
        description="Newest first, paged by cursor; filter by `state` or by the complaint's "
        "reference (`complaint`).",
        responses={200: SurveyInvitationSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One survey invitation, with its questions",
        description="The questions of the invitation's questionnaire, in the customer's "
        "language, with the values each takes: what a phone survey asks.",
        responses={200: SurveyInvitationDetailSerializer, **READ_ONE_ERRORS},
    ),
)
class SurveyInvitationViewSet(viewsets.GenericViewSet):
    serializer_class = SurveyInvitationDetailSerializer
    pagination_class = NewestFirstPagination
    filterset_class = SurveyInvitationFilter
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsAuthenticated, TokenHasScope, HasModelPermission]
    required_scopes = READ_SCOPES
    required_permissions = _reading("surveys.view_surveyinvitation")

    def get_queryset(self):
        return SurveyInvitation.objects.select_related(
            "complaint", "customer", "questionnaire", "rated_agent"
        ).order_by("-created_at", "-id")

    @replica_reads()
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(
            SurveyInvitationSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    def retrieve(self, request: Request, pk: str) -> Response:
        queryset = self.get_queryset().prefetch_related("questionnaire__questions")
        return Response(self.get_serializer(get_object_or_404(queryset, pk=pk)).data)

    @extend_schema(
        summary="Record a phone survey",
        description="An agent records the answers the customer gave on the phone, in the "
        "agent's name. Errors per question come back under `answers`; 409 `used` when the "
        "survey was already answered (by link, SMS or phone).",
        request=inputs.PhoneSurveySerializer,
        responses={201: SurveyResponseDetailSerializer, **problems(400, 401, 403, 404, 409)},
        parameters=[LOCATION],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="phone-response",
        url_name="phone-response",
        filter_backends=[],
        required_permissions={
            **_reading("surveys.view_surveyinvitation"),
            "POST": "surveys.add_surveyresponse",
        },
    )
    def phone_response(self, request: Request, pk: str) -> Response:
        invitation = get_object_or_404(
            self.get_queryset()
            .select_related("complaint__category")
            .prefetch_related("questionnaire__questions"),
            pk=pk,
        )
        questions = invitation.questionnaire.questions.all()
        data = validated_body(
            inputs.PhoneSurveySerializer,
            request,
            question_ids={question.pk for question in questions},
        )
        try:
            response = services.record_response(
                invitation,
                answers=data["answers"],
                via="phone",
                recorded_by=request.user,
                comment=data["comment"],
            )
        except services.SurveyLinkError:
            raise  # answered already: 409
        except ApplicationError as error:
            raise _answer_errors(error) from None
        response = get_object_or_404(_with_answers(_responses()), pk=response.pk)
        return Response(
            SurveyResponseDetailSerializer(response).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-v1:surveyresponse-detail", args=[response.pk])},
        )


def _answer_errors(error: ApplicationError) -> Exception:
    """The service names questions as its form does (``q12``); the API body as ``answers.12``."""
    if error.code != "invalid" or not error.details:
        return error
    answers = {key.removeprefix("q"): messages for key, messages in error.details.items()}
    return serializers.ValidationError({"answers": answers})


# --- SMS replies -------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List SMS replies",
        description="Newest received first, paged by cursor; `parsed=false` for the replies "
        "nobody could read, which wait for an agent.",
        responses={200: SmsReplySerializer(many=True), **LIST_ERRORS},
    ),
    create=extend_schema(
        summary="Deliver an SMS reply (SMS gateway)",
        description="The SMS gateway's inbound endpoint: signed with HMAC-SHA256 (see the "
        "`smsGatewaySignature` scheme; no user, no token), or sent with an API token that "
        "holds `surveys:inbound` (then without the signature headers). The reply is stored; "
        "when a "
        "score can be read (`5`, `５`, `5分`, `非常满意`, `1 太慢了`, ...) and the number has "
        "an open invitation, it answers the survey. Anything unreadable is kept for an "
        "agent, never guessed.",
        request=inputs.SmsReplyInboundSerializer,
        responses={201: SmsReplyReceivedSerializer, **problems(400, 401, 403, 503)},
        parameters=[TIMESTAMP],
    ),
)
class SmsReplyViewSet(viewsets.GenericViewSet):
    """GET for agents (session or token); POST for the gateway (its signature or its token)."""

    serializer_class = SmsReplySerializer
    pagination_class = SmsReplyCursorPagination
    filterset_class = SmsReplyFilter
    permission_classes = [IsAuthenticated, TokenHasScope, HasModelPermission]
    required_scopes = READ_SCOPES
    required_permissions = _reading("surveys.view_smsreply")

    def _from_gateway(self) -> bool:
        request = getattr(self, "request", None)  # None while the schema mocks a request
        return request is not None and request.method == "POST"

    def get_authenticators(self):
        if not self._from_gateway():
            return super().get_authenticators()
        if getattr(self, "swagger_fake_view", False):  # the schema names both ways in
            return [SmsGatewaySignatureAuthentication(), ApiTokenAuthentication()]
        if bearer_credentials(self.request) is not None:
            return [ApiTokenAuthentication()]
        return [SmsGatewaySignatureAuthentication()]

    def get_permissions(self):
        if self._from_gateway():
            return [SmsGatewayDelivery()]
        return super().get_permissions()

    def get_queryset(self):
        return SmsReply.objects.select_related("invitation__complaint").order_by(
            "-received_at", "-id"
        )

    @replica_reads()
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        data = validated_body(inputs.SmsReplyInboundSerializer, request)
        reply = services.receive_sms_reply(
            phone=data["from"], text=data["text"], received_at=data.get("received_at")
        )
        result = {
            "id": reply.pk,
            "parsed": reply.is_parsed,
            "score": reply.parsed_score,
            "matched_invitation": reply.invitation_id is not None,
            "response_id": reply.response_id,
        }
        return Response(SmsReplyReceivedSerializer(result).data, status=status.HTTP_201_CREATED)
