"""Callbacks ("every call returned") and customer-relationship repair REST endpoints. Thin:
check access, validate, call one service, serialise.

Writes go through ``repair.services.callbacks``, ``repair.services.cases`` and
``repair.services.key_events``; errors of every kind leave through
``config.api.problem_exception_handler`` as problem+json. Who may do what is the
role's model permission (``HasModelPermission``): callbacks and key events have no
object rule (every agent works the one callback queue; incidents are centre-wide).
Repair cases have one: the caller sees only ``selectors.visible_repair_cases``
(supervisors every case, agents their own and their team's), and a case outside
it is 404, as if it did not exist. The permissions are those of
``complaints.access``: ``Action.VIEW_REPAIR`` is ``repair.view_repaircase``,
``Action.MANAGE_KEY_EVENTS`` is ``repair.add_keyevent``.

Exceptions, said where they happen: the callback list and detail read a queryset
built here, because ``repair.selectors`` has only the open queue
(``callback_queue``) and no selector for every booking with filters; key events
are read from the model for the same reason; the strategy list filters with
``services.cases.strategies_for``, the one place that says which strategies fit;
opening a case by hand looks for an open case first, because ``open_repair_case``
does not say whether it made one. Move them when the services and selectors can.
"""

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.api.conditional import expected_version, with_etag
from complaints.api.permissions import HasModelPermission
from complaints.api.schema import ETAG, IF_MATCH, LOCATION, problems
from config.api import validated_body, validated_query
from config.db_router import replica_reads
from repair import selectors
from repair.api import inputs
from repair.api import schema as _schema  # noqa: F401 (registers the OpenAPI extensions)
from repair.api.filters import CallbackFilter, RepairCaseFilter
from repair.api.pagination import (
    CallbackCursorPagination,
    KeyEventCursorPagination,
    RepairCaseCursorPagination,
)
from repair.api.permissions import TokenHasAnyScope
from repair.api.renderers import CsvDownloadRenderer
from repair.api.serializers import (
    AttemptLoggedSerializer,
    AvailabilitySerializer,
    CallbackBookedSerializer,
    CallbackDetailSerializer,
    CallbackLookupSerializer,
    CallbackReportSerializer,
    CallbackSerializer,
    KeyEventDetailSerializer,
    KeyEventSerializer,
    RepairCaseDetailSerializer,
    RepairCaseSerializer,
    RepairContactLoggedSerializer,
    RepairMetricsSerializer,
    RepairStrategySerializer,
    SampleDrawnSerializer,
)
from repair.models import (
    CallbackAttempt,
    CallbackRequest,
    KeyEvent,
    RepairCase,
    RepairContact,
    RepairStrategy,
)
from repair.services import callbacks
from repair.services import cases as cases_service
from repair.services import key_events as key_events_service

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

# Repair cases and key events are complaint work: complaints:read and complaints:write;
# the repair metrics are for BI tools, as every report.
REPAIR_READ = "complaints:read"
REPAIR_WRITE = "complaints:write"
REPAIR_SCOPES = {**dict.fromkeys(("GET", "HEAD", "OPTIONS"), REPAIR_READ), "POST": REPAIR_WRITE}
METRICS_SCOPES = dict.fromkeys(("GET", "HEAD", "OPTIONS"), REPORTS)

VIEW_CASES = "repair.view_repaircase"  # Action.VIEW_REPAIR
OPEN_CASES = "repair.add_repaircase"  # supervisors
WORK_CASES = "repair.change_repaircase"
LOG_CONTACTS = "repair.add_repaircontact"
VIEW_STRATEGIES = "repair.view_repairstrategy"
VIEW_KEY_EVENTS = "repair.view_keyevent"
MANAGE_KEY_EVENTS = "repair.add_keyevent"  # Action.MANAGE_KEY_EVENTS: supervisors


def _reading(permission: str) -> dict[str, str]:
    return dict.fromkeys(("GET", "HEAD", "OPTIONS"), permission)


READ_ONE_ERRORS = problems(401, 403, 404)
WRITE_ERRORS = problems(400, 401, 403, 404, 409)
VERSIONED_WRITE_ERRORS = problems(400, 401, 403, 404, 409, 412)
# Actions that change a booking, case or event: they take If-Match, answer with ETag.
VERSIONED = [IF_MATCH, ETAG]


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
        parameters=[ETAG],
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
        parameters=[ETAG, LOCATION],
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
        booking = self._detail(pk)
        body = CallbackDetailSerializer(booking, context=self.get_serializer_context()).data
        return with_etag(Response(body), booking)

    # -- collection and record

    @replica_reads()
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._answer(pk)

    def create(self, request: Request) -> Response:
        data = validated_body(inputs.BookCallbackSerializer, request)
        booking, created = callbacks.book_callback(by=request.user, **data)
        booking = self._detail(booking.pk)
        body = CallbackBookedSerializer(
            booking, context={**self.get_serializer_context(), "joined": not created}
        ).data
        if not created:
            return with_etag(Response(body), booking)
        response = Response(
            body,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-v1:callback-detail", args=[booking.pk])},
        )
        return with_etag(response, booking)

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
        query = validated_query(inputs.LookupQuerySerializer, request)
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
        responses={201: AttemptLoggedSerializer, **VERSIONED_WRITE_ERRORS},
        parameters=VERSIONED,
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        required_permissions=CHANGE_PERMISSIONS,
    )
    def attempts(self, request: Request, pk: str) -> Response:
        booking = self._booking(pk)
        data = validated_body(inputs.AttemptSerializer, request)
        attempt = callbacks.log_attempt(
            booking, agent=request.user, expected_version=expected_version(request), **data
        )
        booking = get_object_or_404(self.get_queryset(), pk=booking.pk)
        logged = AttemptLoggedSerializer(
            {"attempt": attempt, "callback": booking}, context=self.get_serializer_context()
        )
        return with_etag(Response(logged.data, status=status.HTTP_201_CREATED), booking)

    @extend_schema(
        summary="Take a booking",
        description="The caller takes a pending booking, or one assigned to them, and is "
        "calling now (`in_progress`). 409 `taken` when another agent has it, "
        "`illegal_transition` when it is in progress or closed.",
        request=None,
        responses={200: CallbackDetailSerializer, **problems(401, 403, 404, 409, 412)},
        parameters=VERSIONED,
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        required_permissions=CHANGE_PERMISSIONS,
    )
    def claim(self, request: Request, pk: str) -> Response:
        booking = callbacks.claim(
            self._booking(pk), agent=request.user, expected_version=expected_version(request)
        )
        return self._answer(booking.pk)

    @extend_schema(
        summary="Cancel a booking",
        description="The reason is kept with the booking. 409 `illegal_transition` when it "
        "is closed already.",
        request=inputs.CallbackCancelSerializer,
        responses={200: CallbackDetailSerializer, **VERSIONED_WRITE_ERRORS},
        parameters=VERSIONED,
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        required_permissions=CHANGE_PERMISSIONS,
    )
    def cancel(self, request: Request, pk: str) -> Response:
        booking = self._booking(pk)
        data = validated_body(inputs.CallbackCancelSerializer, request)
        booking = callbacks.cancel_callback(
            booking,
            by=request.user,
            reason=data["reason"],
            expected_version=expected_version(request),
        )
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
        data = validated_body(inputs.AvailabilityInputSerializer, request)
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
        period = validated_query(inputs.ReportQuerySerializer, request)
        figures = callbacks.report(since=period["since"], until=period["until"])
        return Response(CallbackReportSerializer(figures).data)


# --- Repair cases ----------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List repair cases",
        description="The cases you may see (supervisors: every case; agents: their own and "
        "their team's), in every state unless `state` is given, nearest due first, paged by "
        "cursor. `mine=true` for the cases you own. Phones are masked unless your role may "
        "see contact details.",
        responses={200: RepairCaseSerializer(many=True), **problems(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="One repair case",
        description="With its contacts, oldest first, and the active strategies that fit its "
        "damage type, their scripts filled in for the customer in the customer's language. "
        "404 for a case you may not see.",
        responses={200: RepairCaseDetailSerializer, **READ_ONE_ERRORS},
        parameters=[ETAG],
    ),
    create=extend_schema(
        summary="Open a repair case by hand",
        description="For supervisors. The level follows the level table and the owner the "
        "responsibility rule, as for cases opened automatically; due in 48 hours. A customer "
        "who already has an open case of the same damage type keeps it: 200 with that case "
        "instead of 201.",
        request=inputs.OpenRepairCaseSerializer,
        responses={
            201: RepairCaseDetailSerializer,
            200: RepairCaseDetailSerializer,
            **problems(400, 401, 403),
        },
        parameters=[ETAG, LOCATION],
    ),
)
class RepairCaseViewSet(viewsets.GenericViewSet):
    serializer_class = RepairCaseSerializer
    pagination_class = RepairCaseCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = RepairCaseFilter
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsAuthenticated, TokenHasAnyScope, HasModelPermission]
    required_scopes = REPAIR_SCOPES
    required_permissions = {**_reading(VIEW_CASES), "POST": OPEN_CASES}

    def get_queryset(self) -> QuerySet[RepairCase]:
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return RepairCase.objects.none()
        return (
            selectors.visible_repair_cases(self.request.user)
            .select_related("customer", "owner", "team", "complaint", "strategy", "opened_by")
            .order_by("due_at", "id")
        )

    def _case(self, pk: Any) -> RepairCase:
        """The case if the caller may see it; 404 otherwise, as if it did not exist."""
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _detail(self, pk: Any) -> RepairCase:
        contacts = RepairContact.objects.select_related("agent").order_by("created_at", "id")
        case = get_object_or_404(
            self.get_queryset()
            .select_related("source_response")
            .prefetch_related(Prefetch("contacts", queryset=contacts)),
            pk=pk,
        )
        case.fitting_strategies = [
            {
                "id": strategy.pk,
                "name": strategy.name,
                "line": strategy.line,
                "script": cases_service.render_script(strategy, case),
            }
            for strategy in cases_service.strategies_for(case)
        ]
        return case

    def _answer(self, pk: Any, code: int = status.HTTP_200_OK, **headers: str) -> Response:
        """The case as it is now, with its contacts and scripts."""
        case = self._detail(pk)
        body = RepairCaseDetailSerializer(case, context=self.get_serializer_context()).data
        return with_etag(Response(body, status=code, headers=headers or None), case)

    # -- collection and record

    @replica_reads()
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._answer(pk)

    def create(self, request: Request) -> Response:
        data = validated_body(inputs.OpenRepairCaseSerializer, request)
        case, created = cases_service.open_case_by_hand(by=request.user, **data)
        if not created:
            return self._answer(case.pk)
        location = reverse("api-v1:repaircase-detail", args=[case.pk])
        return self._answer(case.pk, status.HTTP_201_CREATED, Location=location)

    # -- working a case

    @extend_schema(
        summary="Take a repair case",
        description="The caller owns the case from now on and is working on it "
        "(`in_progress`), whether it was in the team's pile or someone else's. 409 "
        "`illegal_transition` when it is closed.",
        request=None,
        responses={200: RepairCaseDetailSerializer, **problems(401, 403, 404, 409, 412)},
        parameters=VERSIONED,
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        required_permissions={**_reading(VIEW_CASES), "POST": WORK_CASES},
    )
    def take(self, request: Request, pk: str) -> Response:
        case = cases_service.take_case(
            self._case(pk), agent=request.user, expected_version=expected_version(request)
        )
        return self._answer(case.pk)

    @extend_schema(
        summary="Log a contact with the customer",
        description="Answers with the contact and the case after it: an open case is now in "
        "progress, owned by the caller if nobody owned it. 409 `illegal_transition` when the "
        "case is closed.",
        request=inputs.RepairContactInputSerializer,
        responses={201: RepairContactLoggedSerializer, **VERSIONED_WRITE_ERRORS},
        parameters=VERSIONED,
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        required_permissions={**_reading(VIEW_CASES), "POST": LOG_CONTACTS},
    )
    def contacts(self, request: Request, pk: str) -> Response:
        case = self._case(pk)
        data = validated_body(inputs.RepairContactInputSerializer, request)
        contact = cases_service.log_repair_contact(
            case, agent=request.user, expected_version=expected_version(request), **data
        )
        case = self._case(case.pk)
        logged = RepairContactLoggedSerializer(
            {"contact": contact, "case": case}, context=self.get_serializer_context()
        )
        return with_etag(Response(logged.data, status=status.HTTP_201_CREATED), case)

    @extend_schema(
        summary="Close a repair case",
        description="Record whether the relationship was repaired, what was done, and whether "
        "the customer was satisfied afterwards (null when not asked); these make the repair "
        "metrics. 409 `illegal_transition` when the case is closed already.",
        request=inputs.CloseRepairCaseSerializer,
        responses={200: RepairCaseDetailSerializer, **VERSIONED_WRITE_ERRORS},
        parameters=VERSIONED,
    )
    @action(
        detail=True,
        methods=["post"],
        filter_backends=[],
        required_permissions={**_reading(VIEW_CASES), "POST": WORK_CASES},
    )
    def close(self, request: Request, pk: str) -> Response:
        case = self._case(pk)
        data = validated_body(inputs.CloseRepairCaseSerializer, request)
        case = cases_service.close_case(
            case, by=request.user, expected_version=expected_version(request), **data
        )
        return self._answer(case.pk)


# --- Strategy library ------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List repair strategies",
        description="The active strategies of the library, by line and name, with their "
        "script templates in English and Simplified Chinese. `damage_type` keeps those that "
        "fit it. The library is small: one page, not paged.",
        parameters=[inputs.StrategyQuerySerializer],
        responses={200: RepairStrategySerializer(many=True), **problems(400, 401, 403)},
    ),
)
class RepairStrategyViewSet(viewsets.GenericViewSet):
    serializer_class = RepairStrategySerializer
    pagination_class = None
    filter_backends = []
    permission_classes = [IsAuthenticated, TokenHasAnyScope, HasModelPermission]
    required_scopes = REPAIR_SCOPES
    required_permissions = _reading(VIEW_STRATEGIES)

    def get_queryset(self) -> QuerySet[RepairStrategy]:
        return RepairStrategy.objects.filter(is_active=True).order_by("line", "name")

    @replica_reads()
    def list(self, request: Request) -> Response:
        damage_type = validated_query(inputs.StrategyQuerySerializer, request).get("damage_type")
        if damage_type:
            # strategies_for says which strategies fit a case; ask it about an unsaved
            # case of this type rather than repeat the rule (an empty list fits all).
            strategies = cases_service.strategies_for(RepairCase(damage_type=damage_type))
        else:
            strategies = self.get_queryset()
        return Response(self.get_serializer(strategies, many=True).data)


# --- Repair metrics --------------------------------------------------------------------


class RepairMetricsView(APIView):
    """Repaired on time, satisfied after repair, repeat complaints, open backlog."""

    permission_classes = [IsAuthenticated, TokenHasAnyScope, HasModelPermission]
    required_scopes = METRICS_SCOPES
    required_permissions = _reading(VIEW_CASES)

    @extend_schema(
        summary="Repair metrics",
        description="For `[since, until)` (default: the last 30 days; at most 366): cases "
        "closed and how many by their due time, how many customers were satisfied after "
        "repair, and the share of complaints received that repeat an earlier one; the open "
        "backlog is as of now. API tokens need `reports:read`.",
        parameters=[inputs.RepairMetricsQuerySerializer],
        responses={200: RepairMetricsSerializer, **problems(400, 401, 403)},
    )
    @replica_reads()
    def get(self, request: Request) -> Response:
        period = validated_query(inputs.RepairMetricsQuerySerializer, request)
        figures = selectors.repair_metrics(since=period["since"], until=period["until"])
        return Response(RepairMetricsSerializer({**figures, **period}).data)


# --- Key events (mass incidents) ---------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List key events",
        description="The latest incident first, paged by cursor, with each import's progress.",
        responses={200: KeyEventSerializer(many=True), **problems(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="One key event",
        description="With the import's counters and progress (poll it while `import_state` "
        "is `queued` or `running`) and the event report.",
        responses={200: KeyEventDetailSerializer, **READ_ONE_ERRORS},
        parameters=[ETAG],
    ),
    create=extend_schema(
        summary="Record a key event",
        description="For supervisors: a mass incident (network outage, billing error, system "
        "cutover) and the SMS its affected customers get. Upload them next "
        "(`POST key-events/{id}/file/`).",
        request=inputs.KeyEventCreateSerializer,
        responses={201: KeyEventDetailSerializer, **problems(400, 401, 403)},
        parameters=[ETAG, LOCATION],
    ),
)
class KeyEventViewSet(viewsets.GenericViewSet):
    serializer_class = KeyEventSerializer
    pagination_class = KeyEventCursorPagination
    filter_backends = []
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsAuthenticated, TokenHasAnyScope, HasModelPermission]
    required_scopes = REPAIR_SCOPES
    required_permissions = {**_reading(VIEW_KEY_EVENTS), "POST": MANAGE_KEY_EVENTS}

    def get_queryset(self) -> QuerySet[KeyEvent]:
        # No per-caller scoping: an incident is the whole centre's.
        return KeyEvent.objects.select_related("created_by").order_by("-started_at", "-id")

    def _event(self, pk: Any) -> KeyEvent:
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _answer(self, pk: Any, code: int = status.HTTP_200_OK, **headers: str) -> Response:
        """The event as it is now, with its report."""
        event = self._event(pk)
        event.report = key_events_service.event_report(event)
        body = KeyEventDetailSerializer(event, context=self.get_serializer_context()).data
        return with_etag(Response(body, status=code, headers=headers or None), event)

    @replica_reads()
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._answer(pk)

    def create(self, request: Request) -> Response:
        data = validated_body(inputs.KeyEventCreateSerializer, request)
        event = key_events_service.create_event(data=data, by=request.user)
        location = reverse("api-v1:keyevent-detail", args=[event.pk])
        return self._answer(event.pk, status.HTTP_201_CREATED, Location=location)

    @extend_schema(
        summary="Upload the affected customers",
        description="Multipart upload of `file` (CSV: phone, name, account, note). The file "
        "is stored and its import queued (202, `import_state` `queued`); a worker then "
        "streams it in batches: customers matched or created by phone, a key-event repair "
        "case each, the SMS queued for after quiet hours. Poll the event for progress. Bad "
        "and repeated phones are skipped and listed in `skipped/`. Uploading again imports "
        "the new file without adding anyone twice; 409 `busy` while an import is queued or "
        "running.",
        request={"multipart/form-data": inputs.KeyEventFileSerializer},
        responses={202: KeyEventDetailSerializer, **VERSIONED_WRITE_ERRORS},
        parameters=VERSIONED,
    )
    @action(
        detail=True,
        methods=["post"],
        parser_classes=[MultiPartParser],
        filter_backends=[],
        pagination_class=None,
    )
    def file(self, request: Request, pk: str) -> Response:
        event = self._event(pk)
        data = validated_body(inputs.KeyEventFileSerializer, request)
        # The upload is handed on as Django stored it; the import runs after commit.
        key_events_service.attach_file(
            event, upload=data["file"], expected_version=expected_version(request)
        )
        return self._answer(event.pk, status.HTTP_202_ACCEPTED)

    @extend_schema(
        summary="Draw the follow-up sample",
        description="Invites a random sample of the affected customers (400 by default) to "
        "a survey about the event. Customers drawn before are not drawn again, so drawing "
        "twice grows the sample. 409 `import_not_done` until the import of the affected "
        "customers has finished.",
        request=inputs.DrawSampleSerializer,
        responses={200: SampleDrawnSerializer, **problems(400, 401, 403, 404, 409, 412)},
        parameters=[IF_MATCH],
    )
    @action(detail=True, methods=["post"], filter_backends=[], pagination_class=None)
    def sample(self, request: Request, pk: str) -> Response:
        event = self._event(pk)
        data = validated_body(inputs.DrawSampleSerializer, request)
        drawn = key_events_service.draw_follow_up_sample(
            event, size=data["size"], expected_version=expected_version(request)
        )
        return Response(SampleDrawnSerializer({"drawn": drawn}).data)

    @extend_schema(
        summary="Download the skipped rows",
        description="The rows the import skipped, as CSV (UTF-8 with BOM, for Excel): line, "
        "phone as written, reason. 404 before the import has finished.",
        responses={(200, "text/csv"): OpenApiTypes.BINARY, **READ_ONE_ERRORS},
    )
    @action(
        detail=True,
        methods=["get"],
        filter_backends=[],
        pagination_class=None,
        renderer_classes=[JSONRenderer, CsvDownloadRenderer],
    )
    def skipped(self, request: Request, pk: str) -> FileResponse:
        event = self._event(pk)
        if not event.errors_file:
            raise Http404
        return FileResponse(
            event.errors_file.open("rb"),
            as_attachment=True,
            filename=f"key-event-{event.pk}-skipped.csv",
            content_type="text/csv",
        )
