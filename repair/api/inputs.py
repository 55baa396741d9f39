"""What the callbacks API accepts: request bodies and query parameters, validated before any
service runs.

Every choice is checked here (400 naming the field), so an unknown value never
reaches a service as an enum ``ValueError``. Business rules stay in the services
(``repair.services.callbacks``); their ``ApplicationError`` details use the same
field names (e.g. ``preferred_to`` for a window that ends before it starts).
"""

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_serializer
from rest_framework import serializers

from complaints.api.inputs import ComplaintReferenceField
from complaints.errors import ApplicationError
from complaints.phones import normalise_phone
from repair.enums import AttemptOutcome, CallbackSource

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
    since = serializers.DateTimeField(
        required=False, help_text="Bookings made from (ISO 8601). Default: 7 days before `until`."
    )
    until = serializers.DateTimeField(
        required=False, help_text="Bookings made before (ISO 8601). Default: now."
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        until = attrs.get("until") or timezone.now()
        since = attrs.get("since") or until - REPORT_DEFAULT_PERIOD
        if since >= until:
            raise serializers.ValidationError({"until": [_("Must be after since.")]})
        if until - since > REPORT_MAX_PERIOD:
            raise serializers.ValidationError({"since": [_("The period can be at most 366 days.")]})
        return {"since": since, "until": until}
