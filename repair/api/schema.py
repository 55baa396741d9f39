"""OpenAPI description of the callback shapes that extend another (``allOf``).

``CallbackDetail`` is ``Callback`` plus its attempts, and ``CallbackBooked`` is
``CallbackDetail`` plus ``joined``. Written out in full, the booking's ``state``
choices would sit in several components, and drf-spectacular would give them
hashed enum names, with warnings (as ``complaints.api.schema.ComplaintDetailScheme``
explains for complaints).
"""

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from repair.api.serializers import CallbackDetailSerializer, CallbackSerializer


class _ExtendsScheme(OpenApiSerializerExtension):
    """The target's schema as ``allOf`` its parent's component and its own fields."""

    parent: type[serializers.Serializer]

    def map_serializer(self, auto_schema, direction):
        full = auto_schema._map_serializer(self.target, direction, bypass_extensions=True)
        base = auto_schema.resolve_serializer(self.parent, direction)
        inherited = self.parent().fields
        own = [name for name in full["properties"] if name not in inherited]
        extension = {
            "type": "object",
            "properties": {name: full["properties"][name] for name in own},
            "required": [name for name in full.get("required", []) if name in own],
        }
        schema = {"allOf": [base.ref, extension]}
        if "description" in full:
            schema["description"] = full["description"]
        return schema


class CallbackDetailScheme(_ExtendsScheme):
    target_class = "repair.api.serializers.CallbackDetailSerializer"
    parent = CallbackSerializer


class CallbackBookedScheme(_ExtendsScheme):
    target_class = "repair.api.serializers.CallbackBookedSerializer"
    parent = CallbackDetailSerializer
