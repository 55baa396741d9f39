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


class HasModelPermission(BasePermission):
    """The user's role must hold the view's model permission for the method.

    For resources ``complaints.access`` has no object rule for (customers are
    shared by every team): views declare ``required_permissions =
    {"GET": "complaints.view_customer", ...}``, like ``required_scopes``.
    """

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        required = getattr(view, "required_permissions", {}).get(request.method)
        return required is None or request.user.has_perm(required)
