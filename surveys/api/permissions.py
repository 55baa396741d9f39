"""Permission for the SMS gateway's signed deliveries."""

from rest_framework.permissions import BasePermission

from surveys.api.authentication import SmsGatewaySignature


class SignedBySmsGateway(BasePermission):
    """Only a request ``SmsGatewaySignatureAuthentication`` accepted: no session, no token."""

    message = "Only the SMS gateway, with a valid signature, may deliver replies."

    def has_permission(self, request, view) -> bool:
        return isinstance(request.auth, SmsGatewaySignature)
