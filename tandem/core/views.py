import sys

from django.conf import settings
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from .api_errors import SERVER_ERROR_MESSAGES, error_response, status_code_name
from .health import health_report


def landing(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("dashboard")
    return render(request, "core/landing.html")


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Each dependency's state (tandem/core/health.py), for load balancers and `make run`
    readiness: 200 while every required one answers, 503 when one is down."""
    report = health_report(timezone.now())
    body = {
        "status": report.status,
        "checks": report.checks,
        # Kept from the first version of this endpoint (readers check the vendor).
        "database": connection.vendor,
        "env": settings.TANDEM_ENV,
    }
    return JsonResponse(body, status=report.http_status)


# Exempt: it changes nothing, and an API client POSTing to a wrong URL should learn that the
# endpoint does not exist, not that a browser's CSRF token is missing.
@csrf_exempt
def api_not_found(request: HttpRequest, rest: str = "") -> JsonResponse:
    return error_response(404, "not_found", "No such API endpoint.")


def favicon(request: HttpRequest) -> HttpResponse:
    # Resolved per request: in production the hashed name exists only after collectstatic.
    return HttpResponsePermanentRedirect(static("tandem/favicon.svg"))


# How long a client is told to wait before retrying when the database is unreachable: about
# what a PostgreSQL restart takes; the connection pool reconnects on its own once it is back.
DATABASE_RETRY_AFTER_SECONDS = 5


def database_unavailable(exc: BaseException | None) -> bool:
    """The database could not serve the request: connection refused or dropped (a restart, a
    crash), the pool's wait for a connection timed out, a connection already closed. Django
    raises these as OperationalError and InterfaceError, whose DB-API meaning is "not under
    the programmer's control". SQLite's lock timeouts are OperationalError too (also a
    retry-later), and so is its "no such table" (a node serving before its migrations ran: not
    ready yet). Every one is still logged with its traceback, as any 5xx is."""
    return isinstance(exc, OperationalError | InterfaceError)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: what Django answers for any unhandled exception (DEBUG off), in any view or
    middleware. 503 with Retry-After when the database is unavailable (a client or load
    balancer may retry; nothing is wrong with the request), else 500. Under /api/ in the
    API's error shape; pages render 500.html or 503.html without a request context, as
    Django's own handler does (no session, no database)."""
    status = 503 if database_unavailable(sys.exc_info()[1]) else 500
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = error_response(status, status_code_name(status), SERVER_ERROR_MESSAGES[status])
    else:
        response = HttpResponse(loader.get_template(f"{status}.html").render(), status=status)
    if status == 503:
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
    return response
