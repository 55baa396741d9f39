"""The one error type services raise.

Services never build HTTP responses; they raise ``ApplicationError`` with a
stable code. The API turns it into problem+json, pages into a message.
"""

from typing import Any


class ApplicationError(Exception):
    """A business rule refused the request.

    ``status`` is the HTTP status the interfaces should answer with: 400 for
    bad input, 409 for a state conflict (e.g. an illegal transition), 403 when
    the rule is about who may do it.
    """

    status = 400

    def __init__(
        self,
        message: str,
        *,
        code: str = "invalid",
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        if status is not None:
            self.status = status
        self.details = details or {}


class TransitionError(ApplicationError):
    """The requested move is not in the transition table for the current state."""

    status = 409
