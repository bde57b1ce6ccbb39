"""The dashboard: the signed-in user's sessions, messages and role cards on one page."""

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_safe

from tandem.accounts import selectors as account_selectors
from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.accounts.models import Role, User
from tandem.booking import selectors as booking_selectors
from tandem.core.countdown import countdown_text
from tandem.realtime.context_processors import pin_events_position

from .dashboard import dashboard_cards

DASHBOARD_SESSIONS = 5  # next sessions listed on the dashboard


@login_required
def dashboard(request: AuthenticatedHttpRequest) -> HttpResponse:
    # The stream position before the sessions shown, so no change falls in between (see
    # pin_events_position).
    pin_events_position(request)
    roles = account_selectors.user_roles(request.user)
    context = {
        "is_coach": Role.COACH in roles,
        "is_org_admin": Role.ORG_ADMIN in roles,
        "is_staff_role": Role.STAFF in roles,
        "application": account_selectors.coach_application_latest(request.user),
        **_sessions_overview(request.user, Role.COACH in roles),
        **dashboard_cards(request.user, roles, timezone.now()),
    }
    return render(request, "home/dashboard.html", context)


@require_safe
def dashboard_sessions(request: HttpRequest) -> HttpResponse:
    """The dashboard's live cards (next sessions; the coach's requests out of band), fetched
    again by the page when a booking changes."""
    if not request.user.is_authenticated:
        # Signed out since the page loaded: a 401 is not swapped in (a login page would be).
        return HttpResponse("Sign in again to see your sessions.", status=401)
    is_coach = Role.COACH in account_selectors.user_roles(request.user)
    return render(
        request, "booking/partials/dashboard_live.html", _sessions_overview(request.user, is_coach)
    )


def _sessions_overview(user: User, is_coach: bool) -> dict[str, Any]:
    """The next sessions (either side), the next confirmed one (its countdown) and the
    requests awaiting the user as a coach: three queries whatever the role (a client's
    requests query finds none), so the dashboard costs the same for everyone."""
    now = timezone.now()
    upcoming = booking_selectors.bookings_page(
        user, scope="upcoming", now=now, limit=DASHBOARD_SESSIONS
    ).items
    requests = booking_selectors.pending_requests_for_coach(user, now)
    # The next confirmed one may lie beyond the five listed (behind pending requests).
    next_session = booking_selectors.next_confirmed_session(user, now)
    return {
        "upcoming": upcoming,
        "next_session": next_session,
        "next_session_in": countdown_text(next_session.start, next_session.end, now)
        if next_session
        else "",
        # Whole seconds: every browser's Date.parse reads that form of ISO 8601.
        "now": now.replace(microsecond=0),
        "requests": requests,
        "show_requests": is_coach,
        "directory_url": reverse("coach_directory"),
    }
