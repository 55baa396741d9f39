"""Optimistic concurrency over HTTP: ``ETag`` is the complaint's version, ``If-Match`` checks it.

The services do the real check (``expected_version``, under the row lock);
this module only translates between headers and version numbers.
"""

from django.utils.translation import gettext as _
from rest_framework.request import Request

from complaints.errors import ApplicationError
from complaints.models import Complaint


def etag(complaint: Complaint) -> str:
    """A strong entity tag: the version every service write bumps."""
    return f'"{complaint.version}"'


def expected_version(request: Request) -> int | None:
    """The version ``If-Match`` names, or None when the header is absent or ``*``.

    If-Match compares strongly (RFC 9110, 13.1.1): a weak or malformed tag can
    never match a complaint's tag, so it fails the precondition (412) like a
    stale one. Several tags cannot be checked under one row lock: 400.
    """
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tags = [tag.strip() for tag in header.split(",") if tag.strip()]
    if len(tags) != 1:
        message = _("Send one entity tag in If-Match.")
        raise ApplicationError(message, code="invalid_if_match", details={"If-Match": [message]})
    tag = tags[0]
    digits = tag[1:-1] if len(tag) > 2 and tag[0] == tag[-1] == '"' else ""
    if not (digits.isascii() and digits.isdigit()):
        raise ApplicationError(
            _("If-Match does not name a version of this complaint; reload it and try again."),
            code="precondition_failed",
            status=412,
            details={"If-Match": [_('Expected an entity tag such as "3" from the ETag header.')]},
        )
    return int(digits)
