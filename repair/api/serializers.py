"""What the callbacks API answers with: bookings, their attempts, the IVR's look-up, the report.

Request bodies are in ``repair.api.inputs``. The phone is masked here unless the
caller's role may see contact details (``complaints.view_contact_details``).
"""

from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.api.serializers import ComplaintRefSerializer, UserRefSerializer
from complaints.models import Customer
from complaints.phones import mask_phone
from repair.enums import OPEN_CALLBACK_STATES, CallbackState
from repair.models import CallbackAgent, CallbackAttempt, CallbackRequest


def _sees_contact_details(serializer: serializers.Serializer) -> bool:
    # has_perm reads the caller's permissions once and caches them on the user.
    return serializer.context["request"].user.has_perm("complaints.view_contact_details")


class CallbackCustomerSerializer(serializers.ModelSerializer):
    class Meta:
        model = Customer
        fields = ["id", "name"]
        read_only_fields = fields


class CallbackAttemptSerializer(serializers.ModelSerializer):
    """One try at calling the customer back."""

    agent = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CallbackAttempt
        fields = ["id", "outcome", "note", "agent", "created_at"]
        read_only_fields = fields


class CallbackSerializer(serializers.ModelSerializer):
    """A callback booking, in lists."""

    phone = serializers.CharField(
        read_only=True,
        help_text="E.164 (`+8613812345678`) for roles that may see contact details, masked "
        "(`138****5678`) for others.",
    )
    customer = CallbackCustomerSerializer(read_only=True, allow_null=True)
    complaint = ComplaintRefSerializer(read_only=True, allow_null=True)
    assignee = UserRefSerializer(read_only=True, allow_null=True)
    created_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CallbackRequest
        fields = [
            "id",
            "phone",
            "customer",
            "source",
            "reason",
            "complaint",
            "requested_at",
            "preferred_from",
            "preferred_to",
            "clock_started_at",
            "due_at",
            "state",
            "assignee",
            "assigned_at",
            "joined_count",
            "last_joined_at",
            "attempt_count",
            "first_attempt_at",
            "next_attempt_at",
            "completed_at",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "clock_started_at": {
                "help_text": "The latest of the booking, the start of the preferred window and "
                "the end of quiet hours: the 30/60-minute figures count from here."
            },
            "due_at": {"help_text": "When the call must have been returned."},
            "joined_count": {
                "help_text": "Later bookings from the same number that joined this one."
            },
            "first_attempt_at": {"help_text": "When the call was first returned."},
            "next_attempt_at": {"help_text": "When to try again after an unanswered call."},
            "completed_at": {"help_text": "When it was answered, given up or cancelled."},
        }

    def to_representation(self, booking: CallbackRequest) -> dict[str, Any]:
        data = super().to_representation(booking)
        if not _sees_contact_details(self):
            data["phone"] = mask_phone(booking.phone)
        return data


class CallbackDetailSerializer(CallbackSerializer):
    """One callback booking with its attempts, oldest first."""

    attempts = CallbackAttemptSerializer(many=True, read_only=True)

    class Meta(CallbackSerializer.Meta):
        fields = [*CallbackSerializer.Meta.fields, "attempts"]
        read_only_fields = fields


class CallbackBookedSerializer(CallbackDetailSerializer):
    """The booking a ``POST callbacks/`` made or joined."""

    joined = serializers.SerializerMethodField()

    class Meta(CallbackDetailSerializer.Meta):
        fields = [*CallbackDetailSerializer.Meta.fields, "joined"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.BooleanField(
            help_text="True when the number already had an open booking and this request "
            "joined it (200) instead of making a new one (201)."
        )
    )
    def get_joined(self, booking: CallbackRequest) -> bool:
        return bool(self.context.get("joined", False))


class AttemptLoggedSerializer(serializers.Serializer):
    """The attempt just logged, and the booking as it stands after it."""

    attempt = CallbackAttemptSerializer(read_only=True)
    callback = CallbackSerializer(
        read_only=True,
        help_text="`assigned` with `next_attempt_at` when it will be tried again, `completed` "
        "when answered, `unreachable` when the tries ran out (the customer is told by SMS).",
    )


OPEN_STATE_CHOICES = [
    (state.value, state.label) for state in CallbackState if state in OPEN_CALLBACK_STATES
]


class OpenCallbackSerializer(serializers.ModelSerializer):
    """The caller's open booking, as much as the IVR needs to route them."""

    state = serializers.ChoiceField(choices=OPEN_STATE_CHOICES, read_only=True)

    class Meta:
        model = CallbackRequest
        fields = ["id", "due_at", "state", "joined_count"]
        read_only_fields = fields


class CallbackLookupSerializer(serializers.Serializer):
    has_open_booking = serializers.BooleanField(
        read_only=True, help_text="Route this caller to the front of the queue when true."
    )
    callback = OpenCallbackSerializer(read_only=True, allow_null=True)


class AvailabilitySerializer(serializers.ModelSerializer):
    """The caller's availability for the callback queue (assignment hands them bookings)."""

    available = serializers.BooleanField(source="is_available", read_only=True)

    class Meta:
        model = CallbackAgent
        fields = ["available", "updated_at"]
        read_only_fields = fields


class ReportHourSerializer(serializers.Serializer):
    hour = serializers.IntegerField(read_only=True, help_text="Hour of day, centre time (0–23).")
    bookings = serializers.IntegerField(read_only=True, help_text="Bookings in this hour.")
    per_day = serializers.FloatField(
        read_only=True, help_text="Bookings in this hour per day of the period."
    )
    agents_needed = serializers.IntegerField(
        read_only=True,
        help_text="Bookings per day in this hour ÷ callbacks an agent completes per hour, "
        "rounded up.",
    )


class CallbackReportSerializer(serializers.Serializer):
    """Call-loss figures for the bookings made in ``[since, until)``; cancelled ones are not
    counted. Waits run from the clock's start, so quiet hours do not count as late."""

    since = serializers.DateTimeField(read_only=True)
    until = serializers.DateTimeField(read_only=True)
    bookings = serializers.IntegerField(read_only=True, help_text="Bookings, not cancelled.")
    handled = serializers.IntegerField(
        read_only=True, help_text="Bookings whose call was returned (at least one attempt)."
    )
    within_30 = serializers.IntegerField(
        read_only=True, help_text="Returned within 30 minutes of the clock's start."
    )
    within_60 = serializers.IntegerField(
        read_only=True, help_text="Returned within 60 minutes of the clock's start."
    )
    completed = serializers.IntegerField(read_only=True, help_text="Answered.")
    unreachable = serializers.IntegerField(read_only=True, help_text="Tries ran out.")
    joined = serializers.IntegerField(
        read_only=True, help_text="Bookings that later bookings joined."
    )
    share_within_30 = serializers.FloatField(
        read_only=True, allow_null=True, help_text="`within_30 / bookings` (0–1); null for none."
    )
    share_within_60 = serializers.FloatField(
        read_only=True, allow_null=True, help_text="`within_60 / bookings` (0–1); null for none."
    )
    average_wait_minutes = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="From the clock's start to the first attempt; null when none was returned.",
    )
    capacity_per_agent_hour = serializers.IntegerField(
        read_only=True, help_text="Callbacks an agent completes per hour (configuration)."
    )
    hours = ReportHourSerializer(many=True, read_only=True, help_text="Hours 0 to 23.")
