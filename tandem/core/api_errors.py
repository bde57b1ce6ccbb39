"""One error shape for every 4xx and 5xx the API gives: {"error": {"code", "message", "fields"}}."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, AuthorizationError, HttpError, ValidationError

from .errors import ServiceError, error_body

_STATUS_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    415: "unsupported_media_type",
    422: "invalid",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}

# What an API client is told about a failure on our side; never the exception's text.
SERVER_ERROR_MESSAGES = {
    500: "Something went wrong on our side. Try again later.",
    503: "The service is unavailable for a moment. Try again shortly.",
}


def status_code_name(status: int) -> str:
    if status not in _STATUS_CODES and status >= 500:
        return "server_error"
    return _STATUS_CODES.get(status, "error")


def error_response(
    status: int, code: str, message: str, fields: dict | None = None
) -> JsonResponse:
    return JsonResponse(error_body(code, message, fields), status=status)


def _fields_from_validation(errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        # loc is like ("body", "payload", "name") or ("query", "after"); drop the container.
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "payload")]
        key = ".".join(loc) or "__all__"
        # pydantic prefixes messages raised by validators; the client needs only the message.
        message = str(error.get("msg", "Invalid value.")).removeprefix("Value error, ")
        fields.setdefault(key, []).append(message)
    return fields


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(ServiceError)
    def service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
        return error_response(exc.status, exc.code, exc.message, exc.fields)

    @api.exception_handler(ValidationError)
    def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
        errors = list(exc.errors)
        if any(err.get("type") == "json_invalid" for err in errors) or any(
            "JSON" in str(err.get("msg", "")) and not err.get("loc") for err in errors
        ):
            return error_response(400, "malformed_json", "The request body is not valid JSON.")
        return error_response(
            400, "invalid", "The request is not valid.", _fields_from_validation(errors)
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
        return error_response(
            401, "unauthenticated", "Sign in, or send a valid API token as a Bearer token."
        )

    @api.exception_handler(AuthorizationError)
    def forbidden(request: HttpRequest, exc: AuthorizationError) -> HttpResponse:
        return error_response(403, "forbidden", "You may not do that.")

    @api.exception_handler(HttpError)
    def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
        message = str(exc.message)
        if exc.status_code == 400 and message.startswith("Cannot parse request body"):
            return error_response(400, "malformed_json", "The request body is not valid JSON.")
        return error_response(exc.status_code, status_code_name(exc.status_code), message)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
        return error_response(404, "not_found", "Not found.")

    # Without these, ninja answers them with a 500 and a traceback when DEBUG is on (the
    # embedded default); with DEBUG off Django would make them a 400.
    @api.exception_handler(SuspiciousOperation)
    def suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
        if isinstance(exc, RequestDataTooBig):
            return error_response(413, "too_large", "The request body is too large.")
        return error_response(400, "bad_request", "The request was refused.")

    @api.exception_handler(DjangoPermissionDenied)
    def permission_denied(request: HttpRequest, exc: DjangoPermissionDenied) -> HttpResponse:
        return error_response(403, "forbidden", "You may not do that.")

    # Anything else is a bug. Ninja's own default would answer a plain-text traceback when
    # DEBUG is on; instead every API view fails the way any Django view does: Django logs it
    # (django.request), fires got_request_exception and answers its 500, which
    # ApiErrorShapeMiddleware then turns into the error shape (with no exception text).
    @api.exception_handler(Exception)
    def unhandled(request: HttpRequest, exc: Exception) -> HttpResponse:
        raise exc
