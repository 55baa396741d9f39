"""REST endpoints. Thin: check access, validate the body, call one service, serialise.

Reads come from ``complaints.selectors`` (scoped to the caller), writes from
``complaints.services``; access is ``complaints.access``. Errors of every kind
leave through ``config.api.problem_exception_handler`` as problem+json.
One exception, said where it happens: marking one notification read has no
service yet.
"""

from typing import Any

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints import selectors, services
from complaints.access import Action, require
from complaints.api import inputs
from complaints.api.conditional import expected_version, with_etag
from complaints.api.filters import NotificationFilter, SelectorFilterBackend, SlaPolicyFilter
from complaints.api.pagination import (
    ComplaintCursorPagination,
    CustomerCursorPagination,
    EventCursorPagination,
    NotificationCursorPagination,
    WorkOrderCursorPagination,
)
from complaints.api.permissions import HasModelPermission, TokenHasScope
from complaints.api.schema import ETAG, IF_MATCH, LOCATION, problems
from complaints.api.serializers import (
    AttachmentSerializer,
    ComplaintDetailSerializer,
    ComplaintSerializer,
    CustomerSerializer,
    EventSerializer,
    MeSerializer,
    NotificationSerializer,
    NotificationsReadSerializer,
    SlaPolicySerializer,
    WorkOrderSerializer,
)
from complaints.filters import ComplaintFilter, CustomerFilter
from complaints.models import Complaint, Customer, Notification, SlaPolicy, WorkOrder
from config.api import validated_body
from config.db_router import replica_reads

READ = "complaints:read"
WRITE = "complaints:write"
ANSWER_WORK_ORDERS = "workorders:write"
# TokenHasScope refuses a method the map does not name; HEAD and OPTIONS read.
READ_SCOPES = {"GET": READ, "HEAD": READ, "OPTIONS": READ}
READ_WRITE_SCOPES = {**READ_SCOPES, "POST": WRITE, "PATCH": WRITE}

# Error responses documented per kind of endpoint (all problem+json).
READ_ONE_ERRORS = problems(401, 403, 404)
WRITE_ERRORS = problems(400, 401, 403, 404, 409)
VERSIONED_WRITE_ERRORS = problems(400, 401, 403, 404, 409, 412)


class MeView(APIView):
    """Who the caller is: user, roles and (for API tokens) scopes."""

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user, context={"request": request}).data)


# --- Customers ---------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Find customers",
        description="`q` matches a phone number in any spelling, an account number exactly, "
        "or part of a name. Phone and email are masked unless your role may see contact "
        "details.",
        responses={200: CustomerSerializer(many=True), **problems(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="One customer", responses={200: CustomerSerializer, **READ_ONE_ERRORS}
    ),
    create=extend_schema(
        summary="Register a customer",
        description="The phone is stored in E.164; a phone already on file is refused (400) "
        "with the existing customer's id.",
        request=inputs.CustomerCreateSerializer,
        responses={201: CustomerSerializer, **problems(400, 401, 403)},
        parameters=[LOCATION],
    ),
)
class CustomerViewSet(viewsets.GenericViewSet):
    serializer_class = CustomerSerializer
    pagination_class = CustomerCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = CustomerFilter
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsAuthenticated, TokenHasScope, HasModelPermission]
    required_scopes = READ_WRITE_SCOPES
    required_permissions = {
        "GET": "complaints.view_customer",
        "HEAD": "complaints.view_customer",
        "OPTIONS": "complaints.view_customer",
        "POST": "complaints.add_customer",
    }

    def get_queryset(self):
        # Customers are shared by every team (one customer, many complaints); who
        # may list them at all is the role's view_customer permission.
        return Customer.objects.order_by("-id")

    @replica_reads()
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        customer = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(self.get_serializer(customer).data)

    def create(self, request: Request) -> Response:
        data = validated_body(inputs.CustomerCreateSerializer, request)
        customer, created = services.get_or_create_customer(**data)
        if not created:  # registered by someone else since the check
            raise serializers.ValidationError(
                {"phone": [_("A customer with this phone number already exists.")]}
            )
        return Response(
            self.get_serializer(customer).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-v1:customer-detail", args=[customer.pk])},
        )


# --- Complaints --------------------------------------------------------------------


def _complaint_responses(code: int = 200, *, errors: dict | None = None) -> dict:
    return {code: ComplaintDetailSerializer, **(errors or VERSIONED_WRITE_ERRORS)}


def _move(summary: str, request: type[serializers.Serializer] | None, description: str = ""):
    """Schema of an action that moves the complaint and answers with it."""
    return extend_schema(
        summary=summary,
        description=description,
        request=request,
        responses=_complaint_responses(),
        parameters=[IF_MATCH, ETAG],
    )


@extend_schema_view(
    list=extend_schema(
        summary="List complaints",
        description="The complaints you may see, newest received first, paged by cursor.",
        responses={200: ComplaintSerializer(many=True), **problems(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="One complaint",
        description="With `classification`: why it has its priority and category.",
        responses={200: ComplaintDetailSerializer, **READ_ONE_ERRORS},
        parameters=[ETAG],
    ),
    create=extend_schema(
        summary="Register a complaint",
        description="For a known `customer`, or by `phone` (the customer is found in any "
        "spelling of the number, or created).",
        request=inputs.ComplaintCreateSerializer,
        responses={201: ComplaintDetailSerializer, **problems(400, 401, 403)},
        parameters=[ETAG, LOCATION],
    ),
    partial_update=extend_schema(
        summary="Correct the record",
        description="Only subject, subject_detail, description, expectation, "
        "expectation_detail and emotion; any other field is refused by name.",
        request=inputs.ComplaintUpdateSerializer,
        responses=_complaint_responses(),
        parameters=[IF_MATCH, ETAG],
    ),
)
class ComplaintViewSet(viewsets.GenericViewSet):
    serializer_class = ComplaintDetailSerializer
    pagination_class = ComplaintCursorPagination
    filter_backends = [SelectorFilterBackend]
    filterset_class = ComplaintFilter
    lookup_value_regex = "[0-9]+"
    required_scopes = READ_WRITE_SCOPES

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Complaint.objects.none()
        return selectors.complaint_list(self.request.user, filters=self.request.query_params)

    def get_serializer_class(self) -> type[serializers.Serializer]:
        # A list leaves out each complaint's classification; one complaint has it.
        return ComplaintSerializer if self.action == "list" else ComplaintDetailSerializer

    # -- helpers

    def _visible(self, pk: str) -> Complaint:
        """The complaint if the caller may see it; 404 otherwise, as if it did not exist."""
        complaint = selectors.complaint_detail(self.request.user, pk)
        require(self.request.user, Action.VIEW_COMPLAINT, complaint)
        return complaint

    def _changeable(self, pk: str) -> Complaint:
        complaint = selectors.complaint_detail(self.request.user, pk)
        require(self.request.user, Action.CHANGE_COMPLAINT, complaint)
        return complaint

    def _answer(self, complaint: Complaint, code: int = status.HTTP_200_OK, **headers) -> Response:
        response = Response(self.get_serializer(complaint).data, status=code, headers=headers)
        return with_etag(response, complaint)

    # -- collection and record

    @replica_reads()
    def list(self, request: Request) -> Response:
        require(request.user, Action.VIEW_COMPLAINT)
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def create(self, request: Request) -> Response:
        require(request.user, Action.CREATE_COMPLAINT)
        data = validated_body(inputs.ComplaintCreateSerializer, request)
        assign_to_me = data.pop("assign_to_me")
        customer = data.pop("customer", None)
        contact = {
            "phone": data.pop("phone", None),
            "customer_name": data.pop("customer_name"),
            "email": data.pop("email"),
            "account_number": data.pop("account_number") or None,
        }
        data.update(created_by=request.user, assignee=request.user if assign_to_me else None)
        if customer is not None:
            complaint = services.register_complaint(customer=customer, **data)
        else:
            complaint = services.intake_complaint(**contact, **data)
        location = reverse("api-v1:complaint-detail", args=[complaint.pk])
        return self._answer(complaint, status.HTTP_201_CREATED, Location=location)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._answer(self._visible(pk))

    def partial_update(self, request: Request, pk: str) -> Response:
        complaint = self._changeable(pk)
        serializer = inputs.ComplaintUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        complaint = services.update_complaint(
            complaint,
            changes=dict(serializer.validated_data),
            by=request.user,
            expected_version=expected_version(request),
        )
        return self._answer(complaint)

    # -- moves of the transition table

    @_move("Assign to an agent or a team", inputs.AssignSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: str) -> Response:
        complaint = self._changeable(pk)
        data = validated_body(inputs.AssignSerializer, request)
        complaint = services.assign(
            complaint,
            to_user=data.get("assignee"),
            to_team=data.get("team"),
            by=request.user,
            expected_version=expected_version(request),
        )
        return self._answer(complaint)

    @_move("Start work", None, "The complaint must be assigned.")
    @action(detail=True, methods=["post"])
    def start(self, request: Request, pk: str) -> Response:
        complaint = self._changeable(pk)
        complaint = services.start_work(
            complaint, by=request.user, expected_version=expected_version(request)
        )
        return self._answer(complaint)

    @extend_schema(
        summary="Dispatch a work order to a department",
        description="The complaint then waits on the department; answers with the work order "
        "(its `ETag` and `Location`). `If-Match` names the complaint's version.",
        request=inputs.DispatchSerializer,
        responses={201: WorkOrderSerializer, **VERSIONED_WRITE_ERRORS},
        parameters=[IF_MATCH, ETAG, LOCATION],
    )
    @action(detail=True, methods=["post"], url_path="dispatch", url_name="dispatch")
    def dispatch_work_order(self, request: Request, pk: str) -> Response:
        # Not named ``dispatch``: that is APIView's request entry point.
        complaint = self._changeable(pk)
        data = validated_body(inputs.DispatchSerializer, request)
        work_order = services.dispatch_work_order(
            complaint,
            department=data["department"],
            instructions=data["instructions"],
            by=request.user,
            expected_version=expected_version(request),
        )
        response = Response(
            WorkOrderSerializer(work_order).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-v1:workorder-detail", args=[work_order.pk])},
        )
        return with_etag(response, work_order)

    @_move("Wait on the customer", inputs.WaitSerializer)
    @action(detail=True, methods=["post"])
    def wait(self, request: Request, pk: str) -> Response:
        complaint = self._changeable(pk)
        data = validated_body(inputs.WaitSerializer, request)
        complaint = services.wait_on_customer(
            complaint,
            reason=data["reason"],
            by=request.user,
            expected_version=expected_version(request),
        )
        return self._answer(complaint)

    @_move("Resume work", None)
    @action(detail=True, methods=["post"])
    def resume(self, request: Request, pk: str) -> Response:
        complaint = self._changeable(pk)
        complaint = services.resume(
            complaint, by=request.user, expected_version=expected_version(request)
        )
        return self._answer(complaint)

    @_move(
        "Propose a resolution",
        inputs.ResolveSerializer,
        "The complaint stays open until the customer confirms; open work orders must be "
        "answered or cancelled first.",
    )
    @action(detail=True, methods=["post"])
    def resolve(self, request: Request, pk: str) -> Response:
        complaint = self._changeable(pk)
        data = validated_body(inputs.ResolveSerializer, request)
        complaint = services.propose_resolution(
            complaint,
            summary=data["summary"],
            remedy=data["remedy"],
            by=request.user,
            expected_version=expected_version(request),
        )
        return self._answer(complaint)

    @_move(
        "Confirm the resolution and close",
        inputs.ConfirmSerializer,
        "`no_answer_rule` closes without the customer only when the documented number of "
        "unanswered contact attempts has been logged.",
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request: Request, pk: str) -> Response:
        complaint = self._changeable(pk)
        data = validated_body(inputs.ConfirmSerializer, request)
        complaint = services.confirm_resolution(
            complaint,
            method=data["method"],
            note=data["note"],
            by=request.user,
            expected_version=expected_version(request),
        )
        return self._answer(complaint)

    @_move("Reopen", inputs.ReasonSerializer, "Within the reopen window after resolution.")
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: str) -> Response:
        complaint = self._changeable(pk)
        data = validated_body(inputs.ReasonSerializer, request)
        complaint = services.reopen(
            complaint,
            reason=data["reason"],
            by=request.user,
            expected_version=expected_version(request),
        )
        return self._answer(complaint)

    @_move(
        "Cancel as duplicate or invalid",
        inputs.CancelSerializer,
        "Only new or assigned complaints.",
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        complaint = self._changeable(pk)
        data = validated_body(inputs.CancelSerializer, request)
        complaint = services.cancel(
            complaint,
            reason=data["reason"],
            note=data["note"],
            duplicate_of=data["duplicate_of"],
            by=request.user,
            expected_version=expected_version(request),
        )
        return self._answer(complaint)

    # -- corrections that are not moves

    @extend_schema(
        summary="Correct priority and/or category",
        description="The reason is required and goes on the timeline with each change; the "
        "classification's `overrides` record it, and the classifier learns from it. 400 "
        "`unchanged` when neither differs from the complaint's.",
        request=inputs.ReclassifySerializer,
        responses=_complaint_responses(),
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"])
    def reclassify(self, request: Request, pk: str) -> Response:
        complaint = self._changeable(pk)
        data = validated_body(inputs.ReclassifySerializer, request)
        complaint = services.override_classification(
            complaint,
            priority=data.get("priority"),
            category=data.get("category"),
            reason=data["reason"],
            by=request.user,
            expected_version=expected_version(request),
        )
        return self._answer(complaint)

    # -- the timeline: notes, contacts, events, attachments

    @extend_schema(
        summary="Add an internal note",
        request=inputs.NoteSerializer,
        responses={201: EventSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def notes(self, request: Request, pk: str) -> Response:
        complaint = self._changeable(pk)
        data = validated_body(inputs.NoteSerializer, request)
        event = services.add_note(complaint, text=data["text"], by=request.user)
        return Response(self._event_data(event), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Log a contact with the customer",
        request=inputs.ContactSerializer,
        responses={201: EventSerializer, **WRITE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def contacts(self, request: Request, pk: str) -> Response:
        complaint = self._changeable(pk)
        data = validated_body(inputs.ContactSerializer, request)
        event = services.log_contact(
            complaint,
            channel=data["channel"],
            outcome=data["outcome"],
            note=data["note"],
            by=request.user,
        )
        return Response(self._event_data(event), status=status.HTTP_201_CREATED)

    def _event_data(self, event) -> dict[str, Any]:
        return EventSerializer(event, context=self.get_serializer_context()).data

    @extend_schema(
        summary="The timeline",
        description="Every event, oldest first, paged by cursor.",
        responses={200: EventSerializer(many=True), **READ_ONE_ERRORS},
    )
    @action(
        detail=True,
        methods=["get"],
        pagination_class=EventCursorPagination,
        filter_backends=[],
    )
    def events(self, request: Request, pk: str) -> Response:
        complaint = self._visible(pk)
        page = self.paginate_queryset(selectors.complaint_timeline(complaint))
        return self.get_paginated_response(
            EventSerializer(page, many=True, context=self.get_serializer_context()).data
        )

    @extend_schema(
        methods=["GET"],
        summary="The attachments",
        responses={200: AttachmentSerializer(many=True), **READ_ONE_ERRORS},
    )
    @extend_schema(
        methods=["POST"],
        summary="Attach an image or PDF",
        description="Multipart upload of `file`; 413 when larger than the configured limit.",
        request={"multipart/form-data": inputs.AttachmentUploadSerializer},
        responses={
            201: AttachmentSerializer,
            **problems(400, 401, 403, 404, 413),
        },
    )
    @action(
        detail=True,
        methods=["get", "post"],
        parser_classes=[MultiPartParser],
        pagination_class=None,
        filter_backends=[],
    )
    def attachments(self, request: Request, pk: str) -> Response:
        if request.method == "GET":
            complaint = self._visible(pk)
            return Response(AttachmentSerializer(complaint.attachments.all(), many=True).data)
        complaint = self._changeable(pk)
        data = validated_body(inputs.AttachmentUploadSerializer, request)
        # The upload is handed on as Django stored it (memory or a temporary
        # file, by size); the service streams it to storage.
        attachment = services.add_attachment(complaint, upload=data["file"], by=request.user)
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


# --- Work orders -------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List work orders",
        description="Department users see their department's; others the work orders of "
        "the complaints they may see. Every state unless `state` is given; oldest first.",
        responses={200: WorkOrderSerializer(many=True), **problems(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="One work order",
        responses={200: WorkOrderSerializer, **READ_ONE_ERRORS},
        parameters=[ETAG],
    ),
)
class WorkOrderViewSet(viewsets.GenericViewSet):
    serializer_class = WorkOrderSerializer
    pagination_class = WorkOrderCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_fields = ["state"]
    lookup_value_regex = "[0-9]+"
    required_scopes = READ_SCOPES

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return WorkOrder.objects.none()
        return selectors.visible_work_orders(self.request.user)

    def _work_order(self, pk: str) -> WorkOrder:
        """The work order if the caller may see it; 404 otherwise."""
        self._require_view()
        return get_object_or_404(self.get_queryset(), pk=pk)

    def _require_view(self) -> None:
        if not self.request.user.has_perm("complaints.view_workorder"):
            raise PermissionDenied("view_workorder")

    @replica_reads()
    def list(self, request: Request) -> Response:
        self._require_view()
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._answer(self._work_order(pk))

    def _answer(self, work_order: WorkOrder) -> Response:
        return with_etag(Response(self.get_serializer(work_order).data), work_order)

    @extend_schema(
        summary="Answer a work order",
        description="For users of the work order's department. When no work order of the "
        "complaint is left open, the complaint is back in progress.",
        request=inputs.AnswerSerializer,
        responses={200: WorkOrderSerializer, **VERSIONED_WRITE_ERRORS},
        parameters=[IF_MATCH, ETAG],
    )
    @action(
        detail=True, methods=["post"], required_scopes={**READ_SCOPES, "POST": ANSWER_WORK_ORDERS}
    )
    def answer(self, request: Request, pk: str) -> Response:
        work_order = self._work_order(pk)
        require(request.user, Action.ANSWER_WORK_ORDER, work_order)
        data = validated_body(inputs.AnswerSerializer, request)
        work_order = services.answer_work_order(
            work_order,
            answer=data["answer"],
            by=request.user,
            expected_version=expected_version(request),
        )
        return self._answer(work_order)

    @extend_schema(
        summary="Cancel a work order",
        description="For those who may change its complaint.",
        request=inputs.WorkOrderCancelSerializer,
        responses={200: WorkOrderSerializer, **VERSIONED_WRITE_ERRORS},
        parameters=[IF_MATCH, ETAG],
    )
    @action(detail=True, methods=["post"], required_scopes={**READ_SCOPES, "POST": WRITE})
    def cancel(self, request: Request, pk: str) -> Response:
        work_order = self._work_order(pk)
        require(request.user, Action.CHANGE_COMPLAINT, work_order.complaint)
        data = validated_body(inputs.WorkOrderCancelSerializer, request)
        work_order = services.cancel_work_order(
            work_order,
            reason=data["reason"],
            by=request.user,
            expected_version=expected_version(request),
        )
        return self._answer(work_order)


# --- SLA policies ------------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="List SLA policies",
        description="Active and inactive, grouped by what they apply to and priority. The "
        "most specific active policy (category, then customer tier) sets a new clock.",
        responses={200: SlaPolicySerializer(many=True), **problems(400, 401, 403)},
    ),
    retrieve=extend_schema(
        summary="One SLA policy",
        responses={200: SlaPolicySerializer, **READ_ONE_ERRORS},
        parameters=[ETAG],
    ),
    create=extend_schema(
        summary="Add an SLA policy",
        description="Applies to clocks started afterwards. Work order policies have no "
        "priority, category, customer tier or first-response target.",
        request=SlaPolicySerializer,
        responses={201: SlaPolicySerializer, **problems(400, 401, 403)},
        parameters=[ETAG, LOCATION],
    ),
    partial_update=extend_schema(
        summary="Change an SLA policy",
        description="Applies to clocks started afterwards; open clocks keep their due times. "
        "Deactivate a policy (`is_active: false`) rather than deleting it.",
        request=SlaPolicySerializer,
        responses={200: SlaPolicySerializer, **problems(400, 401, 403, 404, 412)},
        parameters=[IF_MATCH, ETAG],
    ),
)
class SlaPolicyViewSet(viewsets.GenericViewSet):
    """SLA policies: read by every role that works complaints (``view_slapolicy``),
    written by those who manage SLAs (``Action.MANAGE_SLA``: supervisors, administrators)
    through ``services.save_policy``, as the policies page writes them."""

    serializer_class = SlaPolicySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = SlaPolicyFilter
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsAuthenticated, TokenHasScope, HasModelPermission]
    required_scopes = READ_WRITE_SCOPES
    required_permissions = dict.fromkeys(("GET", "HEAD", "OPTIONS"), "complaints.view_slapolicy")

    def get_queryset(self):
        # Configuration shared by the whole centre: no per-caller scoping.
        return SlaPolicy.objects.select_related("category").order_by(
            "applies_to", "priority", "category__code", "customer_tier", "id"
        )

    @replica_reads()
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._answer(get_object_or_404(self.get_queryset(), pk=pk))

    def _answer(self, policy: SlaPolicy, code: int = status.HTTP_200_OK, **headers) -> Response:
        response = Response(self.get_serializer(policy).data, status=code, headers=headers)
        return with_etag(response, policy)

    def create(self, request: Request) -> Response:
        require(request.user, Action.MANAGE_SLA)
        data = validated_body(SlaPolicySerializer, request)
        policy = services.save_policy(None, data=data, by=request.user)
        location = reverse("api-v1:slapolicy-detail", args=[policy.pk])
        return self._answer(policy, status.HTTP_201_CREATED, Location=location)

    def partial_update(self, request: Request, pk: str) -> Response:
        require(request.user, Action.MANAGE_SLA)
        policy = get_object_or_404(self.get_queryset(), pk=pk)
        serializer = self.get_serializer(policy, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        policy = services.save_policy(
            policy,
            data=dict(serializer.validated_data),
            by=request.user,
            expected_version=expected_version(request),
        )
        return self._answer(policy)


# --- Notifications -----------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="My notifications",
        description="The caller's own in-app notifications (SLA warnings, breaches, "
        "escalations), newest first, paged by cursor; `unread=true` for the unread only.",
        responses={200: NotificationSerializer(many=True), **problems(400, 401, 403)},
    ),
)
class NotificationViewSet(viewsets.GenericViewSet):
    """The caller's notifications; nobody else's exist for them, whatever their role."""

    serializer_class = NotificationSerializer
    pagination_class = NotificationCursorPagination
    filter_backends = [DjangoFilterBackend]
    filterset_class = NotificationFilter
    lookup_value_regex = "[0-9]+"
    permission_classes = [IsAuthenticated, TokenHasScope, HasModelPermission]
    required_scopes = READ_WRITE_SCOPES
    # Marking one's own notifications read is part of reading them: no role
    # holds change_notification, and nobody changes anyone else's.
    required_permissions = dict.fromkeys(
        ("GET", "HEAD", "OPTIONS", "POST"), "complaints.view_notification"
    )

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation: no caller
            return Notification.objects.none()
        return Notification.objects.filter(recipient_id=self.request.user.pk).select_related(
            "complaint"
        )

    @replica_reads()
    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        summary="Mark one notification read",
        description="Answers with the notification; one already read keeps its `read_at`.",
        request=None,
        responses={200: NotificationSerializer, **problems(401, 403, 404)},
    )
    @action(detail=True, methods=["post"], filter_backends=[])
    def read(self, request: Request, pk: str) -> Response:
        services.mark_notifications_read(request.user, ids=[int(pk)])
        return Response(self.get_serializer(get_object_or_404(self.get_queryset(), pk=pk)).data)

    @extend_schema(
        summary="Mark all my notifications read",
        request=None,
        responses={200: NotificationsReadSerializer, **problems(401, 403)},
    )
    @action(
        detail=False, methods=["post"], url_path="read-all", url_name="read-all", filter_backends=[]
    )
    def read_all(self, request: Request) -> Response:
        marked = services.mark_notifications_read(request.user)
        return Response(NotificationsReadSerializer({"marked": marked}).data)
