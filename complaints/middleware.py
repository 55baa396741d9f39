"""Request plumbing of the complaints app."""

import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

from complaints.services.audit import write_disclosures

logger = logging.getLogger(__name__)


class AuditTrailMiddleware:
    """Write the contact-detail disclosures a response noted, or withhold the response.

    Placed after authentication. A response whose audit record cannot be written is
    replaced by a 503: personal data is never shown without a record of who saw it.
    """

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            write_disclosures(request)
        except DatabaseError:
            logger.exception("Audit trail not written for %s; response withheld", request.path)
            detail = _("The audit trail could not be written; try again in a moment.")
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "type": "urn:problem:audit_unavailable",
                        "title": "Service Unavailable",
                        "status": 503,
                        "detail": detail,
                        "code": "audit_unavailable",
                    },
                    status=503,
                    content_type="application/problem+json",
                )
            return HttpResponse(detail, status=503, content_type="text/plain; charset=utf-8")
        return response
