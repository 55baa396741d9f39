"""What the API answers with: read-only representations of users, customers, complaints,
their classification and SLA clocks, their timeline, work orders, attachments and
notifications; and SLA policies, whose one serializer also checks the body of a write.

Other request bodies are in ``complaints.api.inputs``. Contact details are masked
here, per caller, by the rules of ``complaints.access``.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.access import Action, can, roles_of
from complaints.api.sla import sla_status
from complaints.enums import CustomerTier, Priority, SlaStatus
from complaints.lifecycle import Move, allowed_moves
from complaints.models import (
    Attachment,
    Category,
    Complaint,
    ComplaintEvent,
    Customer,
    Department,
    Notification,
    SlaPolicy,
    SlaTarget,
    Team,
    User,
    WorkOrder,
)
from complaints.phones import mask_email, mask_phone
from complaints.services.audit import reveal_or_mask

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
        full = _user(self).has_perm("complaints.view_contact_details")
        for field, mask in (("phone", mask_phone), ("email", mask_email)):
            data[field] = reveal_or_mask(
                self.context["request"],
                data[field],
                full=full,
                customer_id=customer.pk,
                about=customer,
                mask=mask,
            )
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


# --- Classification ----------------------------------------------------------------


class ClassificationRuleHitSerializer(serializers.Serializer):
    """A classification rule that fired, as it was when it fired."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(read_only=True)
    priority = serializers.ChoiceField(
        choices=Priority.choices,
        allow_blank=True,
        read_only=True,
        help_text="The priority the rule gives; empty for a rule that only sets a category.",
    )
    category = serializers.CharField(
        read_only=True, help_text="The category code the rule gives; empty for none."
    )
    weight = serializers.IntegerField(
        read_only=True, help_text="Among rules giving a category, the heaviest wins."
    )


class ClassificationSuggestionSerializer(serializers.Serializer):
    """What the learned classifier guessed, with its confidence in each guess (0 to 1)."""

    model_version = serializers.IntegerField(read_only=True)
    priority = serializers.CharField(read_only=True)
    priority_confidence = serializers.FloatField(read_only=True)
    category = serializers.CharField(read_only=True, help_text="A category code.")
    category_confidence = serializers.FloatField(read_only=True)


class ClassificationOverrideSerializer(serializers.Serializer):
    """One correction by a person (``POST complaints/{id}/reclassify/``); ``from`` and ``to``
    are priorities or category codes."""

    field = serializers.ChoiceField(choices=["priority", "category"], read_only=True)
    from_ = serializers.CharField(read_only=True, help_text="The value before; empty for none.")
    to = serializers.CharField(read_only=True)

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = super().get_fields()
        fields["from"] = fields.pop("from_")  # a Python keyword, so declared under another name
        return dict(sorted(fields.items(), key=lambda item: ("field", "from", "to").index(item[0])))


class ClassificationSerializer(serializers.Serializer):
    """Why the complaint has its priority and category: the explanation stored at intake,
    plus the corrections made since."""

    source = serializers.CharField(
        read_only=True,
        help_text="What decided at intake: `rules`, `model`, `rules+model` or `default` (no "
        "rule fired), with `+agent` when the agent raised the priority; empty when the "
        "complaint was never classified.",
    )
    priority = serializers.CharField(
        read_only=True, help_text="The priority classification gave, before any override."
    )
    category = serializers.CharField(
        read_only=True,
        help_text="The category code classification gave or kept, before any override.",
    )
    rules = ClassificationRuleHitSerializer(
        many=True, read_only=True, help_text="The rules that fired, most urgent first."
    )
    suggestion = ClassificationSuggestionSerializer(
        read_only=True, allow_null=True, help_text="Null when no classifier model was trained."
    )
    overrides = ClassificationOverrideSerializer(many=True, read_only=True)

    def to_representation(self, stored: Any) -> dict[str, Any]:
        """Every key present whatever was stored (older complaints have fewer, or none)."""
        stored = stored if isinstance(stored, Mapping) else {}
        return super().to_representation(
            {
                "source": stored.get("source") or "",
                "priority": stored.get("priority") or "",
                "category": stored.get("category") or "",
                "rules": stored.get("rules") or [],
                "suggestion": stored.get("suggestion") or None,
                "overrides": stored.get("overrides") or [],
            }
        )


# --- SLA clocks ----------------------------------------------------------------------


def _clock_time(column: str, help_text: str) -> serializers.DateTimeField:
    return serializers.DateTimeField(
        source=column, read_only=True, allow_null=True, help_text=help_text
    )


class ResponseClockSerializer(serializers.Serializer):
    """The first-response clock: from receipt until the customer is first reached."""

    due_at = _clock_time("response_due_at", "Null when the policy sets no first-response target.")
    warn_at = _clock_time("response_warn_at", "When the warning falls due.")
    met_at = _clock_time("response_met_at", "When the customer was first reached.")
    warned_at = _clock_time("response_warned_at", "When the warning was raised.")
    breached_at = _clock_time("response_breached_at", "When the deadline was missed.")


class ResolutionClockSerializer(serializers.Serializer):
    """The resolution clock: from receipt until a resolution is proposed; paused while
    waiting on the customer (the due time moves on by the pause when it resumes)."""

    due_at = _clock_time("resolution_due_at", "When the resolution is due.")
    warn_at = _clock_time("resolution_warn_at", "When the warning falls due.")
    met_at = _clock_time("resolution_met_at", "When a resolution was proposed or it stopped.")
    warned_at = _clock_time("resolution_warned_at", "When the warning was raised.")
    breached_at = _clock_time("resolution_breached_at", "When the deadline was missed.")
    paused_at = _clock_time("resolution_paused_at", "Since when it is paused; null if running.")
    paused_seconds = serializers.IntegerField(
        source="resolution_paused_seconds",
        read_only=True,
        help_text="Time spent paused in earlier pauses.",
    )


class SlaClocksSerializer(serializers.Serializer):
    """A complaint's SLA clocks and their status at a glance."""

    response = ResponseClockSerializer(source="*", read_only=True)
    resolution = ResolutionClockSerializer(source="*", read_only=True)
    status = serializers.SerializerMethodField()

    @extend_schema_field(
        serializers.ChoiceField(
            choices=SlaStatus.choices,
            help_text="`breached` when a running clock missed its deadline, `at_risk` when one "
            "passed its warning, `paused` while waiting on the customer, `met` when no clock "
            "is left running, else `ok`.",
        )
    )
    def get_status(self, complaint: Complaint) -> str:
        return sla_status(complaint).value


# --- Complaints --------------------------------------------------------------------


class ComplaintSerializer(serializers.ModelSerializer):
    """A complaint as the caller may see it, in lists."""

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
    sla = SlaClocksSerializer(source="*", read_only=True)

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
            "sla",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ComplaintCustomerSerializer)
    def get_customer(self, complaint: Complaint) -> dict[str, Any]:
        customer = complaint.customer
        return {
            "id": customer.pk,
            "name": customer.name,
            "phone": reveal_or_mask(
                self.context["request"],
                customer.phone,
                full=can(_user(self), Action.VIEW_CONTACT_DETAILS, complaint),
                customer_id=customer.pk,
                about=complaint,
            ),
            "tier": customer.tier,
        }

    @extend_schema_field(
        serializers.ListField(
            child=serializers.ChoiceField(choices=list(MOVE_ACTIONS.values())),
            help_text="The moves (`POST complaints/{id}/<action>/`) the caller may make now; "
            "notes, contacts and reclassify are always open to those who may change the "
            "complaint.",
        )
    )
    def get_allowed_actions(self, complaint: Complaint) -> list[str]:
        if not can(_user(self), Action.CHANGE_COMPLAINT, complaint):
            return []
        moves = allowed_moves(complaint.state)
        return [name for move, name in MOVE_ACTIONS.items() if move in moves]


class ComplaintDetailSerializer(ComplaintSerializer):
    """One complaint as the caller may see it, with why it is classified as it is."""

    classification = ClassificationSerializer(read_only=True)

    class Meta(ComplaintSerializer.Meta):
        fields = [*ComplaintSerializer.Meta.fields, "classification"]
        read_only_fields = fields


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
            "due_at",
            "warn_at",
            "warned_at",
            "breached_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "due_at": {"help_text": "When the department's answer is due."},
            "warn_at": {"help_text": "When the warning falls due."},
            "warned_at": {"help_text": "When the warning was raised."},
            "breached_at": {"help_text": "When the answer became overdue."},
        }


# --- Notifications -----------------------------------------------------------------


class NotificationSerializer(serializers.ModelSerializer):
    """An in-app message for the caller: SLA warnings, breaches, escalations."""

    kind = serializers.CharField(
        read_only=True, help_text="What happened, e.g. `sla_warned` or `sla_breached`."
    )
    complaint = ComplaintRefSerializer(read_only=True, allow_null=True)
    work_order = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    read_at = serializers.DateTimeField(
        read_only=True, allow_null=True, help_text="Null while unread."
    )

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "complaint", "work_order", "created_at", "read_at"]
        read_only_fields = fields


class NotificationsReadSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread notifications were marked read.")


# --- SLA policies ------------------------------------------------------------------


@extend_schema_field(
    {
        "type": "string",
        "enum": ["", *CustomerTier.values],
        "description": "Only for customers of this tier; empty for every tier.",
    }
)
class PolicyCustomerTierField(serializers.ChoiceField):
    """CustomerTier, documented as the policy's own ``CustomerTierEnum``.

    The customer's ``tier`` carries the same choices under another name;
    drf-spectacular would warn about one choice set with two names.
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=CustomerTier.choices, allow_blank=True, **kwargs)


class SlaPolicySerializer(serializers.ModelSerializer):
    """An SLA policy, read and written (``POST``, ``PATCH``) with the same shape.

    A change applies to clocks started afterwards; open clocks keep their due
    times. The body is checked here, field by field; ``services.save_policy``
    saves it (the views never call ``save()``).
    """

    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="Only for complaints of this category code; null for every category.",
    )
    customer_tier = PolicyCustomerTierField(required=False)

    class Meta:
        model = SlaPolicy
        fields = [
            "id",
            "applies_to",
            "priority",
            "category",
            "customer_tier",
            "first_response_minutes",
            "resolution_minutes",
            "warn_percent",
            "is_active",
            "updated_at",
        ]
        read_only_fields = ["id", "updated_at"]
        extra_kwargs = {
            "applies_to": {"help_text": "`complaint` (the default) or `work_order`."},
            "priority": {
                "help_text": "Required for complaint policies; work order policies have none."
            },
            "first_response_minutes": {
                "min_value": 1,
                "help_text": "Working minutes (by the team's business calendar) to the first "
                "response; null for no first-response clock. Work order policies have none.",
            },
            "resolution_minutes": {
                "min_value": 1,
                "help_text": "Working minutes to a proposed resolution (or a department's answer).",
            },
            "warn_percent": {
                "min_value": 1,
                "max_value": 99,
                "help_text": "Warn when this share of the time has elapsed (1–99).",
            },
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Check the policy as it will be saved: the body over the stored policy for PATCH."""
        current = self.instance

        def value(field: str) -> Any:
            if field in attrs:
                return attrs[field]
            return getattr(current, field) if current is not None else None

        applies_to = value("applies_to") or SlaTarget.COMPLAINT  # the model's default
        errors: dict[str, list[str]] = {}
        if applies_to == SlaTarget.WORK_ORDER:
            not_for_work_orders = {
                "priority": _("Work order policies apply to every priority: leave it empty."),
                "first_response_minutes": _("Work orders have no first-response clock."),
                "category": _("Work order policies apply to every category: leave it empty."),
                "customer_tier": _("Work order policies apply to every tier: leave it empty."),
            }
            for field, message in not_for_work_orders.items():
                if value(field):
                    errors[field] = [message]
        elif not value("priority"):
            errors["priority"] = [_("A complaint policy needs a priority.")]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs
