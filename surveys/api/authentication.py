"""The SMS gateway's signature: HMAC-SHA256 over the timestamp and the raw body.

The gateway has no user and no API token. It signs each delivery with the
secret both sides share (``SMS_INBOUND_SECRET``)::

    X-Timestamp: <unix seconds>
    X-Signature: hex(hmac_sha256(secret, f"{timestamp}.{raw body bytes}"))

A delivery whose timestamp is more than ``MAX_CLOCK_SKEW_SECONDS`` away from
our clock is refused, so a captured request cannot be replayed later on.
"""

import hashlib
import hmac
import time
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.utils.translation import gettext as _
from rest_framework import authentication, exceptions

from complaints.errors import ApplicationError

SIGNATURE_HEADER = "X-Signature"
TIMESTAMP_HEADER = "X-Timestamp"
MAX_CLOCK_SKEW_SECONDS = 5 * 60


@dataclass(frozen=True)
class SmsGatewaySignature:
    """``request.auth`` of a delivery the gateway signed."""

    timestamp: int


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    """The signature the gateway sends for ``body`` at ``timestamp`` (hex)."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


class SmsGatewaySignatureAuthentication(authentication.BaseAuthentication):
    """Accept a request only with a valid, fresh signature; refuse everything else (401).

    An empty ``SMS_INBOUND_SECRET`` means the endpoint is not set up: 503, and
    nothing is checked against an empty key.
    """

    def authenticate(self, request):
        secret = settings.SMS_INBOUND_SECRET
        if not secret:
            raise ApplicationError(
                _("Inbound SMS is not configured."), code="not_configured", status=503
            )
        signature = request.headers.get(SIGNATURE_HEADER, "").strip().lower()
        stamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
        if not signature or not stamp:
            raise exceptions.AuthenticationFailed(
                _("The %(signature)s and %(timestamp)s headers are required.")
                % {"signature": SIGNATURE_HEADER, "timestamp": TIMESTAMP_HEADER},
                code="signature_missing",
            )
        try:
            timestamp = int(stamp)
        except ValueError:
            raise exceptions.AuthenticationFailed(
                _("%(timestamp)s must be a Unix time in seconds.")
                % {"timestamp": TIMESTAMP_HEADER},
                code="timestamp_invalid",
            ) from None
        if abs(time.time() - timestamp) > MAX_CLOCK_SKEW_SECONDS:
            raise exceptions.AuthenticationFailed(
                _("The timestamp is more than five minutes away from the server's clock."),
                code="timestamp_stale",
            )
        # The raw bytes as they arrived: the JSON parser has not read the stream yet.
        expected = sign(secret, stamp, request.body)
        if not hmac.compare_digest(expected.encode(), signature.encode()):
            raise exceptions.AuthenticationFailed(
                _("The signature does not match the body."), code="signature_invalid"
            )
        return AnonymousUser(), SmsGatewaySignature(timestamp=timestamp)

    def authenticate_header(self, request) -> str:
        # Also what keeps DRF answering 401 (not 403) when authentication fails.
        return 'HMAC-SHA256 realm="sms-gateway", headers="X-Timestamp X-Signature"'
