"""OpenAPI description of the SMS gateway's signature and of the detail representations."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from surveys.api.authentication import MAX_CLOCK_SKEW_SECONDS, SIGNATURE_HEADER, TIMESTAMP_HEADER
from surveys.api.serializers import SurveyInvitationSerializer, SurveyResponseSerializer

SIGNATURE_DESCRIPTION = (
    "For the SMS gateway only (no user, no API token): every delivery is signed with the "
    "secret shared with the centre (`SMS_INBOUND_SECRET`). A gateway that cannot sign sends "
    "an API token with the `surveys:inbound` scope instead.\n\n"
    f"* `{TIMESTAMP_HEADER}`: the time of signing in Unix seconds; refused when more than "
    f"{MAX_CLOCK_SKEW_SECONDS // 60} minutes away from the server's clock.\n"
    f"* `{SIGNATURE_HEADER}`: the lowercase hex HMAC-SHA256, keyed with the secret, of the "
    "timestamp, a dot and the raw request body bytes: "
    '`hex(hmac_sha256(secret, f"{timestamp}.{body}"))`.\n\n'
    "A missing or wrong signature or a stale timestamp is refused with 401; 503 while the "
    "centre has no secret configured."
)


class SmsGatewaySignatureScheme(OpenApiAuthenticationExtension):
    target_class = "surveys.api.authentication.SmsGatewaySignatureAuthentication"
    name = "smsGatewaySignature"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": SIGNATURE_HEADER,
            "description": SIGNATURE_DESCRIPTION,
        }


TIMESTAMP = OpenApiParameter(
    TIMESTAMP_HEADER,
    int,
    OpenApiParameter.HEADER,
    required=False,
    description=f"Unix seconds when the gateway signed the delivery (see `{SIGNATURE_HEADER}`); "
    "required with the signature, not with an API token.",
)


class _ExtendsList(OpenApiSerializerExtension):
    """A detail serializer as its list serializer plus its own fields (``allOf``).

    Written out in full, the list's enums (``state``, ``channel``) would sit in two
    components, and drf-spectacular would rename them to hashed names, with warnings.
    """

    base: type[serializers.Serializer]

    def map_serializer(self, auto_schema, direction):
        full = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        base = auto_schema.resolve_serializer(self.base, direction)
        own = [name for name in full["properties"] if name not in self.base().fields]
        extension = {
            "type": "object",
            "properties": {name: full["properties"][name] for name in own},
            "required": [name for name in full.get("required", []) if name in own],
        }
        schema = {"allOf": [base.ref, extension]}
        if "description" in full:
            schema["description"] = full["description"]
        return schema


class SurveyInvitationDetailScheme(_ExtendsList):
    target_class = "surveys.api.serializers.SurveyInvitationDetailSerializer"
    base = SurveyInvitationSerializer


class SurveyResponseDetailScheme(_ExtendsList):
    target_class = "surveys.api.serializers.SurveyResponseDetailSerializer"
    base = SurveyResponseSerializer
