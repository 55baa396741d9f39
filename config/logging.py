"""Structured logs: the request's context on every record, JSON lines, personal data masked.

A request (``config.middleware.RequestIdMiddleware``) or a Celery task (the signal handlers
below, connected in ``config/celery.py``) binds its context once; ``ContextFilter`` copies it
onto every record the process writes meanwhile, so that one request can be followed through
the web node and into the tasks it queued. ``MaskPersonalDataFilter`` is the safety net
behind the rule that logs never carry a phone number or an email address: code should not
log them, and whatever slips through is masked before it is written.
"""

import contextvars
import logging
import re
import uuid
from typing import Any

from django.utils.functional import empty
from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _JsonFormatter

REQUEST_ID_HEADER = "X-Request-ID"
# The Celery message header that carries the request id into the tasks a request queued.
TASK_REQUEST_ID_HEADER = "request_id"
# An incoming id is kept only when it is short and plain (a proxy's UUID or trace id), so
# that a client cannot write arbitrary text, or a phone number, into every log line.
_SANE_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{8,64}")

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)
# (id, reference) of the complaint being handled; either may be unknown.
complaint_var: contextvars.ContextVar[tuple[Any, str | None] | None] = contextvars.ContextVar(
    "complaint", default=None
)
task_var: contextvars.ContextVar[tuple[str, str] | None] = contextvars.ContextVar(
    "task", default=None
)
# The request itself, so that the user is read when a record is written: a session user is
# known after AuthenticationMiddleware, a token user only once DRF has authenticated.
request_var: contextvars.ContextVar[Any] = contextvars.ContextVar("request", default=None)


def new_request_id() -> str:
    return uuid.uuid4().hex


def sane_request_id(value: str | None) -> str | None:
    """``value`` if it may be logged and echoed as it is, else None (generate one).

    Context fields are not masked, so an id that looks like a phone number is refused too.
    """
    if value and _SANE_REQUEST_ID.fullmatch(value) and mask_personal_data(value) == value:
        return value
    return None


def bind_complaint(complaint: Any = None, *, complaint_id: Any = None) -> None:
    """Name the complaint the current request or task handles on its later log records.

    A loaded complaint gives its id and reference; a route gives only the id (from its
    kwargs, before the view has loaded anything).
    """
    if complaint is not None:
        complaint_var.set((complaint.pk, complaint.reference))
    elif complaint_id is not None:
        complaint_var.set((complaint_id, None))


def current_user_id(request: Any) -> int | None:
    """The authenticated user's id, without ever running a query to learn it.

    ``request.user`` is a lazy object until something looks at it; logging must not be the
    thing that does (a query logged while logging...), so an unevaluated user is skipped.
    """
    user = request.__dict__.get("user") if request is not None else None
    if user is None:
        return None
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty:
        return None
    if not getattr(wrapped, "is_authenticated", False):
        return None
    return wrapped.pk


class ContextFilter(logging.Filter):
    """Copies the bound request id, user, complaint and task onto each record."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = request_id_var.get()
        record.user_id = current_user_id(request_var.get())
        record.complaint_id, record.complaint = complaint_var.get() or (None, None)
        task = task_var.get()
        record.task_name, record.task_id = task if task else (None, None)
        return True


# Phone-like: 7 to 15 digits, optionally after "+", in groups split by spaces, dashes or
# brackets (13812345678, +86 138-1234-5678, (010) 6552 9988), standing alone: not inside a
# word, a reference (C-2026-000123) or a decimal fraction. Dots do not join groups, so IP
# addresses and clock times stay readable; calendar dates are cut out before counting.
_PHONE_LIKE = re.compile(r"(?<![\w.-])\+?\(?\d[\d ()-]{5,}\d(?!\w)")
_DATE_LIKE = re.compile(r"(\d{4}-\d{2}-\d{2})")
_EMAIL_LIKE = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
PHONE_MASK = "[phone]"
EMAIL_MASK = "[email]"


def _phone(match: re.Match) -> str:
    text = match.group()
    if _DATE_LIKE.search(text):  # "2026-12-02 13812345678": keep the date, mask the rest
        parts = _DATE_LIKE.split(text)
        return "".join(
            part if index % 2 else _PHONE_LIKE.sub(_phone, part) for index, part in enumerate(parts)
        )
    if 7 <= sum(character.isdigit() for character in text) <= 15:
        return PHONE_MASK
    return text


def mask_personal_data(text: str) -> str:
    """``text`` with phone-like and email-like strings replaced by placeholders."""
    return _PHONE_LIKE.sub(_phone, _EMAIL_LIKE.sub(EMAIL_MASK, text))


class MaskPersonalDataFilter(logging.Filter):
    """Masks phone numbers and email addresses in the message, traceback, stack and extras.

    The message is rendered here (``msg % args``) so that arguments are masked too; a
    traceback is rendered into ``exc_text`` and ``exc_info`` dropped, so that a formatter
    writes the masked text (an IntegrityError can quote a customer's phone).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = mask_personal_data(message)
        record.args = None
        if record.exc_info:
            record.exc_text = mask_personal_data(
                logging.Formatter().formatException(record.exc_info)
            )
            record.exc_info = None
        elif record.exc_text:
            record.exc_text = mask_personal_data(record.exc_text)
        if record.stack_info:
            record.stack_info = mask_personal_data(record.stack_info)
        # Extras become JSON fields: Celery's "data" holds a task's args and return value.
        for name, value in record.__dict__.items():
            if name not in _STANDARD_ATTRS and isinstance(value, str | dict | list | tuple):
                record.__dict__[name] = _masked(value)
        return True


_STANDARD_ATTRS = frozenset(RESERVED_ATTRS) | {"message", "asctime"}


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(item) for item in value]
    return value


CONTEXT_FIELDS = ("request_id", "user_id", "complaint_id", "complaint", "task_name", "task_id")


class JsonFormatter(_JsonFormatter):
    """One JSON object per line: time (UTC), level, logger, message and the context fields."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s")
        # ISO 8601 in UTC ("2026-12-02T00:19:39.128000+00:00"), whatever the node's zone.
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("rename_fields", {"levelname": "level"})
        # The context fields are written by add_fields, and only when known.
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, *CONTEXT_FIELDS])
        super().__init__(*args, **kwargs)

    def add_fields(self, log_record: dict, record: logging.LogRecord, message_dict: dict) -> None:
        super().add_fields(log_record, record, message_dict)
        for field in CONTEXT_FIELDS:
            value = getattr(record, field, None)
            if value is not None:
                log_record[field] = value


class PlainFormatter(logging.Formatter):
    """The development format, with the request id when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        request_id = getattr(record, "request_id", None)
        return f"{line} [request_id={request_id}]" if request_id else line


# --- Celery: the request id travels with the tasks a request queues ----------------------

# task id -> the context tokens to reset when the task ends (a worker process runs many
# tasks one after another; one task's context must not leak into the next).
_task_tokens: dict[str, tuple[contextvars.Token, ...]] = {}


def add_request_id_header(headers: dict | None = None, **kwargs: Any) -> None:
    """``before_task_publish``: the current request id goes into the message's headers."""
    request_id = request_id_var.get()
    if headers is not None and request_id:
        headers.setdefault(TASK_REQUEST_ID_HEADER, request_id)


def bind_task_context(task_id: str | None = None, task: Any = None, **kwargs: Any) -> None:
    """``task_prerun``: the task's records carry the request id that queued it, and its name."""
    if task is None or task_id is None:
        return
    request = task.request
    request_id = getattr(request, TASK_REQUEST_ID_HEADER, None) or (request.headers or {}).get(
        TASK_REQUEST_ID_HEADER
    )
    if not request_id and request.is_eager:
        request_id = request_id_var.get()  # run inline, inside the request that called it
    _task_tokens[task_id] = (
        request_id_var.set(sane_request_id(request_id)),
        task_var.set((task.name, task_id)),
        complaint_var.set(None if not request.is_eager else complaint_var.get()),
    )


def unbind_task_context(task_id: str | None = None, **kwargs: Any) -> None:
    """``task_postrun``: back to the worker's own (empty) context."""
    tokens = _task_tokens.pop(task_id, ())
    for token in reversed(tokens):
        try:
            token.var.reset(token)
        except ValueError:  # set in another context (a pool that switched threads)
            token.var.set(None)
