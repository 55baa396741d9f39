"""What the API accepts: request bodies, validated before any service runs.

Every choice is checked here (400 naming the field), so an unknown value never
reaches a service as an enum ``ValueError``. Lengths follow the model columns,
because transition services save without ``full_clean``. Business rules stay in
the services; their ``ApplicationError`` details use the same field names.
"""

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, extend_schema_serializer
from rest_framework import serializers

from complaints import selectors
from complaints.api.serializers import ComplaintDetailSerializer
from complaints.enums import (
    CancelReason,
    Channel,
    ConfirmationMethod,
    ContactChannel,
    ContactOutcome,
    Emotion,
    Expectation,
    Priority,
    Subject,
)
from complaints.errors import ApplicationError
from complaints.models import Category, Complaint, Customer, Department, Team, User
from complaints.phones import normalise_phone
from complaints.services.lifecycle import EDITABLE_FIELDS
from config.api import DateTimeField

PHONE_MAX_LENGTH = 40  # generous for spaces and dashes; E.164 itself is at most 16


def _e164(value: str) -> str:
    """The phone in E.164, or a field error in the serializer's own terms."""
    try:
        return normalise_phone(value)
    except ApplicationError:
        raise serializers.ValidationError(
            _("Enter a valid phone number."), code="invalid_phone"
        ) from None


def _account_taken_error(account_number: str | None, *, phone: str) -> str | None:
    """Refuse an account number that belongs to another customer than the phone's.

    The customer service would hit the unique index and fail with a 500.
    """
    if not account_number:
        return None
    taken = Customer.objects.filter(account_number=account_number).exclude(phone=phone).exists()
    return _("Another customer has this account number.") if taken else None


# --- Customers ---------------------------------------------------------------------


@extend_schema_serializer(component_name="Customer")
class CustomerCreateSerializer(serializers.Serializer):
    phone = serializers.CharField(
        max_length=PHONE_MAX_LENGTH,
        help_text="Any spelling: `13812345678`, `+86 138-1234-5678`, `0086 13812345678`; "
        "stored as E.164.",
    )
    name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Default: the phone.",
    )
    email = serializers.EmailField(required=False, allow_blank=True, default="")
    account_number = serializers.CharField(
        max_length=50, required=False, allow_blank=True, allow_null=True, default=None
    )

    def validate_phone(self, value: str) -> str:
        e164 = _e164(value)
        existing = Customer.objects.filter(phone=e164).values_list("pk", flat=True).first()
        if existing is not None:
            raise serializers.ValidationError(
                _("A customer with this phone number already exists (id %(id)s).")
                % {"id": existing},
                code="duplicate",
            )
        return e164

    def validate_account_number(self, value: str | None) -> str | None:
        value = (value or "").strip() or None
        if value and Customer.objects.filter(account_number=value).exists():
            raise serializers.ValidationError(
                _("Another customer has this account number."), code="duplicate"
            )
        return value


# --- Complaints --------------------------------------------------------------------


@extend_schema_serializer(component_name="Complaint")
class ComplaintCreateSerializer(serializers.Serializer):
    """A new complaint, for a known customer (``customer``) or one found or created by ``phone``."""

    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(),
        required=False,
        allow_null=True,
        help_text="A known customer's id; or give `phone` instead.",
    )
    phone = serializers.CharField(
        max_length=PHONE_MAX_LENGTH,
        required=False,
        help_text="Finds the customer by phone in any spelling, or creates them.",
    )
    customer_name = serializers.CharField(
        max_length=200, required=False, allow_blank=True, default="", help_text="With `phone`."
    )
    email = serializers.EmailField(
        required=False, allow_blank=True, default="", help_text="With `phone`."
    )
    account_number = serializers.CharField(
        max_length=50, required=False, allow_blank=True, default="", help_text="With `phone`."
    )
    channel = serializers.ChoiceField(choices=Channel.choices)
    description = serializers.CharField()
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        help_text="A category code, e.g. `billing_dispute`.",
    )
    subject = serializers.ChoiceField(choices=Subject.choices, required=False)
    subject_detail = serializers.CharField(max_length=200, required=False, allow_blank=True)
    expectation = serializers.ChoiceField(choices=Expectation.choices, required=False)
    expectation_detail = serializers.CharField(max_length=200, required=False, allow_blank=True)
    emotion = serializers.ChoiceField(choices=Emotion.choices, required=False)
    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    received_at = DateTimeField(required=False, help_text="Default: now.")
    assign_to_me = serializers.BooleanField(
        default=False, help_text="Assign the complaint to the caller at once."
    )

    def validate_phone(self, value: str) -> str:
        return _e164(value)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        has_customer = attrs.get("customer") is not None
        phone = attrs.get("phone")
        errors: dict[str, list[str]] = {}
        if has_customer and phone:
            errors["phone"] = [_("Give either a customer or a phone number, not both.")]
        elif not has_customer and not phone:
            message = _("Give a customer id or the customer's phone number.")
            errors["customer"] = [message]
            errors["phone"] = [message]
        elif has_customer:
            for field in ("customer_name", "email", "account_number"):
                if attrs.get(field):
                    errors[field] = [_("Only used with a phone number, to create the customer.")]
        elif attrs.get("account_number") and not Customer.objects.filter(phone=phone).exists():
            taken = _account_taken_error(attrs["account_number"], phone=phone)
            if taken:
                errors["account_number"] = [taken]
        if errors:
            raise serializers.ValidationError(errors)
        return attrs


@extend_schema_serializer(component_name="Complaint")
class ComplaintUpdateSerializer(serializers.ModelSerializer):
    """Corrections to an open complaint's record; only these fields may change."""

    class Meta:
        model = Complaint
        fields = sorted(EDITABLE_FIELDS)

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        """Refuse fields that cannot change here, each by name, with any other field errors."""
        errors: dict[str, Any] = {}
        value: dict[str, Any] = {}
        try:
            value = super().to_internal_value(data)
        except serializers.ValidationError as error:
            errors.update(error.detail)
        if isinstance(data, Mapping):
            known = {*ComplaintDetailSerializer.Meta.fields, "phone"}
            for field in sorted(set(data) - set(self.fields)):
                errors[field] = [
                    _("This field cannot be changed here.")
                    if field in known
                    else _("Unknown field.")
                ]
        if errors:
            raise serializers.ValidationError(errors)
        return value


# --- Complaint actions -------------------------------------------------------------


class AssignSerializer(serializers.Serializer):
    assignee = serializers.PrimaryKeyRelatedField(
        queryset=User.objects.all(),
        required=False,
        allow_null=True,
        help_text="A user id; the complaint joins their team.",
    )
    team = serializers.PrimaryKeyRelatedField(
        queryset=Team.objects.all(),
        required=False,
        allow_null=True,
        help_text="A team id; alone, it puts the complaint back on the team's unassigned pile.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("assignee") is None and attrs.get("team") is None:
            message = _("Choose an agent or a team.")
            raise serializers.ValidationError({"assignee": [message], "team": [message]})
        return attrs


class DispatchSerializer(serializers.Serializer):
    department = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Department.objects.all(),
        help_text="A department code, e.g. `billing`.",
    )
    instructions = serializers.CharField(help_text="What the department should do.")


class WaitSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ResolveSerializer(serializers.Serializer):
    summary = serializers.CharField(help_text="How the complaint was resolved.")
    remedy = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class ConfirmSerializer(serializers.Serializer):
    method = serializers.ChoiceField(
        choices=ConfirmationMethod.choices,
        help_text="How the customer confirmed; `no_answer_rule` closes by the documented rule "
        "when the customer could not be reached.",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField()


class ReclassifySerializer(serializers.Serializer):
    """A person's correction of priority and/or category; what the classifier learns from."""

    priority = serializers.ChoiceField(choices=Priority.choices, required=False)
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True),
        required=False,
        help_text="A category code, e.g. `billing_dispute`.",
    )
    reason = serializers.CharField(help_text="Why; kept on the timeline with the change.")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if "priority" not in attrs and "category" not in attrs:
            message = _("Choose a priority, a category or both.")
            raise serializers.ValidationError({"priority": [message], "category": [message]})
        return attrs


@extend_schema_field(OpenApiTypes.STR)
class ComplaintReferenceField(serializers.SlugRelatedField):
    """A complaint by reference, among those the caller may see (others do not exist to them)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="reference", **kwargs)

    def get_queryset(self):
        return selectors.visible_complaints(self.context["request"].user)


class CancelSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=CancelReason.choices)
    note = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="Required for `invalid`.",
    )
    duplicate_of = ComplaintReferenceField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The original's reference; required for `duplicate`.",
    )


class NoteSerializer(serializers.Serializer):
    text = serializers.CharField()


class ContactSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ContactChannel.choices)
    outcome = serializers.ChoiceField(choices=ContactOutcome.choices)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="An image (JPEG, PNG, GIF, WebP) or a PDF; checked by content, not by name."
    )


# --- Work orders -------------------------------------------------------------------


class AnswerSerializer(serializers.Serializer):
    answer = serializers.CharField(help_text="The department's answer.")


class WorkOrderCancelSerializer(serializers.Serializer):
    reason = serializers.CharField()
