"""What the callbacks and repair APIs answer with: bookings, their attempts, the IVR's look-up,
the callback report; repair cases with their contacts and scripts, strategies, repair
metrics, key events with their progress and report.

Request bodies are in ``repair.api.inputs``. Phones are masked here unless the
caller's role may see contact details (``complaints.view_contact_details``).
"""

from typing import Any

from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from complaints.api.serializers import ComplaintRefSerializer, TeamRefSerializer, UserRefSerializer
from complaints.models import Customer
from complaints.services.audit import reveal_or_mask
from repair.enums import (
    OPEN_CALLBACK_STATES,
    CallbackState,
    DamageType,
    RepairContactChannel,
    StrategyLine,
)
from repair.models import (
    CallbackAgent,
    CallbackAttempt,
    CallbackRequest,
    KeyEvent,
    RepairCase,
    RepairContact,
    RepairStrategy,
)


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
        data["phone"] = reveal_or_mask(
            self.context["request"],
            booking.phone,
            full=_sees_contact_details(self),
            customer_id=booking.customer_id,
            about=booking,
        )
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


# --- Repair cases --------------------------------------------------------------------

# A repair contact's channels are the complaint contact's (call, SMS, email, visit);
# documented as that one enum: a second component with the same choices under the
# same field name would get a hashed enum name, with a warning (the test suite checks
# that both keep the same values).
SHARED_CHANNEL_ENUM = "ContactChannelEnum"


@extend_schema_field({"$ref": f"#/components/schemas/{SHARED_CHANNEL_ENUM}"})
class RepairContactChannelField(serializers.ChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(choices=RepairContactChannel.choices, **kwargs)


class RepairCustomerSerializer(serializers.ModelSerializer):
    """The damaged customer; scripts are rendered in their language."""

    phone = serializers.CharField(
        read_only=True,
        help_text="E.164 for roles that may see contact details, masked (`138****5678`) for "
        "others.",
    )

    class Meta:
        model = Customer
        fields = ["id", "name", "phone", "language"]
        read_only_fields = fields

    def to_representation(self, customer: Customer) -> dict[str, Any]:
        data = super().to_representation(customer)
        data["phone"] = reveal_or_mask(
            self.context["request"],
            customer.phone,
            full=_sees_contact_details(self),
            customer_id=customer.pk,
            about=customer,
        )
        return data


class RepairStrategyRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = RepairStrategy
        fields = ["id", "name"]
        read_only_fields = fields


class RepairCaseSerializer(serializers.ModelSerializer):
    """A damaged customer relationship to repair, in lists."""

    customer = RepairCustomerSerializer(read_only=True)
    owner = UserRefSerializer(
        read_only=True, allow_null=True, help_text="Null: in the team's pile, anyone may take it."
    )
    team = TeamRefSerializer(read_only=True, allow_null=True)
    complaint = ComplaintRefSerializer(read_only=True, allow_null=True)
    strategy = RepairStrategyRefSerializer(
        read_only=True, allow_null=True, help_text="The strategy used, recorded when closing."
    )
    opened_by = UserRefSerializer(
        read_only=True, allow_null=True, help_text="Who opened it by hand; null when automatic."
    )
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = RepairCase
        fields = [
            "id",
            "customer",
            "damage_type",
            "level",
            "reason",
            "state",
            "owner",
            "team",
            "due_at",
            "overdue",
            "complaint",
            "source_callback",
            "source_response",
            "key_event",
            "strategy",
            "outcome",
            "satisfied_after",
            "follow_up_invitation",
            "closed_at",
            "opened_by",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "level": {
                "help_text": "1 (mild) to 4: the type's base level plus one each for a VIP "
                "customer, a reopened complaint, repeated complaints and a severe cause."
            },
            "due_at": {"help_text": "When the repair must be done (48 hours after opening)."},
            "source_callback": {"help_text": "The id of the unreachable callback behind it."},
            "follow_up_invitation": {
                "help_text": "The id of the survey invitation sent when the case was closed "
                "with `follow_up_survey`; the customer's score then sets `satisfied_after`."
            },
            "source_response": {
                "help_text": "The id of the dissatisfied survey response behind it."
            },
            "key_event": {"help_text": "The id of the key event behind it."},
            "outcome": {"help_text": "What was done and how the customer responded."},
            "satisfied_after": {"help_text": "Null when the customer was not asked."},
        }

    @extend_schema_field(
        serializers.BooleanField(help_text="Open and past its due time.", read_only=True)
    )
    def get_overdue(self, case: RepairCase) -> bool:
        return case.is_open and case.due_at < timezone.now()


class RepairContactSerializer(serializers.ModelSerializer):
    """One contact with the customer while repairing."""

    channel = RepairContactChannelField(read_only=True)
    agent = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = RepairContact
        fields = ["id", "channel", "reached", "note", "agent", "created_at"]
        read_only_fields = fields


class RepairScriptSerializer(serializers.Serializer):
    """A strategy that fits the case, its script filled in for this customer."""

    id = serializers.IntegerField(read_only=True, help_text="The strategy's id.")
    name = serializers.CharField(read_only=True)
    line = serializers.ChoiceField(choices=StrategyLine.choices, read_only=True)
    script = serializers.CharField(
        read_only=True,
        help_text="In the customer's language, with `{customer_name}`, `{complaint_ref}`, "
        "`{agent_name}`, `{score}` and `{reason}` filled in.",
    )


class RepairCaseDetailSerializer(RepairCaseSerializer):
    """One repair case with its contacts (oldest first) and the strategies that fit it."""

    contacts = RepairContactSerializer(many=True, read_only=True)
    strategies = RepairScriptSerializer(
        source="fitting_strategies",
        many=True,
        read_only=True,
        help_text="The active strategies that fit the damage type, with their scripts.",
    )

    class Meta(RepairCaseSerializer.Meta):
        fields = [*RepairCaseSerializer.Meta.fields, "contacts", "strategies"]
        read_only_fields = fields


class RepairContactLoggedSerializer(serializers.Serializer):
    """The contact just logged, and the case as it stands after it."""

    contact = RepairContactSerializer(read_only=True)
    case = RepairCaseSerializer(
        read_only=True, help_text="`in_progress` now, owned by the caller if nobody owned it."
    )


DAMAGE_TYPE_VALUES = ", ".join(f"`{value}`" for value in DamageType.values)


class RepairStrategySerializer(serializers.ModelSerializer):
    """A measure from the strategy library, with its script templates."""

    damage_types = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=f"The damage types it fits ({DAMAGE_TYPE_VALUES}); empty: every type.",
    )

    class Meta:
        model = RepairStrategy
        fields = ["id", "name", "line", "damage_types", "script_en", "script_zh_hans"]
        read_only_fields = fields


class RepairMetricsSerializer(serializers.Serializer):
    """Repair figures for ``[since, until)``: cases closed and complaints received then."""

    since = serializers.DateTimeField(read_only=True)
    until = serializers.DateTimeField(read_only=True)
    closed = serializers.IntegerField(read_only=True, help_text="Cases closed.")
    on_time = serializers.IntegerField(read_only=True, help_text="Closed by their due time.")
    asked = serializers.IntegerField(
        read_only=True, help_text="Closed cases whose customer was asked about satisfaction."
    )
    satisfied = serializers.IntegerField(read_only=True, help_text="Satisfied after repair.")
    on_time_rate = serializers.FloatField(
        read_only=True, allow_null=True, help_text="`on_time / closed` (0–1); null for none."
    )
    satisfied_rate = serializers.FloatField(
        read_only=True, allow_null=True, help_text="`satisfied / asked` (0–1); null for none."
    )
    complaints = serializers.IntegerField(read_only=True, help_text="Complaints received.")
    repeat_complaints = serializers.IntegerField(
        read_only=True, help_text="Of which repeats of an earlier complaint."
    )
    repeat_rate = serializers.FloatField(
        read_only=True,
        allow_null=True,
        help_text="`repeat_complaints / complaints` (0–1); null for none.",
    )
    open_backlog = serializers.IntegerField(
        read_only=True, help_text="Cases open now, whenever they were opened."
    )


# --- Key events ----------------------------------------------------------------------


class KeyEventSerializer(serializers.ModelSerializer):
    """A mass incident, with the progress of its affected-customer import."""

    progress_percent = serializers.IntegerField(
        read_only=True, help_text="`rows_done / rows_total` in percent; 100 once imported."
    )
    created_by = UserRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = KeyEvent
        fields = [
            "id",
            "name",
            "kind",
            "started_at",
            "ended_at",
            "description",
            "sms_en",
            "sms_zh_hans",
            "import_state",
            "rows_total",
            "rows_done",
            "rows_bad",
            "progress_percent",
            "created_by",
            "created_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "rows_total": {"help_text": "Rows in the uploaded file (counted first)."},
            "rows_done": {"help_text": "Rows read so far."},
            "rows_bad": {"help_text": "Rows skipped (bad or repeated phones)."},
        }


class KeyEventReportSerializer(serializers.Serializer):
    """The event report: who was affected, told, sampled, and how they answered."""

    affected = serializers.IntegerField(read_only=True, help_text="Affected customers.")
    notified = serializers.IntegerField(read_only=True, help_text="Whose SMS is queued.")
    sampled = serializers.IntegerField(read_only=True, help_text="Drawn for the follow-up survey.")
    responded = serializers.IntegerField(
        read_only=True, help_text="Who answered the follow-up survey."
    )
    satisfied = serializers.IntegerField(read_only=True, help_text="Who scored 4 or 5.")
    average = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Average score; null without answers."
    )
    satisfaction = serializers.FloatField(
        read_only=True, allow_null=True, help_text="`satisfied / responded` (0–1); null for none."
    )
    cases = serializers.IntegerField(read_only=True, help_text="Key-event repair cases.")
    repaired = serializers.IntegerField(read_only=True, help_text="Of which repaired.")


class KeyEventDetailSerializer(KeyEventSerializer):
    """One key event with its report."""

    report = KeyEventReportSerializer(read_only=True)
    skipped_rows = serializers.SerializerMethodField()

    class Meta(KeyEventSerializer.Meta):
        fields = [*KeyEventSerializer.Meta.fields, "report", "skipped_rows"]
        read_only_fields = fields

    @extend_schema_field(
        serializers.CharField(
            read_only=True,
            allow_null=True,
            help_text="Where to download the skipped rows (CSV: line, phone, reason) once "
            "imported; null before.",
        )
    )
    def get_skipped_rows(self, event: KeyEvent) -> str | None:
        if not event.errors_file:
            return None
        return reverse("api-v1:keyevent-skipped", args=[event.pk])


class SampleDrawnSerializer(serializers.Serializer):
    drawn = serializers.IntegerField(
        read_only=True,
        help_text="Customers invited now; fewer than asked when fewer were left undrawn.",
    )
