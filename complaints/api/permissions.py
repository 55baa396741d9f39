"""API permission classes."""

from rest_framework.permissions import BasePermission

from complaints.models import ApiToken


class TokenHasScope(BasePermission):
    """A request made with an API token must carry the view's scope for its method.

    Views declare ``required_scopes = {"GET": "complaints:read", "HEAD": ...,
    "OPTIONS": ..., "POST": ...}``; a method the map does not name is refused
    (403), so an endpoint that gains a method cannot be reached with a token
    before the method has a scope. HEAD and OPTIONS read, so views map them to
    the read scope. Views without ``required_scopes`` (``me/``) take any token;
    session users are governed by their role alone.
    """

    message = "This API token lacks the scope this endpoint needs."

    def has_permission(self, request, view) -> bool:
        if not isinstance(request.auth, ApiToken):
            return True
        scopes = getattr(view, "required_scopes", None)
        if scopes is None:
            return True
        required = scopes.get(request.method)
        if required is None:
            self.message = f"API tokens may not use {request.method} here."
            return False
        return request.auth.has_scope(required)


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


class HasAction(BasePermission):
    """``complaints.access.can(user, view.required_action)``: the role and its object-free rule.

    For endpoints whose access is an ``Action`` rather than one model permission
    (the reports: supervisors, administrators, and team leads who have a team).
    """

    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        from complaints.access import can

        return can(request.user, view.required_action)
