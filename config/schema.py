"""The parts of the OpenAPI contract every operation shares, added in one place.

A postprocessing hook (``SPECTACULAR_SETTINGS["POSTPROCESSING_HOOKS"]``) runs after the
views have described their own answers and adds what the API's plumbing does to all
of them, so that no view can forget it and the schema says everything a client may
get back (schemathesis checks every answer against it):

* 401, 403 and 429 (with ``Retry-After``) everywhere; 406 for an ``Accept`` that
  JSON cannot satisfy;
* for operations with a body: 400 (unreadable), 413 (too large), 415 (media type);
* for every POST: the ``Idempotency-Key`` header, 400 for an unusable key, 409 while a
  twin request runs, 422 for a key reused with another request, and the
  ``Idempotent-Replayed`` header on successes;
* with ``If-Match``: 400 (several tags) and 412 (stale or malformed).
"""

from http import HTTPStatus
from typing import Any

from config.api import PROBLEM_CONTENT_TYPE
from config.middleware import IDEMPOTENCY_HEADER, REPLAYED_HEADER

PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}

DESCRIPTIONS = {
    400: "The request, a parameter or a header is invalid; `errors` names each.",
    401: "No valid credentials: a missing, unknown, expired or revoked token.",
    403: "The token's scopes or the user's role do not allow this.",
    404: "No such object, or one the caller may not see.",
    406: "The `Accept` header asks for something other than JSON.",
    409: "A state conflict (`illegal_transition`, ...), or `idempotency_in_progress`: a "
    "request with the same Idempotency-Key is still running (see `Retry-After`).",
    412: "`If-Match` names an older (or no) version: someone changed the record; nothing "
    "was changed.",
    413: "The body is too large.",
    415: "The body's media type is not accepted here.",
    422: "`idempotency_key_reused`: this Idempotency-Key was used for another request.",
    429: "Too many requests for this token (or user); retry after `Retry-After` seconds.",
}

RETRY_AFTER = {
    "schema": {"type": "integer", "minimum": 0},
    "description": "Seconds to wait before retrying.",
}

IDEMPOTENCY_KEY_PARAMETER = {
    "in": "header",
    "name": IDEMPOTENCY_HEADER,
    "required": False,
    "schema": {"type": "string", "minLength": 1, "maxLength": 255},
    "description": "A unique value per intended request (a UUID is best). Retrying with the "
    "same key and the same body returns the first successful response (with "
    f"`{REPLAYED_HEADER}: true`) and creates nothing new; the same key with another body "
    "is refused (422). Keys are kept 24 hours; failed requests keep nothing.",
}

REPLAYED = {
    "schema": {"type": "string", "enum": ["true"]},
    "description": "Present when this is the stored response to an earlier request with the "
    "same Idempotency-Key.",
}

METHODS = ("get", "put", "post", "patch", "delete", "head", "options")


def add_contract_responses(result: dict[str, Any], generator, request, public) -> dict:
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method in METHODS:
                _complete(method, operation)
    return result


def _complete(method: str, operation: dict[str, Any]) -> None:
    statuses = {401, 403, 406, 429}
    if "requestBody" in operation:
        statuses |= {400, 413, 415}
    parameters = operation.setdefault("parameters", [])
    names = {parameter["name"] for parameter in parameters}
    if "If-Match" in names:
        statuses |= {400, 412}
    if method == "post":
        statuses |= {400, 409, 422}
        if IDEMPOTENCY_HEADER not in names:
            parameters.append(IDEMPOTENCY_KEY_PARAMETER)
    responses = operation["responses"]
    for status in sorted(statuses):
        responses.setdefault(
            str(status), {"content": {PROBLEM_CONTENT_TYPE: {"schema": PROBLEM_REF}}}
        )
    responses["429"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
    if method == "post":
        responses["409"].setdefault("headers", {})["Retry-After"] = RETRY_AFTER
        for status, entry in responses.items():
            if status.startswith("2"):
                entry.setdefault("headers", {})[REPLAYED_HEADER] = REPLAYED
    for status, entry in responses.items():
        if not entry.get("description"):
            entry["description"] = DESCRIPTIONS.get(int(status)) or HTTPStatus(int(status)).phrase
