"""Token scopes for the callbacks API, where one endpoint may accept either of two scopes."""

from complaints.api.permissions import TokenHasScope
from complaints.models import ApiToken


class TokenHasAnyScope(TokenHasScope):
    """``TokenHasScope``, where a method may name several scopes, any one of which will do.

    ``required_scopes = {"GET": ("reports:read", "callbacks:read"), ...}``: the
    callback report is for BI tools (``reports:read``) and for telephony
    integrations that already read callbacks (``callbacks:read``). A method the
    map does not name is refused (403), as in ``TokenHasScope``; session users are
    governed by their role alone.
    """

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
        choices = (required,) if isinstance(required, str) else tuple(required)
        return any(request.auth.has_scope(scope) for scope in choices)
