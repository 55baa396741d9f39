"""API-wide plumbing: one error format and the default pagination.

problem+json is the answer to every error under ``/api/``: DRF's (through
``problem_exception_handler``) and Django's own (unknown URLs, oversized or
unreadable bodies, crashes: the ``handler*`` views below, named in
``config.urls``), while pages keep their HTML error pages.
"""

import sys
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import defaults
from rest_framework import exceptions, pagination, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from complaints.errors import ApplicationError

PROBLEM_CONTENT_TYPE = "application/problem+json"
# Raised by Django while reading a body that breaks its limits: 413, not a plain 400.
_TOO_LARGE = (RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent)


def _field_errors(detail: Any) -> dict[str, Any]:
    """Normalise DRF's error detail into ``{field: [messages]}``."""
    if isinstance(detail, dict):
        return {key: _messages(value) for key, value in detail.items()}
    return {"non_field_errors": _messages(detail)}


def _messages(value: Any) -> Any:
    if isinstance(value, list):
        if all(isinstance(item, str) for item in value):
            return [str(item) for item in value]
        return [_messages(item) if isinstance(item, list | dict) else str(item) for item in value]
    if isinstance(value, dict):
        return {key: _messages(item) for key, item in value.items()}
    return [str(value)]


def _problem_body(
    status_code: int, code: str, title: str, detail: str, errors: dict[str, Any] | None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": f"urn:problem:{code}",
        "title": title,
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if errors:
        body["errors"] = errors
    return body


def problem(
    *,
    status_code: int,
    code: str,
    title: str,
    detail: str,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body = _problem_body(status_code, code, title, detail, errors)
    response = Response(body, status=status_code, headers=headers)
    response.content_type = PROBLEM_CONTENT_TYPE
    return response


def problem_response(
    *,
    status_code: int,
    code: str,
    detail: str,
    errors: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """The same problem+json, for answers given outside DRF (middleware, URL handlers)."""
    body = _problem_body(status_code, code, _title(status_code), detail, errors)
    return JsonResponse(
        body,
        status=status_code,
        content_type=PROBLEM_CONTENT_TYPE,
        headers=headers,
        json_dumps_params={"ensure_ascii": False},
    )


def problem_exception_handler(exc: Exception, context: dict) -> Response | None:
    """Answer every error in one problem+json shape (RFC 9457 plus ``errors``)."""
    if isinstance(exc, ApplicationError):
        return problem(
            status_code=exc.status,
            code=exc.code,
            title=_title(exc.status),
            detail=exc.message,
            errors=exc.details or None,
        )
    if isinstance(exc, _TOO_LARGE):
        return problem(
            status_code=413,
            code="too_large",
            title=_title(413),
            detail=_("The request body is too large."),
        )
    if isinstance(exc, DjangoValidationError):
        errors = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        exc = exceptions.ValidationError(errors)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a real bug: let Django's 500 handling log it
    headers = {key: value for key, value in response.headers.items() if key != "Content-Type"}
    if isinstance(exc, exceptions.ValidationError):
        return problem(
            status_code=response.status_code,
            code="invalid",
            title=_title(response.status_code),
            detail="The request has invalid fields; see errors.",
            errors=_field_errors(exc.detail),
            headers=headers,
        )
    detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
    code = getattr(detail, "code", None) or getattr(exc, "default_code", "error")
    return problem(
        status_code=response.status_code,
        code=str(code),
        title=_title(response.status_code),
        detail=str(detail),
        headers=headers,
    )


def _title(status_code: int) -> str:
    try:
        return HTTPStatus(status_code).phrase
    except ValueError:
        return "Error"


def validated_body(serializer_class: type, request: Any, **context: Any) -> dict[str, Any]:
    """The request body checked by ``serializer_class``, or a 400 with per-field errors."""
    return _validated(serializer_class, request.data, {"request": request, **context})


def validated_query(serializer_class: type, request: Any, **context: Any) -> dict[str, Any]:
    """The query parameters checked by ``serializer_class``, or a 400 with per-field errors."""
    return _validated(serializer_class, request.query_params, {"request": request, **context})


def _validated(serializer_class: type, data: Any, context: dict[str, Any]) -> dict[str, Any]:
    serializer = serializer_class(data=data, context=context)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class DefaultPagination(pagination.PageNumberPagination):
    """Page numbers for small lists; big ones (complaints, events) use cursors.

    A page that does not exist is a bad ``page`` parameter (400), not a missing
    resource: DRF's 404 would tell a client the list itself is gone.
    """

    page_size_query_param = "page_size"
    max_page_size = 200

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view)
        except exceptions.NotFound as error:
            raise exceptions.ValidationError({self.page_query_param: [str(error.detail)]}) from None


class LargeListPagination(pagination.CursorPagination):
    """Cursor paging: constant cost however deep the client pages.

    A cursor that is not one of ours is a bad ``cursor`` parameter (400), as above.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    ordering = "-id"

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as error:
            raise exceptions.ValidationError(
                {self.cursor_query_param: [str(error.detail)]}
            ) from None


# The datetimes the API accepts. Before 1901 the centre's zone has no offset RFC 3339
# can write (Shanghai's local mean time is +08:05:43), and nothing this product records
# happened before 1970 or will after 2100; out of range is a 400, not a garbled answer.
EARLIEST_DATETIME = datetime(1970, 1, 1, tzinfo=UTC)
LATEST_DATETIME = datetime(2100, 1, 1, tzinfo=UTC)


class DateTimeField(serializers.DateTimeField):
    """DRF's DateTimeField within [1970, 2100); every API input uses it."""

    default_error_messages = {
        "out_of_range": _lazy("Give a date and time between 1970 and 2099."),
    }

    def to_internal_value(self, value):
        moment = super().to_internal_value(value)
        if not EARLIEST_DATETIME <= moment < LATEST_DATETIME:
            self.fail("out_of_range")
        return moment


# --- Django's error views: problem+json under /api/, the HTML pages elsewhere --------

API_PREFIX = "/api/"


def is_api_request(request: HttpRequest) -> bool:
    return request.path.startswith(API_PREFIX)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.bad_request(request, exception)
    if isinstance(exception, _TOO_LARGE):
        return problem_response(
            status_code=413, code="too_large", detail=_("The request body is too large.")
        )
    return problem_response(
        status_code=400, code="bad_request", detail=_("The request could not be read.")
    )


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.permission_denied(request, exception)
    return problem_response(
        status_code=403,
        code="permission_denied",
        detail=_("You do not have permission to perform this action."),
    )


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if not is_api_request(request):
        return defaults.page_not_found(request, exception)
    return problem_response(
        status_code=404,
        code="not_found",
        detail=_("There is no endpoint at this address; see /api/v1/schema/."),
    )


# Seconds a client should wait before retrying while the database is away (a restart or a
# fail-over takes a few seconds; CONN_HEALTH_CHECKS reconnects on the next request).
DATABASE_RETRY_AFTER = 5


def server_error(request: HttpRequest) -> HttpResponse:
    """500, or 503 when the crash was the database being unreachable (restart, fail-over)."""
    if isinstance(sys.exc_info()[1], OperationalError | InterfaceError):
        return database_unavailable(request)
    if not is_api_request(request):
        return defaults.server_error(request)
    return problem_response(
        status_code=500,
        code="server_error",
        detail=_("Something went wrong on our side; it has been logged. Try again later."),
    )


def database_unavailable(request: HttpRequest) -> HttpResponse:
    """A clear 503 while the database cannot be reached; nothing was saved.

    The page is rendered without a request context: the context processors would read
    the session and the user from the very database that is down.
    """
    headers = {"Retry-After": str(DATABASE_RETRY_AFTER)}
    if is_api_request(request):
        return problem_response(
            status_code=503,
            code="database_unavailable",
            detail=_("The database cannot be reached just now; nothing was saved. Try again."),
            headers=headers,
        )
    return HttpResponse(render_to_string("503.html"), status=503, headers=headers)
