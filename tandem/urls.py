from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.urls import include, path, re_path

from tandem.accounts import views as account_views
from tandem.core import views as core_views
from tandem.realtime import views as realtime_views
from tandem.realtime import views_bridge as realtime_bridge

from .api import api

# Any unhandled exception (a view or a middleware): 503 + Retry-After when the database is
# unreachable, 500 otherwise; JSON in the error shape under /api/ (tandem/core/views.py).
handler500 = core_views.server_error

admin.site.site_header = "Tandem staff"
admin.site.site_title = "Tandem staff"
# Every way in goes through allauth's login (its rate limits, two-factor): the admin's own
# login form would check a password alone, unthrottled. allauth's documented fix.
admin.site.login = secure_admin_login(admin.site.login)

urlpatterns = [
    path("", core_views.landing, name="landing"),
    path("healthz", core_views.healthz, name="healthz"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin, error pages).
    path("favicon.ico", core_views.favicon),
    # Async views, before the NinjaAPI: streams and long-polls wait on the event loop.
    path("api/v1/events", realtime_views.events_poll, name="events_poll"),
    path("api/v1/events/stream", realtime_views.events_stream, name="events_stream"),
    *realtime_bridge.urlpatterns(),  # /internal/wake, only without Redis
    path("api/v1/", api.urls),
    # Anything else under /api/ answers in the API's error shape, not an HTML page.
    re_path(r"^api/(?P<rest>.*)$", core_views.api_not_found),
    path("accounts/signup/", account_views.signup, name="account_signup"),
    path("accounts/", include("allauth.urls")),
    path("", include("tandem.home.urls")),  # /dashboard/
    path("", include("tandem.accounts.urls")),  # /settings/...
    # /coach/... (a coach's profile, session types, availability) and /staff/... pages.
    path("", include("tandem.coaches.urls_coach")),
    path("", include("tandem.coaches.urls")),  # /coaches/ and /c/<slug>/ (public)
    path("", include("tandem.booking.urls")),  # /calendar/<token>.ics, /settings/calendar/, ...
    path("", include("tandem.messaging.urls")),  # /messages/ and /messages/<conversation>/
    path("", include("tandem.dispatch.urls")),  # /book-now/... (Book now)
    path("", include("tandem.workspace.urls")),  # /coach/clients/, /workspace/, /journal/
    path("", include("tandem.orgs.urls")),  # /org/..., /programmes/..., /staff/organisations/
    # Gift cards, earnings and payouts, payment history, documents, packages, staff payment
    # pages and the Stripe webhook (tandem/payments/urls.py).
    path("", include("tandem.payments.urls")),
    path("", include("tandem.notifications.urls")),  # /notifications/, /settings/notifications/
    path("admin/", admin.site.urls),
]
