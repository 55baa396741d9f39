"""Permission for the SMS gateway's deliveries: its signature, or a token with surveys:inbound."""

from rest_framework.permissions import BasePermission

from complaints.models import ApiToken
from surveys.api.authentication import SmsGatewaySignature

INBOUND_SCOPE = "surveys:inbound"


class SmsGatewayDelivery(BasePermission):
    """A delivery signed with the shared secret, or made with a token holding ``surveys:inbound``.

    The scope alone decides for a token: delivering replies is not a role's work, so
    the token's service account needs no particular group. Sessions never deliver.
    """

    message = (
        "Only the SMS gateway may deliver replies: sign them, or use an API token with the "
        "surveys:inbound scope."
    )

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, SmsGatewaySignature):
            return True
        return isinstance(request.auth, ApiToken) and request.auth.has_scope(INBOUND_SCOPE)
