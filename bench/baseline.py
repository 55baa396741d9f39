"""The floor for intake: the same server, authentication and scope, one row created by DRF.

``POST /bench/baseline/`` authenticates the API token as intake does (the same
authentication classes, the ``complaints:write`` scope), validates a two-field body with
a DRF ``ModelSerializer`` and saves it as one row of an existing simple table (an in-app
notification to the caller), answering with the row: the canonical DRF create. What
intake costs above this is the product's own work. The rows are removed with the
benchmark's others (bench/dataset.py, ``restore``).
"""

from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from complaints.models import Notification


class BaselineSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "created_at"]
        read_only_fields = ["id", "created_at"]


class BaselineView(APIView):
    required_scopes = {"POST": "complaints:write"}

    def post(self, request: Request) -> Response:
        serializer = BaselineSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save(recipient=request.user)
        return Response(serializer.data, status=status.HTTP_201_CREATED)
