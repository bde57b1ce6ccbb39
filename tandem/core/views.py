from django.conf import settings
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from .api_errors import error_response
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
