"""Callbacks REST endpoints ("every call returned"). Thin: check access, validate, call one
service, serialise.

Writes go through ``repair.services.callbacks``; errors of every kind leave
through ``config.api.problem_exception_handler`` as problem+json. Who may do what
is the role's model permission on callback requests (``HasModelPermission``):
callbacks have no object rule, every agent works the one callback queue.

One exception, said where it happens: the list and detail read a queryset built
here, because ``repair.selectors`` has only the open queue (``callback_queue``)
and no selector for every booking with filters; move it there when it has one.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from complaints.api.permissions import HasModelPermission
from complaints.api.schema import LOCATION, problems
from repair.api import inputs
from repair.api import schema as _schema  # noqa: F401 (registers the OpenAPI extensions)
from repair.api.filters import CallbackFilter
from repair.api.pagination import CallbackCursorPagination
from repair.api.permissions import TokenHasAnyScope
from repair.api.serializers import (
    AttemptLoggedSerializer,
    AvailabilitySerializer,
    CallbackBookedSerializer,
    CallbackDetailSerializer,
    CallbackLookupSerializer,
    CallbackReportSerializer,
    CallbackSerializer,
)
from repair.models import CallbackAttempt, CallbackRequest
from repair.services import callbacks

READ = "callbacks:read"
WRITE = "callbacks:write"
REPORTS = "reports:read"
# TokenHasScope refuses a method the map does not name; HEAD and OPTIONS read.
READ_SCOPES = {"GET": READ, "HEAD": READ, "OPTIONS": READ}
READ_WRITE_SCOPES = {**READ_SCOPES, "POST": WRITE}
# The report is for BI tools (reports:read) as much as for telephony (callbacks:read).
REPORT_SCOPES = dict.fromkeys(("GET", "HEAD", "OPTIONS"), (REPORTS, READ))

VIEW = "repair.view_callbackrequest"
BOOK = "repair.add_callbackrequest"
CHANGE = "repair.change_callbackrequest"
READ_PERMISSIONS = dict.fromkeys(("GET", "HEAD", "OPTIONS"), VIEW)
# Attempts, claims, cancellations and availability change bookings.
CHANGE_PERMISSIONS = {**READ_PERMISSIONS, "POST": CHANGE}

READ_ONE_ERRORS = problems(401, 403, 404)
WRITE_ERRORS = problems(400, 401, 403, 404, 409)


def _validated(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def _query(serializer_class: type[serializers.Serializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.query_params, context={"request": request})
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


@extend_schema_view(
    list=extend_schema(
        summary="List callback bookings",
        description="Every booking in every state unless `state` is given, nearest due first, "
        "paged by cursor. `phone` finds a number in any spelling. Phones are masked unless "
        "your role may see contact details.",
        responses={200: CallbackSerializer(many=True), **problems(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="One callback booking",
        description="With its attempts, oldest first.",
        responses={200: CallbackDetailSerializer, **READ_ONE_ERRORS},
    ),
    create=extend_schema(
        summary="Book a callback",
        description="For IVR/telephony (missed, dropped and silent calls) and agents. The "
        "clock starts at the booking, the start of the preferred window or the end of quiet "
        "hours (21:30–08:00 centre time), whichever is latest; the call is due an hour later "
        "(10 minutes for dropped and silent calls). A dropped call's customer gets an SMS "
        "apology at once. A number that already has an open booking joins it: 200 with "
        '`"joined": true` instead of 201.',
        request=inputs.BookCallbackSerializer,
        responses={
            201: CallbackBookedSerializer,
            200: CallbackBookedSerializer,
            **problems(400, 401, 403),
        },
        parameters=[LOCATION],
    ),
)
class CallbackViewSet(viewsets.GenericViewSet):
    serializer_class = CallbackSerializer
    pagination_class = CallbackCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = CallbackFilter
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsAuthenticated, TokenHasAnyScope, HasModelPermission]
    required_scopes = READ_WRITE_SCOPES
    required_permissions = {**READ_PERMISSIONS, "POST": BOOK}

    def get_queryset(self) -> QuerySet[CallbackRequest]:
        # No per-caller scoping: every agent works the one callback queue.
        return CallbackRequest.objects.select_related(
            "customer", "complaint", "assignee", "created_by"
        ).order_by("due_at", "id")

    def _detail(self, pk: Any) -> CallbackRequest:
        attempts = CallbackAttempt.objects.select_related("agent").order_by("created_at", "id")
        return get_object_or_404(
            self.get_queryset().prefetch_related(Prefetch("attempts", queryset=attempts)), pk=pk
        )

    def _booking(self, pk: str) -> CallbackRequest:
        return get_object_or_404(CallbackRequest, pk=pk)

    def _answer(self, pk: Any) -> Response:
        """The booking as it is now, with its attempts."""
        return Response(
            CallbackDetailSerializer(self._detail(pk), context=self.get_serializer_context()).data
        )

    # -- collection and record

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._answer(pk)

    def create(self, request: Request) -> Response:
        data = _validated(inputs.BookCallbackSerializer, request)
        booking, created = callbacks.book_callback(by=request.user, **data)
        body = CallbackBookedSerializer(
            self._detail(booking.pk),
            context={**self.get_serializer_context(), "joined": not created},
        ).data
        if not created:
            return Response(body)
        return Response(
            body,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-v1:callback-detail", args=[booking.pk])},
        )

    # -- priority access for the IVR

    @extend_schema(
        summary="Does this caller have an open booking?",
        description="For the IVR's priority routing: a caller with an open booking goes to "
        "the front of the queue. The phone may be in any spelling; a number that is not "
        "valid has no booking. 400 when `phone` is missing.",
        parameters=[inputs.LookupQuerySerializer],
        responses={200: CallbackLookupSerializer, **problems(400, 401, 403)},
    )
    @action(detail=False, methods=["get"], filter_backends=[], pagination_class=None)
    def lookup(self, request: Request) -> Response:
        query = _query(inputs.LookupQuerySerializer, request)
        booking = callbacks.lookup(query["phone"])
        return Response(
            CallbackLookupSerializer(
                {"has_open_booking": booking is not None, "callback": booking}
            ).data
        )

    # -- working a booking

    @extend_schema(
        summary="Log a call attempt",
        description="Answers with the attempt and the booking after it. No answer, busy or "
        "voicemail: tried again after 10 minutes, up to 3 attempts; after the last one the "
        "booking is unreachable, the customer gets an SMS and a call-loss repair case opens. "
        "409 `illegal_transition` on a closed booking.",
        request=inputs.AttemptSerializer,
        responses={201: AttemptLoggedSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        required_permissions=CHANGE_PERMISSIONS,
    )
    def attempts(self, request: Request, pk: str) -> Response:
        booking = self._booking(pk)
        data = _validated(inputs.AttemptSerializer, request)
        attempt = callbacks.log_attempt(booking, agent=request.user, **data)
        booking = get_object_or_404(self.get_queryset(), pk=booking.pk)
        logged = AttemptLoggedSerializer(
            {"attempt": attempt, "callback": booking}, context=self.get_serializer_context()
        )
        return Response(logged.data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Take a booking",
        description="The caller takes a pending booking, or one assigned to them, and is "
        "calling now (`in_progress`). 409 `taken` when another agent has it, "
        "`illegal_transition` when it is in progress or closed.",
        request=None,
        responses={200: CallbackDetailSerializer, **problems(401, 403, 404, 409)},
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        required_permissions=CHANGE_PERMISSIONS,
    )
    def claim(self, request: Request, pk: str) -> Response:
        booking = callbacks.claim(self._booking(pk), agent=request.user)
        return self._answer(booking.pk)

    @extend_schema(
        summary="Cancel a booking",
        description="The reason is kept with the booking. 409 `illegal_transition` when it "
        "is closed already.",
        request=inputs.CallbackCancelSerializer,
        responses={200: CallbackDetailSerializer, **WRITE_ERRORS},
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        required_permissions=CHANGE_PERMISSIONS,
    )
    def cancel(self, request: Request, pk: str) -> Response:
        booking = self._booking(pk)
        data = _validated(inputs.CallbackCancelSerializer, request)
        booking = callbacks.cancel_callback(booking, by=request.user, reason=data["reason"])
        return self._answer(booking.pk)

    @extend_schema(
        summary="Make me available for callbacks, or not",
        description="For the calling agent: available agents are handed due bookings, least "
        "loaded first.",
        request=inputs.AvailabilityInputSerializer,
        responses={200: AvailabilitySerializer, **problems(400, 401, 403)},
    )
    @action(
        detail=False,
        methods=["post"],
        filter_backends=[],
        pagination_class=None,
        required_permissions=CHANGE_PERMISSIONS,
    )
    def availability(self, request: Request) -> Response:
        data = _validated(inputs.AvailabilityInputSerializer, request)
        agent = callbacks.set_availability(request.user, available=data["available"])
        return Response(AvailabilitySerializer(agent).data)

    # -- the report

    @extend_schema(
        summary="The callback report",
        description="For bookings made in `[since, until)` (default: the last 7 days; at most "
        "366): how many, the share returned within 30 and 60 minutes, the average wait, and "
        "bookings and agents needed per hour of day (centre time). API tokens need "
        "`reports:read` or `callbacks:read`.",
        parameters=[inputs.ReportQuerySerializer],
        responses={200: CallbackReportSerializer, **problems(400, 401, 403)},
    )
    @action(
        detail=False,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        required_scopes=REPORT_SCOPES,
    )
    def report(self, request: Request) -> Response:
        period = _query(inputs.ReportQuerySerializer, request)
        figures = callbacks.report(since=period["since"], until=period["until"])
        return Response(CallbackReportSerializer(figures).data)
