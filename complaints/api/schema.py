"""OpenAPI description of the API's own authentication, error format and headers."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from complaints.api.serializers import ComplaintSerializer
from config.api import PROBLEM_CONTENT_TYPE


class ApiTokenScheme(OpenApiAuthenticationExtension):
    target_class = "complaints.api.authentication.ApiTokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token from an administrator: `Authorization: Bearer cts_…`.",
        }


class ComplaintDetailScheme(OpenApiSerializerExtension):
    """``ComplaintDetail`` is ``Complaint`` plus the detail's own fields (``allOf``).

    Written out in full, every enum of the complaint would sit in two components,
    and drf-spectacular would rename the enums that share a field name with
    another choice set (``channel``, ``state``) to hashed names, with warnings.
    """

    target_class = "complaints.api.serializers.ComplaintDetailSerializer"

    def map_serializer(self, auto_schema, direction):
        full = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        base = auto_schema.resolve_serializer(ComplaintSerializer, direction)
        own = [name for name in full["properties"] if name not in ComplaintSerializer().fields]
        extension = {
            "type": "object",
            "properties": {name: full["properties"][name] for name in own},
            "required": [name for name in full.get("required", []) if name in own],
        }
        schema = {"allOf": [base.ref, extension]}
        if "description" in full:
            schema["description"] = full["description"]
        return schema


class ProblemSerializer(serializers.Serializer):
    """Every error: problem+json (RFC 9457) plus ``errors`` per field for bad input."""

    type = serializers.CharField(help_text="`urn:problem:<code>`.")
    title = serializers.CharField(help_text="The HTTP status phrase.")
    status = serializers.IntegerField()
    detail = serializers.CharField(help_text="What went wrong, for people.")
    code = serializers.CharField(
        help_text="Stable, for programs: `invalid`, `not_found`, `illegal_transition`, "
        "`stale_version`, `permission_denied`, ..."
    )
    errors = serializers.DictField(
        child=serializers.JSONField(),
        required=False,
        help_text='Messages per field (or header), e.g. `{"phone": ["Enter a valid phone '
        'number."]}`.',
    )


def problems(*statuses: int) -> dict:
    """``responses`` entries documenting ``statuses`` as problem+json."""
    return {(status, PROBLEM_CONTENT_TYPE): ProblemSerializer for status in statuses}


IF_MATCH = OpenApiParameter(
    "If-Match",
    str,
    OpenApiParameter.HEADER,
    description='The record\'s `ETag` (e.g. `"3"`) as you last read it. When someone has '
    "changed the record since, the request fails with 412 `stale_version` and changes "
    "nothing. Without it (or with `*`) the change applies to the record as it is.",
)

ETAG = OpenApiParameter(
    "ETag",
    str,
    OpenApiParameter.HEADER,
    response=[200, 201, 202],
    description='The record\'s version as an entity tag, e.g. `"3"`; send it back in `If-Match`.',
)

LOCATION = OpenApiParameter(
    "Location",
    str,
    OpenApiParameter.HEADER,
    response=[201],
    description="The URL of the created resource.",
)
