"""API token authentication: ``Authorization: Bearer <token>``."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from complaints.models import ApiToken, hash_token_secret

# last_used_at is for operators spotting dead tokens, not an audit log: writing
# it once a minute at most keeps a busy integration from updating it per call.
LAST_USED_RESOLUTION_SECONDS = 60


KEYWORDS = ("bearer", "token")


def bearer_credentials(request) -> str | None:
    """The raw token of a well-formed ``Authorization: Bearer <token>``, else None.

    For code that must know the caller before DRF authenticates (the idempotency
    middleware); DRF's answer to a malformed header stays this class's.
    """
    parts = request.headers.get("Authorization", "").split()
    if len(parts) == 2 and parts[0].lower() in KEYWORDS:
        return parts[1]
    return None


class ApiTokenAuthentication(authentication.BaseAuthentication):
    keywords = KEYWORDS

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower().decode() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Malformed Authorization header."))
        try:
            raw = header[1].decode()
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Malformed token.")) from None
        token = (
            ApiToken.objects.active()
            # The team too: intake files the complaint under the caller's team.
            .select_related("user__team")
            .filter(key_hash=hash_token_secret(raw))
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid, expired or revoked token."))
        now = timezone.now()
        if (
            token.last_used_at is None
            or (now - token.last_used_at).total_seconds() > LAST_USED_RESOLUTION_SECONDS
        ):
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'
