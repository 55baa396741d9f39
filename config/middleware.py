"""Middleware: the request id and log context (first); the read replica's per-request state
(after authentication); and for the API under ``/api/`` body size limits and idempotency
keys (at the end, after authentication; pages untouched).
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from complaints.api.authentication import bearer_credentials
from complaints.models import ApiToken, IdempotencyKey, hash_token_secret
from complaints.services.idempotency import (
    claim_idempotency_key,
    request_fingerprint,
    store_response,
)
from config import db_router
from config import logging as log_context
from config.api import is_api_request, problem_response
from config.metrics import observe_request

IDEMPOTENCY_HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 255  # IdempotencyKey.key
FORM_TYPES = ("multipart/form-data", "application/x-www-form-urlencoded")
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout expired
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


class ReadAfterWriteMiddleware:
    """Each request starts with its reads free to use the replica where a view allows it.

    ``config.db_router`` pins the rest of a request to the primary at its first write;
    this resets that per request (a thread serves many). A request that is not a safe
    method is pinned from the start: it may check the state it is about to change.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with db_router.request_state(pinned=request.method not in SAFE_METHODS):
            return self.get_response(request)


# One line per request (method, path without its query, status, time): with the context
# fields it ties a request id to a user, a route and a complaint.
access_logger = logging.getLogger("config.requests")
# URL parts that are credentials (the survey link's signed token): never logged.
SECRET_ROUTE_KWARGS = ("token",)


# Routes whose ``pk`` is a complaint's: their log records name the complaint.
COMPLAINT_ROUTES = frozenset(
    {
        "complaints:detail",
        "complaints:action",
        "complaints:upload_attachment",
        "complaints:download_attachment",
    }
)


class RequestIdMiddleware:
    """Gives each request an id, its log context, and its place in the latency histogram.

    The id is the caller's ``X-Request-ID`` when it is short and plain (a proxy's), else a
    new one; the response echoes it, every log record of the request carries it, and so do
    the Celery tasks the request queues (``config.logging``). Near the top of
    ``MIDDLEWARE``, so that the time measured includes the other middleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        incoming = request.headers.get(log_context.REQUEST_ID_HEADER)
        request_id = log_context.sane_request_id(incoming) or log_context.new_request_id()
        request.request_id = request_id
        tokens = (
            log_context.request_id_var.set(request_id),
            log_context.request_var.set(request),
            log_context.complaint_var.set(None),
        )
        try:
            response = self.get_response(request)
            response[log_context.REQUEST_ID_HEADER] = request_id
            seconds = time.perf_counter() - started
            observe_request(request, response.status_code, seconds)
            # "in" keeps status and time apart: "200 1503" would look like a phone number.
            access_logger.info(
                "%s %s %s in %.0f ms",
                request.method,
                _loggable_path(request),
                response.status_code,
                seconds * 1000,
                extra={"status": response.status_code, "duration_ms": round(seconds * 1000)},
            )
        finally:
            for token in reversed(tokens):
                token.var.reset(token)
        return response

    def process_view(
        self, request: HttpRequest, view_func: Callable, view_args: tuple, view_kwargs: dict
    ) -> None:
        """The complaint a route names (``/complaints/<pk>/...``, the API's ``complaint-*``)."""
        match = request.resolver_match
        if match is None:
            return None
        complaint = view_kwargs.get("complaint_pk")
        if complaint is None and (
            match.view_name in COMPLAINT_ROUTES
            or ("api-v1" in match.namespaces and (match.url_name or "").startswith("complaint-"))
        ):
            complaint = view_kwargs.get("pk")
        if complaint is not None:
            log_context.bind_complaint(complaint_id=complaint)
        return None


def _loggable_path(request: HttpRequest) -> str:
    """The path without its query string, and with credential parts of the route masked."""
    path = request.path
    match = request.resolver_match
    for name in SECRET_ROUTE_KWARGS:
        value = match.kwargs.get(name) if match else None
        if value:
            path = path.replace(str(value), f"[{name}]")
    return path


class ApiBodyLimitMiddleware:
    """413 problem+json for API bodies over the limit, before anything reads them.

    DRF's parsers read the request stream directly, past Django's
    ``DATA_UPLOAD_MAX_MEMORY_SIZE``; this applies it to every API body except file
    uploads, which get ``API_MAX_UPLOAD_BYTES`` (key-event CSVs run to tens of MB).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_api_request(request):
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            multipart = request.content_type == "multipart/form-data"
            limit = settings.API_MAX_UPLOAD_BYTES if multipart else settings.API_MAX_BODY_BYTES
            if length > limit:
                return problem_response(
                    status_code=413,
                    code="too_large",
                    detail=_("The request body is larger than %(limit)s bytes.") % {"limit": limit},
                )
        return self.get_response(request)


class IdempotencyMiddleware:
    """``Idempotency-Key`` on any API POST: the first success is stored and replayed to retries.

    The request runs inside one transaction with its key row
    (``services.idempotency.claim_idempotency_key``). A success (2xx/3xx) commits both;
    anything else rolls everything back, so the key can be used again once the
    request is fixed. A retry after a success gets the stored response with
    ``Idempotent-Replayed: true``; a retry with another method, path or body gets
    422; a retry while the first is still running waits for it (at most
    ``IDEMPOTENCY_WAIT_SECONDS``, then 409 with ``Retry-After``). Keys belong to
    the caller (the API token, else the session's user) and live
    ``IDEMPOTENCY_KEY_TTL_HOURS``.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = request.headers.get(IDEMPOTENCY_HEADER)
        if key is None or request.method != "POST" or not is_api_request(request):
            return self.get_response(request)
        key = key.strip()
        if not key or len(key) > MAX_KEY_LENGTH or not (key.isascii() and key.isprintable()):
            message = _("Send at most 255 printable ASCII characters, e.g. a UUID.")
            return problem_response(
                status_code=400,
                code="invalid_idempotency_key",
                detail=_("The Idempotency-Key header is not usable."),
                errors={IDEMPOTENCY_HEADER: [message]},
            )
        owner = _owner(request)
        if owner is None:  # a token that does not exist: DRF answers 401, nothing to keep
            return self.get_response(request)
        path = request.get_full_path()
        fingerprint = request_fingerprint(method=request.method, path=path, body=_body(request))
        try:
            with transaction.atomic():
                with _bounded_lock_wait():
                    entry, created = claim_idempotency_key(
                        owner=owner,
                        key=key,
                        method=request.method,
                        path=path,
                        fingerprint=fingerprint,
                    )
                if not created:
                    return _replay(entry, fingerprint)
                response = self.get_response(request)
                if 200 <= response.status_code < 400 and not response.streaming:
                    store_response(
                        entry,
                        status_code=response.status_code,
                        headers=dict(response.headers),
                        body=response.content,
                    )
                else:
                    transaction.set_rollback(True)
                return response
        except OperationalError as error:
            if getattr(error.__cause__, "pgcode", None) != LOCK_NOT_AVAILABLE:
                raise
            return problem_response(
                status_code=409,
                code="idempotency_in_progress",
                detail=_("A request with this Idempotency-Key is still running; retry shortly."),
                headers={"Retry-After": "1"},
            )


def _owner(request: HttpRequest) -> str | None:
    """Whose key it is, as DRF will authenticate the request: the token first, else the session."""
    raw = bearer_credentials(request)
    if raw is not None:
        token_id = (
            ApiToken.objects.active()
            .filter(key_hash=hash_token_secret(raw))
            .values_list("pk", flat=True)
            .first()
        )
        return None if token_id is None else f"token:{token_id}"
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return "anonymous"  # the SMS gateway, signing instead of authenticating


def _body(request: HttpRequest) -> Any:
    """The body in a form whose fingerprint survives re-encoding (JSON, multipart boundaries)."""
    if request.content_type in FORM_TYPES:
        return {
            "fields": {name: request.POST.getlist(name) for name in request.POST},
            "files": {
                name: [_file_digest(upload) for upload in request.FILES.getlist(name)]
                for name in request.FILES
            },
        }
    raw = request.body
    if request.content_type.endswith("json"):
        try:
            return json.loads(raw)
        except ValueError:
            pass  # DRF will answer 400; the raw bytes tell this body apart meanwhile
    return raw


def _file_digest(upload: Any) -> dict[str, Any]:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return {"name": upload.name, "size": upload.size, "sha256": digest.hexdigest()}


def _replay(entry: IdempotencyKey, fingerprint: str) -> HttpResponse:
    if entry.fingerprint != fingerprint:
        message = _("This key was used for another request: %(method)s %(path)s.") % {
            "method": entry.method,
            "path": entry.path,
        }
        return problem_response(
            status_code=422,
            code="idempotency_key_reused",
            detail=_("Use a new Idempotency-Key for a different request."),
            errors={IDEMPOTENCY_HEADER: [message]},
        )
    response = HttpResponse(
        bytes(entry.response_body),
        status=entry.status_code,
        headers={**entry.response_headers, REPLAYED_HEADER: "true"},
    )
    return response


@contextmanager
def _bounded_lock_wait() -> Iterator[None]:
    """Wait at most ``IDEMPOTENCY_WAIT_SECONDS`` for a running twin (PostgreSQL; SQLite
    serialises writers anyway), then put the session's lock timeout back for the view."""
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('lock_timeout'), set_config('lock_timeout', %s, true)",
            [f"{settings.IDEMPOTENCY_WAIT_SECONDS * 1000}ms"],
        )
        previous = cursor.fetchone()[0]
    yield
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
