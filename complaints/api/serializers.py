"""What the API answers with: read-only representations of users, customers, complaints,
their timeline, work orders and attachments.

Request bodies are in ``complaints.api.inputs``. Contact details are masked here,
per caller, by the rules of ``complaints.access``.
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.access import Action, can, roles_of
from complaints.api.interim import mask_email
from complaints.lifecycle import Move, allowed_moves
from complaints.models import (
    Attachment,
    Category,
    Complaint,
    ComplaintEvent,
    Customer,
    Department,
    Team,
    User,
    WorkOrder,
)
from complaints.phones import mask_phone

# The API action (POST complaints/{id}/<name>/) that makes each move of the
# transition table. DEPARTMENTS_ANSWERED has none: answering the last open work
# order makes it.
MOVE_ACTIONS: dict[Move, str] = {
    Move.ASSIGN: "assign",
    Move.START: "start",
    Move.DISPATCH: "dispatch",
    Move.WAIT_ON_CUSTOMER: "wait",
    Move.RESUME: "resume",
    Move.RESOLVE: "resolve",
    Move.CONFIRM: "confirm",
    Move.REOPEN: "reopen",
    Move.CANCEL: "cancel",
}


def _user(serializer: serializers.Serializer) -> Any:
    return serializer.context["request"].user


class MeSerializer(serializers.ModelSerializer):
    roles = serializers.SerializerMethodField()
    team = serializers.StringRelatedField()
    department = serializers.StringRelatedField()
    scopes = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "roles",
            "team",
            "department",
            "scopes",
        ]
        read_only_fields = fields

    def get_roles(self, user: User) -> list[str]:
        return sorted(roles_of(user))

    def get_scopes(self, user: User) -> list[str] | None:
        token = self.context["request"].auth
        return list(token.scopes) if hasattr(token, "scopes") else None


# --- Small references to related rows ----------------------------------------------


class UserRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(
        source="__str__", read_only=True, help_text="Full name or username."
    )

    class Meta:
        model = User
        fields = ["id", "username", "name"]
        read_only_fields = fields


class TeamRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Team
        fields = ["id", "name"]
        read_only_fields = fields


class CategoryRefSerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="In the request's language.")

    class Meta:
        model = Category
        fields = ["code", "name"]
        read_only_fields = fields


class DepartmentRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["code", "name"]
        read_only_fields = fields


class ComplaintRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Complaint
        fields = ["id", "reference"]
        read_only_fields = fields


# --- Customers ---------------------------------------------------------------------


class CustomerSerializer(serializers.ModelSerializer):
    """A customer; phone and email are masked unless the caller may see contact details."""

    phone = serializers.CharField(
        read_only=True, help_text="E.164 (`+8613812345678`), or masked (`138****5678`)."
    )
    email = serializers.CharField(read_only=True, help_text="Or masked (`w***@example.com`).")

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "phone",
            "email",
            "account_number",
            "tier",
            "language",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def to_representation(self, customer: Customer) -> dict[str, Any]:
        data = super().to_representation(customer)
        if not _user(self).has_perm("complaints.view_contact_details"):
            data["phone"] = mask_phone(customer.phone)
            data["email"] = mask_email(customer.email)
        return data


class ComplaintCustomerSerializer(serializers.ModelSerializer):
    """The complaint's customer; documents the shape ``ComplaintSerializer`` builds."""

    phone = serializers.CharField(
        read_only=True,
        help_text="E.164 for supervisors and the complaint's assignee, masked for others.",
    )

    class Meta:
        model = Customer
        fields = ["id", "name", "phone", "tier"]
        read_only_fields = fields


# --- Complaints --------------------------------------------------------------------


class ComplaintSerializer(serializers.ModelSerializer):
    """A complaint as the caller may see it."""

    customer = serializers.SerializerMethodField()
    category = CategoryRefSerializer(read_only=True, allow_null=True)
    team = TeamRefSerializer(read_only=True, allow_null=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    created_by = UserRefSerializer(read_only=True, allow_null=True)
    repeat_of = serializers.SlugRelatedField(
        slug_field="reference",
        read_only=True,
        allow_null=True,
        help_text="Reference of the earlier complaint this one repeats.",
    )
    duplicate_of = serializers.SlugRelatedField(
        slug_field="reference",
        read_only=True,
        allow_null=True,
        help_text="Reference of the original, when cancelled as a duplicate.",
    )
    allowed_actions = serializers.SerializerMethodField()

    class Meta:
        model = Complaint
        fields = [
            "id",
            "reference",
            "received_at",
            "channel",
            "customer",
            "subject",
            "subject_detail",
            "category",
            "description",
            "expectation",
            "expectation_detail",
            "emotion",
            "priority",
            "state",
            "team",
            "assignee",
            "created_by",
            "resolution_summary",
            "remedy",
            "resolved_at",
            "confirmed_at",
            "confirmation_method",
            "reopen_count",
            "repeat_of",
            "duplicate_of",
            "version",
            "allowed_actions",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ComplaintCustomerSerializer)
    def get_customer(self, complaint: Complaint) -> dict[str, Any]:
        customer = complaint.customer
        full = can(_user(self), Action.VIEW_CONTACT_DETAILS, complaint)
        return {
            "id": customer.pk,
            "name": customer.name,
            "phone": customer.phone if full else mask_phone(customer.phone),
            "tier": customer.tier,
        }

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=list(MOVE_ACTIONS.values())),
            help_text="The actions (`POST complaints/{id}/<action>/`) the caller may take "
            "now; notes and contacts are always open to those who may change the complaint.",
        )
    )
    def get_allowed_actions(self, complaint: Complaint) -> list[str]:
        if not can(_user(self), Action.CHANGE_COMPLAINT, complaint):
            return []
        moves = allowed_moves(complaint.state)
        return [name for move, name in MOVE_ACTIONS.items() if move in moves]


class EventSerializer(serializers.ModelSerializer):
    """One line of the timeline."""

    kind_label = serializers.CharField(
        source="get_kind_display", read_only=True, help_text="In the request's language."
    )
    actor = UserRefSerializer(read_only=True, allow_null=True)
    work_order = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = ComplaintEvent
        fields = [
            "id",
            "kind",
            "kind_label",
            "actor",
            "message",
            "before",
            "after",
            "work_order",
            "created_at",
        ]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    """A file kept with a complaint; the pages serve it to those who may see the complaint."""

    class Meta:
        model = Attachment
        fields = ["id", "original_name", "content_type", "size", "created_at"]
        read_only_fields = fields


class WorkOrderSerializer(serializers.ModelSerializer):
    complaint = ComplaintRefSerializer(read_only=True)
    department = DepartmentRefSerializer(read_only=True)
    created_by = UserRefSerializer(read_only=True, allow_null=True)
    answered_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = WorkOrder
        fields = [
            "id",
            "complaint",
            "department",
            "instructions",
            "state",
            "answer",
            "answered_at",
            "answered_by",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields
