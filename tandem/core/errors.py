"""Service errors: each carries a stable code and the HTTP status the API answers with.

Services raise these; the API turns them into {"error": {"code", "message", "fields"}} and pages
turn them into form errors. Nothing outside a service decides what an error means.
"""

from typing import ClassVar


class ServiceError(Exception):
    status: ClassVar[int] = 400
    code: ClassVar[str] = "bad_request"

    def __init__(
        self, message: str = "", *, code: str | None = None, fields: dict | None = None
    ) -> None:
        # Without a message, the class's docstring is the message: as one line of text, not
        # with the source's line breaks and indentation.
        message = message or " ".join((self.__class__.__doc__ or self.code).split())
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.fields: dict[str, list[str]] = fields or {}


class InvalidInput(ServiceError):
    """The input is not valid."""

    status = 400
    code = "invalid"


class NotFound(ServiceError):
    """Not found."""

    status = 404
    code = "not_found"


class PermissionDenied(ServiceError):
    """You may not do that."""

    status = 403
    code = "forbidden"


class Conflict(ServiceError):
    """That conflicts with the current state."""

    status = 409
    code = "conflict"


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


class RateLimited(ServiceError):
    """Too many attempts; wait a little and try again."""

    status = 429
    code = "rate_limited"
