import zoneinfo
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation

from . import timefmt
from .api_errors import SERVER_ERROR_MESSAGES, error_response, status_code_name
from .errors import ServiceError


class UserTimezoneMiddleware:
    """Show times in the viewer's zone and language (from the profile when signed in)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            try:
                timezone.activate(zoneinfo.ZoneInfo(user.timezone))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
            if user.locale:
                translation.activate(user.locale)
                request.LANGUAGE_CODE = translation.get_language()
            # One clock per user (12/24-hour), on every page and in every partial.
            timefmt.activate(
                timefmt.resolve(
                    getattr(user, "time_format", timefmt.AUTO),
                    locale=user.locale,
                    zone=user.timezone,
                )
            )
        else:
            timezone.deactivate()
            timefmt.deactivate()
        try:
            return self.get_response(request)
        finally:
            # The zone and clock are per request: what runs next on this thread (another
            # visitor's request, a task in a worker thread) starts from the defaults.
            timezone.deactivate()
            timefmt.deactivate()


class ServiceErrorMiddleware:
    """A ServiceError that escapes a page view answers with its status, not a 500."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        from django.shortcuts import render

        if not isinstance(exception, ServiceError):
            return None
        return render(
            request,
            "core/error.html",
            {"status": exception.status, "message": exception.message},
            status=exception.status,
        )


class ApiErrorShapeMiddleware:
    """Under /api/, every 4xx and 5xx speaks the API's error shape, even ones Django makes.

    CSRF failures, 405s and framework 404s are HTML by default, and so is the 500 Django
    answers for an unhandled exception (in a ninja operation, a long-poll or the SSE stream);
    an API client should never have to parse HTML. Django has already logged the exception
    (django.request) by the time its response reaches here; the JSON says nothing of it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if (
            request.path.startswith("/api/")
            and 400 <= response.status_code < 600
            and not response.get("Content-Type", "").startswith("application/json")
        ):
            status = response.status_code
            if status >= 500:
                message = SERVER_ERROR_MESSAGES.get(status, SERVER_ERROR_MESSAGES[500])
            else:
                message = {
                    403: "Forbidden (for browser sessions, send the CSRF token).",
                    405: "Method not allowed.",
                }.get(status, "The request was refused.")
            shaped = error_response(status, status_code_name(status), message)
            if response.streaming:
                return shaped
            # Rewrite the response in place rather than replacing it: it keeps its headers
            # (Allow, Retry-After) and Django's note that it has logged it, so the failure
            # is logged once (with its traceback), not again for a new response.
            response.content = shaped.content
            response["Content-Type"] = shaped["Content-Type"]
            return response
        return response
