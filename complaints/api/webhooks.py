"""Webhook management over the API: subscriptions, deliveries, attempts (docs/webhooks.md).

For administrators only (``Action.MANAGE_WEBHOOKS``), and for API tokens with the
``webhooks:manage`` scope acting as an administrator. Thin like the other views:
validate, call one service in ``complaints.services.webhooks``, serialise.
"""

from typing import Any

from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import build_choice_field
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from complaints import selectors
from complaints.access import Action, can
from complaints.api.filters import SelectorFilterBackend
from complaints.api.permissions import TokenHasScope
from complaints.api.schema import LOCATION, problems
from complaints.enums import WebhookState
from complaints.filters import WebhookDeliveryFilter
from complaints.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from complaints.services import webhooks
from complaints.services.webhooks.privacy import record_payload_disclosures
from config.api import LargeListPagination, validated_body
from config.db_router import replica_reads

MANAGE = "webhooks:manage"
SCOPES = dict.fromkeys(("GET", "HEAD", "OPTIONS", "POST", "PATCH", "DELETE"), MANAGE)


class CanManageWebhooks(BasePermission):
    message = "Only administrators manage webhooks."

    def has_permission(self, request, view) -> bool:
        return can(request.user, Action.MANAGE_WEBHOOKS)


class EventTypeField(serializers.CharField):
    """An event type name; the choices are read when validating, after every app registered."""

    def to_internal_value(self, data: Any) -> str:
        value = super().to_internal_value(data)
        if value not in webhooks.EVENT_TYPES:
            raise serializers.ValidationError(
                _("Unknown event %(event)s.") % {"event": value}, code="invalid_choice"
            )
        return value


class EventTypeFieldSchema(OpenApiSerializerFieldExtension):
    """The enum of event types, read from the registry when the schema is generated."""

    target_class = "complaints.api.webhooks.EventTypeField"

    def map_serializer_field(self, auto_schema, direction):
        choices = serializers.ChoiceField(choices=webhooks.event_type_choices())
        return build_choice_field(choices)


# --- Serializers ------------------------------------------------------------------------


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(child=EventTypeField(), read_only=True)
    secret_hint = serializers.CharField(
        read_only=True, help_text="The secret's first characters, to tell which one you hold."
    )

    class Meta:
        model = WebhookSubscription
        fields = [
            "id",
            "name",
            "url",
            "events",
            "include_contact_details",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "secret_hint",
            "previous_secret_expires_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "consecutive_failures": {
                "help_text": "Deliveries in a row that failed all their attempts; at "
                "`WEBHOOK_DISABLE_AFTER_FAILURES` the subscription is disabled."
            },
            "previous_secret_expires_at": {
                "help_text": "After a rotation, the previous secret also signs until then."
            },
        }


class WebhookSubscriptionSecretSerializer(WebhookSubscriptionSerializer):
    """The subscription with its secret: only in the answers to creating and rotating."""

    secret = serializers.CharField(
        read_only=True, help_text="Shown this once; keep it in the receiver's configuration."
    )

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookSubscriptionInputSerializer(serializers.Serializer):
    """A new subscription (all of name, url, events), or the fields a ``PATCH`` changes."""

    name = serializers.CharField(max_length=100)
    url = serializers.CharField(
        max_length=500,
        help_text="http(s); must resolve to public addresses unless "
        "`WEBHOOK_ALLOW_PRIVATE_URLS` is on.",
    )
    events = serializers.ListField(child=EventTypeField(), allow_empty=False)
    include_contact_details = serializers.BooleanField(
        required=False, help_text="Unmasked customer phone numbers in payloads (default false)."
    )
    is_active = serializers.BooleanField(
        required=False,
        help_text="`false` disables; `true` re-enables and forgets the failures. PATCH only.",
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    subscription = serializers.PrimaryKeyRelatedField(read_only=True)
    state = serializers.ChoiceField(choices=WebhookState.choices, read_only=True)

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "subscription",
            "event_id",
            "event_type",
            "state",
            "attempts",
            "next_attempt_at",
            "last_status",
            "last_error",
            "delivered_at",
            "redelivery_of",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "event_id": {"help_text": "The payload's `id` and the `Webhook-Id` header."},
            "created_at": {"help_text": "When the event happened (a redelivery keeps it)."},
            "next_attempt_at": {"help_text": "For pending deliveries: when it is tried next."},
        }


class WebhookAttemptSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = [
            "number",
            "started_at",
            "duration_ms",
            "status",
            "succeeded",
            "error",
            "response_body",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "status": {"help_text": "The receiver's HTTP status; null when none came."},
            "response_body": {"help_text": "The first 1,000 characters of the answer."},
        }


class WebhookDeliveryDetailSerializer(WebhookDeliverySerializer):
    payload = serializers.JSONField(read_only=True, help_text="The event's `data`.")
    attempt_log = WebhookAttemptSerializer(many=True, read_only=True)

    class Meta(WebhookDeliverySerializer.Meta):
        fields = [*WebhookDeliverySerializer.Meta.fields, "payload", "attempt_log"]
        read_only_fields = fields


# --- Views ----------------------------------------------------------------------------------


class DeliveryCursorPagination(LargeListPagination):
    """Newest written first, as ``selectors.webhook_deliveries`` orders them."""

    ordering = ("-id",)


ERRORS = problems(400, 401, 403)
ONE_ERRORS = problems(401, 403, 404)
ACTION_ERRORS = problems(401, 403, 404, 409)


class WebhookViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, TokenHasScope, CanManageWebhooks]
    required_scopes = SCOPES
    lookup_value_regex = "[0-9]+"


@extend_schema_view(
    list=extend_schema(
        summary="List webhook subscriptions",
        responses={200: WebhookSubscriptionSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One webhook subscription",
        responses={200: WebhookSubscriptionSerializer, **ONE_ERRORS},
    ),
    create=extend_schema(
        summary="Subscribe an endpoint",
        description="Answers with the secret that signs the deliveries, this once.",
        request=WebhookSubscriptionInputSerializer,
        responses={201: WebhookSubscriptionSecretSerializer, **ERRORS},
        parameters=[LOCATION],
    ),
    partial_update=extend_schema(
        summary="Change, disable or re-enable a subscription",
        request=WebhookSubscriptionInputSerializer,
        responses={200: WebhookSubscriptionSerializer, **problems(400, 401, 403, 404)},
    ),
    destroy=extend_schema(
        summary="Delete a subscription with its deliveries",
        responses={204: None, **ONE_ERRORS},
    ),
)
class WebhookSubscriptionViewSet(WebhookViewSet):
    serializer_class = WebhookSubscriptionSerializer
    filter_backends = []

    def get_queryset(self):
        return WebhookSubscription.objects.order_by("name", "id")

    def _subscription(self, pk: str) -> WebhookSubscription:
        return get_object_or_404(self.get_queryset(), pk=pk)

    @replica_reads()
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.get_serializer(self._subscription(pk)).data)

    def create(self, request: Request) -> Response:
        data = validated_body(WebhookSubscriptionInputSerializer, request)
        data.pop("is_active", None)
        subscription, _secret = webhooks.create_subscription(**data, by=request.user)
        return Response(
            WebhookSubscriptionSecretSerializer(subscription).data,
            status=status.HTTP_201_CREATED,
            headers={
                "Location": reverse("api-v1:webhooksubscription-detail", args=[subscription.pk])
            },
        )

    def partial_update(self, request: Request, pk: str) -> Response:
        subscription = self._subscription(pk)
        serializer = WebhookSubscriptionInputSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        subscription = webhooks.update_subscription(
            subscription, changes=dict(serializer.validated_data), by=request.user
        )
        return Response(self.get_serializer(subscription).data)

    def destroy(self, request: Request, pk: str) -> Response:
        webhooks.delete_subscription(self._subscription(pk), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Rotate the secret",
        description="Answers with the new secret, this once. The previous one also signs "
        "for `WEBHOOK_SECRET_OVERLAP_HOURS` (two `v1=` signatures per delivery).",
        request=None,
        responses={200: WebhookSubscriptionSecretSerializer, **ONE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="rotate-secret", url_name="rotate-secret")
    def rotate_secret(self, request: Request, pk: str) -> Response:
        subscription, _secret = webhooks.rotate_secret(self._subscription(pk), by=request.user)
        return Response(WebhookSubscriptionSecretSerializer(subscription).data)

    @extend_schema(
        summary="Send a test ping",
        description="Queues a `webhook.ping` to this subscription; answers with the delivery.",
        request=None,
        responses={201: WebhookDeliverySerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def ping(self, request: Request, pk: str) -> Response:
        delivery = webhooks.send_ping(self._subscription(pk), by=request.user)
        return Response(WebhookDeliverySerializer(delivery).data, status=status.HTTP_201_CREATED)


@extend_schema_view(
    list=extend_schema(
        summary="List webhook deliveries",
        description="Newest first, paged by cursor; filter by subscription, state, event type "
        "or event id (the `Webhook-Id` a receiver saw).",
        responses={200: WebhookDeliverySerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One delivery with its data and attempts",
        responses={200: WebhookDeliveryDetailSerializer, **ONE_ERRORS},
    ),
)
class WebhookDeliveryViewSet(WebhookViewSet):
    serializer_class = WebhookDeliverySerializer
    pagination_class = DeliveryCursorPagination
    filter_backends = [SelectorFilterBackend]
    filterset_class = WebhookDeliveryFilter

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no query string
            return WebhookDelivery.objects.none()
        return selectors.webhook_deliveries(filters=self.request.query_params)

    @replica_reads()
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        delivery = selectors.webhook_delivery(pk)
        record_payload_disclosures(request, delivery)
        return Response(WebhookDeliveryDetailSerializer(delivery).data)

    @extend_schema(
        summary="Deliver again",
        description="A new delivery with the same event id and data and fresh attempts; "
        "409 when the subscription is disabled.",
        request=None,
        responses={201: WebhookDeliverySerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def redeliver(self, request: Request, pk: str) -> Response:
        delivery = webhooks.redeliver(selectors.webhook_delivery(pk), by=request.user)
        return Response(self.get_serializer(delivery).data, status=status.HTTP_201_CREATED)
