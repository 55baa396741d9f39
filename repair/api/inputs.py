"""What the callbacks and repair APIs accept: request bodies and query parameters, validated
before any service runs.

Every choice is checked here (400 naming the field), so an unknown value never
reaches a service as an enum ``ValueError``. Business rules stay in the services
(``repair.services.callbacks``, ``repair.services.cases``,
``repair.services.key_events``); their ``ApplicationError`` details use the same
field names (e.g. ``preferred_to`` for a window that ends before it starts,
``outcome`` for a case closed without saying what was done).
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from complaints.api.inputs import ComplaintReferenceField
from complaints.errors import ApplicationError
from complaints.models import Customer
from complaints.phones import normalise_phone
from repair.api.serializers import RepairContactChannelField
from repair.enums import AttemptOutcome, CallbackSource, DamageType
from repair.models import KeyEvent, RepairStrategy
from repair.services.key_events import DEFAULT_SAMPLE_SIZE, MAX_ROWS

PHONE_MAX_LENGTH = 40  # generous for spaces and dashes; E.164 itself is at most 16
# Telephony clocks drift; a booking further ahead than this is a mistake, not a booking.
REQUESTED_AT_MAX_AHEAD = dt.timedelta(minutes=5)
REPORT_DEFAULT_PERIOD = dt.timedelta(days=7)
REPORT_MAX_PERIOD = dt.timedelta(days=366)


def _e164(value: str) -> str:
    """The phone in E.164, or a field error in the serializer's own terms."""
    try:
        return normalise_phone(value)
    except ApplicationError:
        raise serializers.ValidationError(
            _("Enter a valid phone number."), code="invalid_phone"
        ) from None


@extend_schema_serializer(component_name="Callback")
class BookCallbackSerializer(serializers.Serializer):
    """A callback to book; a number with an open booking joins it instead.

    Documented under the booking's own component name (``CallbackRequest`` in
    the schema), so that its ``source`` choices keep one enum name whatever other
    ``source`` fields the API grows.
    """

    phone = serializers.CharField(
        max_length=PHONE_MAX_LENGTH,
        help_text="Any spelling: `13812345678`, `+86 138-1234-5678`, `0086 13812345678`; "
        "stored as E.164.",
    )
    source = serializers.ChoiceField(
        choices=CallbackSource.choices,
        help_text="Dropped and silent calls are due within 10 minutes (a dropped call also "
        "gets an SMS apology at once); other bookings within the hour.",
    )
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    complaint = ComplaintReferenceField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The reference of a complaint you may see, e.g. `C-2026-000123`.",
    )
    preferred_from = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The customer's preferred window; a later start moves the clock.",
    )
    preferred_to = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="Must end after `preferred_from`; an earlier end brings the due time forward.",
    )
    requested_at = serializers.DateTimeField(
        required=False,
        allow_null=True,
        default=None,
        help_text="When the customer called (ISO 8601). Default: now; at most 5 minutes ahead.",
    )
    customer_name = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="For a new customer; default: the phone.",
    )

    def validate_phone(self, value: str) -> str:
        return _e164(value)

    def validate_requested_at(self, value: dt.datetime | None) -> dt.datetime | None:
        if value is not None and value > timezone.now() + REQUESTED_AT_MAX_AHEAD:
            raise serializers.ValidationError(
                _("A booking cannot be made more than 5 minutes in the future."),
                code="in_future",
            )
        return value


@extend_schema_serializer(component_name="CallbackAttempt")
class AttemptSerializer(serializers.Serializer):
    """An attempt to call the customer back.

    Documented under the attempt's own component name, so that its ``outcome``
    choices keep one enum name (``CallbackAttemptOutcomeEnum``).
    """

    outcome = serializers.ChoiceField(
        choices=AttemptOutcome.choices,
        help_text="`no_answer`, `busy` and `voicemail` are tried again after 10 minutes, up "
        "to 3 attempts; `answered` completes the booking; `wrong_number` gives it up.",
    )
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class CallbackCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="Why; kept with the booking.")


class AvailabilityInputSerializer(serializers.Serializer):
    available = serializers.BooleanField(
        help_text="True to take callbacks (assignment hands you bookings), false to stop."
    )


class LookupQuerySerializer(serializers.Serializer):
    phone = serializers.CharField(
        max_length=PHONE_MAX_LENGTH,
        help_text="The caller's number in any spelling. A number that is not valid has no booking.",
    )


class ReportQuerySerializer(serializers.Serializer):
    # Without ``since``: this long before ``until``.
    default_period = REPORT_DEFAULT_PERIOD

    since = serializers.DateTimeField(
        required=False, help_text="Bookings made from (ISO 8601). Default: 7 days before `until`."
    )
    until = serializers.DateTimeField(
        required=False, help_text="Bookings made before (ISO 8601). Default: now."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        until = attrs.get("until") or timezone.now()
        since = attrs.get("since") or until - self.default_period
        if since >= until:
            raise serializers.ValidationError({"until": [_("Must be after since.")]})
        if until - since > REPORT_MAX_PERIOD:
            raise serializers.ValidationError({"since": [_("The period can be at most 366 days.")]})
        return {"since": since, "until": until}


# --- Repair cases --------------------------------------------------------------------

REPAIR_METRICS_DEFAULT_PERIOD = dt.timedelta(days=30)


@extend_schema_serializer(component_name="RepairCase")
class OpenRepairCaseSerializer(serializers.Serializer):
    """A repair case opened by hand. A customer with an open case of the same kind gets that one.

    Documented under the case's own component name (``RepairCaseRequest``), so that
    ``damage_type`` keeps one enum name (``DamageTypeEnum``).
    """

    customer = serializers.PrimaryKeyRelatedField(
        queryset=Customer.objects.all(), help_text="The damaged customer's id."
    )
    damage_type = serializers.ChoiceField(
        choices=DamageType.choices,
        help_text="Any but `key_event`: key-event cases come from the event's import.",
    )
    complaint = ComplaintReferenceField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The reference of a complaint of this customer you may see, e.g. "
        "`C-2026-000123`; it raises the level when reopened, repeated or urgent.",
    )
    reason = serializers.CharField(max_length=500, help_text="Why the relationship needs repair.")


@extend_schema_serializer(component_name="RepairContact")
class RepairContactInputSerializer(serializers.Serializer):
    """A contact with the customer while repairing (``RepairContactRequest`` in the schema)."""

    channel = RepairContactChannelField()
    reached = serializers.BooleanField(
        default=True, help_text="False when the customer could not be reached."
    )
    note = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class CloseRepairCaseSerializer(serializers.Serializer):
    repaired = serializers.BooleanField(help_text="Whether the relationship was repaired.")
    outcome = serializers.CharField(
        help_text="What was done and how the customer responded (required)."
    )
    satisfied_after = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="The customer's answer when asked; null when not asked.",
    )
    strategy = serializers.PrimaryKeyRelatedField(
        queryset=RepairStrategy.objects.filter(is_active=True),
        required=False,
        allow_null=True,
        default=None,
        help_text="The id of the active strategy used; default: the one recorded before.",
    )
    follow_up_survey = serializers.BooleanField(
        default=False,
        help_text="Send the customer a follow-up survey about the repair (only when "
        "`repaired`); their score (4 or 5: satisfied) then replaces `satisfied_after`.",
    )


class StrategyQuerySerializer(serializers.Serializer):
    damage_type = serializers.ChoiceField(
        choices=DamageType.choices,
        required=False,
        help_text="Only the strategies that fit this damage type (strategies naming no type "
        "fit every type).",
    )


class RepairMetricsQuerySerializer(ReportQuerySerializer):
    default_period = REPAIR_METRICS_DEFAULT_PERIOD

    since = serializers.DateTimeField(
        required=False,
        help_text="Cases closed and complaints received from (ISO 8601). Default: 30 days "
        "before `until`.",
    )
    until = serializers.DateTimeField(
        required=False,
        help_text="Cases closed and complaints received before (ISO 8601). Default: now.",
    )


# --- Key events ----------------------------------------------------------------------


@extend_schema_serializer(component_name="KeyEvent")
class KeyEventCreateSerializer(serializers.ModelSerializer):
    """A mass incident to record.

    Documented under the event's own component name (``KeyEventRequest``), so that
    its ``kind`` choices keep one enum name.
    """

    class Meta:
        model = KeyEvent
        fields = ["name", "kind", "started_at", "ended_at", "description", "sms_en", "sms_zh_hans"]
        extra_kwargs = {
            "ended_at": {"help_text": "Null while it lasts; after `started_at`."},
            "sms_en": {
                "help_text": "Sent to English-speaking affected customers. Placeholders: "
                "`{customer_name}`, `{event_name}`."
            },
            "sms_zh_hans": {
                "help_text": "Sent to Chinese-speaking affected customers (the default). "
                "Same placeholders."
            },
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        ended_at = attrs.get("ended_at")
        if ended_at is not None and ended_at <= attrs["started_at"]:
            raise serializers.ValidationError({"ended_at": [_("Must be after started_at.")]})
        return attrs


class KeyEventFileSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="The affected customers as CSV: phone, name, account, note. UTF-8 with or "
        "without BOM, or GBK; a header row is optional, blank lines are ignored; at most "
        f"{MAX_ROWS:,} rows."
    )


class DrawSampleSerializer(serializers.Serializer):
    size = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ROWS,
        default=DEFAULT_SAMPLE_SIZE,
        help_text=f"How many affected customers to invite (default {DEFAULT_SAMPLE_SIZE}); "
        "customers drawn before are not drawn again.",
    )
