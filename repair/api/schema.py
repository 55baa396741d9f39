"""OpenAPI description of the callback and repair shapes that extend another (``allOf``).

``CallbackDetail`` is ``Callback`` plus its attempts, and ``CallbackBooked`` is
``CallbackDetail`` plus ``joined``; ``RepairCaseDetail`` is ``RepairCase`` plus its
contacts and scripts, and ``KeyEventDetail`` is ``KeyEvent`` plus its report.
Written out in full, the booking's ``state`` choices (and the case's ``state``, the
event's ``kind``) would sit in several components, and drf-spectacular would give
them hashed enum names, with warnings (as ``complaints.api.schema.ComplaintDetailScheme``
explains for complaints).
"""

from drf_spectacular.extensions import OpenApiSerializerExtension
from rest_framework import serializers

from repair.api.serializers import (
    CallbackDetailSerializer,
    CallbackSerializer,
    KeyEventSerializer,
    RepairCaseSerializer,
)


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


class RepairCaseDetailScheme(_ExtendsScheme):
    target_class = "repair.api.serializers.RepairCaseDetailSerializer"
    parent = RepairCaseSerializer


class KeyEventDetailScheme(_ExtendsScheme):
    target_class = "repair.api.serializers.KeyEventDetailSerializer"
    parent = KeyEventSerializer
