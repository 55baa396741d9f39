"""API permission classes."""

from rest_framework.permissions import BasePermission

from complaints.models import ApiToken


class TokenHasScope(BasePermission):
    """A request made with an API token must carry the view's scope.

    Views declare ``required_scopes = {"GET": "complaints:read", "POST": ...}``;
    session users are governed by their role alone.
    """

    message = "This API token lacks the scope this endpoint needs."

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            return True
        required = getattr(view, "required_scopes", {}).get(request.method)
        return required is None or request.auth.has_scope(required)
