"""Optimistic concurrency over HTTP: ``ETag`` is a record's version, ``If-Match`` checks it.

For every ``VersionedModel`` (complaints, work orders, SLA policies, callbacks,
repair cases, key events). The services do the real check (``expected_version``,
under the row lock); this module only translates between headers and versions.
"""

from django.utils.translation import gettext as _
from rest_framework.request import Request
from rest_framework.response import Response

from complaints.errors import ApplicationError
from complaints.models import VersionedModel


def etag(obj: VersionedModel) -> str:
    """A strong entity tag: the version every service write bumps."""
    return f'"{obj.version}"'


def with_etag(response: Response, obj: VersionedModel) -> Response:
    """``response`` carrying ``obj``'s ``ETag``, for the next ``If-Match``."""
    response["ETag"] = etag(obj)
    return response


def expected_version(request: Request) -> int | None:
    """The version ``If-Match`` names, or None when the header is absent or ``*``.

    If-Match compares strongly (RFC 9110, 13.1.1): a weak or malformed tag can
    never match a record's tag, so it fails the precondition (412) like a stale
    one. Several tags cannot be checked under one row lock: 400.
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
            _("If-Match does not name a version of this record; reload it and try again."),
            code="precondition_failed",
            status=412,
            details={"If-Match": [_('Expected an entity tag such as "3" from the ETag header.')]},
        )
    return int(digits)
