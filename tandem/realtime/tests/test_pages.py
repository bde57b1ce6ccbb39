"""Pages and the real-time client: who gets the script and the starting point, what it
costs, and the live fragments My sessions and the dashboard fetch again when a booking
changes (only the viewer's own sessions, a constant number of queries).

Pages are asked for through the ASGI handler (Django's AsyncClient), as uvicorn serves them;
the fragments do not depend on it.
"""

import re
from collections.abc import Callable

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from tandem.booking.tests.conftest import at, book_session, make_coach, make_type
from tandem.realtime.services import position
from tandem.realtime.tests.conftest import publish

pytestmark = pytest.mark.django_db

SCRIPT = "/static/realtime/events.js"


def asgi_get(path: str, user=None):
    client = AsyncClient()
    if user is not None:
        client.force_login(user)
    return async_to_sync(client.get)(path)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.content.decode()


@pytest.fixture
def practice(alice):
    """Alice as a coach (Berlin, 08:00-20:00) with a session type and one she confirms."""
    coach = make_coach(alice, slug="alice")
    return {
        "coach": coach,
        "session": make_type(coach),
        "intro": make_type(
            coach, name="Intro call", duration_minutes=30, requires_confirmation=True
        ),
    }


# --- Who gets the client -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/coaches/", "/accounts/login/", "/accounts/signup/"])
def test_anonymous_pages_do_not_load_the_client(path):
    html = html_of(asgi_get(path))
    assert SCRIPT not in html
    assert "data-events-after" not in html
    assert "data-realtime-status" not in html


def test_signed_in_pages_load_it_with_their_starting_point(bob, charlie):
    publish([bob.pk], 3)
    publish([charlie.pk], 1)
    html = html_of(asgi_get("/settings/", bob))
    assert f'<script src="{SCRIPT}" defer></script>' in html
    assert '<script src="/static/realtime/live.js" defer></script>' in html
    body = re.search(r"<body[^>]*>", html, re.S).group(0)
    assert 'data-events-after="3"' in body  # Bob's position, not Charlie's
    assert 'data-events-ws="/ws/events"' in body
    assert 'data-events-sse="/api/v1/events/stream"' in body
    assert 'data-events-poll="/api/v1/events"' in body
    assert 'data-events-heartbeat="15"' in body and 'data-events-longpoll="30"' in body
    indicator = re.search(r"<span[^>]*data-realtime-status[^>]*>", html).group(0)
    for attribute in ('role="status"', 'aria-live="polite"', 'data-state="connecting"'):
        assert attribute in indicator
    # A user who never had an event starts at 0.
    dora = make_user("dora@example.com", name="Dora Diaz")
    assert 'data-events-after="0"' in html_of(asgi_get("/settings/", dora))


def test_the_static_files_are_served():
    for name in ("events.js", "live.js"):
        response = Client().get(f"/static/realtime/{name}")
        assert response.status_code == 200
        assert b"use strict" in b"".join(response.streaming_content)


def test_pages_served_over_wsgi_do_without_it(bob):
    # WSGI cannot upgrade a WebSocket, and an endless SSE response would hold a worker
    # thread for good: such a page works as before, without live updates.
    html = html_of(signed_in(bob).get("/sessions/"))
    assert SCRIPT not in html and "data-events-after" not in html


# --- What it costs ----------------------------------------------------------------------------


def stream_queries(queries: CaptureQueriesContext) -> list[int]:
    return [n for n, q in enumerate(queries.captured_queries) if "realtime_stream" in q["sql"]]


def test_the_position_costs_one_query_and_only_where_it_is_rendered(bob):
    publish([bob.pk], 2)
    with CaptureQueriesContext(connection) as page:
        html_of(asgi_get("/settings/", bob))
    assert len(stream_queries(page)) == 1
    with CaptureQueriesContext(connection) as fragment:
        html_of(asgi_get("/sessions/live/", bob))
    assert stream_queries(fragment) == []
    with CaptureQueriesContext(connection) as anonymous:
        html_of(asgi_get("/coaches/"))
    assert stream_queries(anonymous) == []


@pytest.mark.parametrize("path", ["/sessions/", "/dashboard/"])
def test_live_pages_read_their_starting_point_before_their_sessions(practice, bob, path):
    # An event committed between the two reads then reaches the page, never falls between.
    book_session(bob, practice["coach"], practice["session"], at(2, 9))
    with CaptureQueriesContext(connection) as queries:
        html = html_of(asgi_get(path, bob))
    assert f'data-events-after="{position(bob.pk)}"' in html
    first_booking_read = next(
        n for n, q in enumerate(queries.captured_queries) if "booking_booking" in q["sql"]
    )
    assert stream_queries(queries) == [stream_queries(queries)[0]]
    assert stream_queries(queries)[0] < first_booking_read


# --- My sessions: the live fragment ------------------------------------------------------------


def test_my_sessions_wraps_its_list_in_a_live_region_that_keeps_tab_and_role(practice, alice):
    html = html_of(signed_in(alice).get("/sessions/?tab=cancelled&role=coach"))
    region = re.search(r'<div id="sessions-live"[^>]*>', html).group(0)
    assert 'hx-get="/sessions/live/?tab=cancelled&amp;role=coach"' in region
    assert 'hx-trigger="tandem:refresh"' in region
    assert 'data-live-refresh="booking.changed"' in region


def test_the_fragment_is_only_the_live_part(practice, alice, bob):
    booking = book_session(bob, practice["coach"], practice["intro"], at(2, 9))
    html = html_of(signed_in(alice).get("/sessions/live/"))
    assert "<html" not in html and "<header" not in html and "<nav" in html  # the tabs
    assert 'id="sessions-live"' not in html  # swapped inside the region, not around it
    assert "Requests awaiting you" in html and 'data-request-count="1"' in html
    assert f"/sessions/{booking.public_id}/" in html
    assert "Bob Brown" in html
    # The client's view: the session, no requests.
    bob_html = html_of(signed_in(bob).get("/sessions/live/"))
    assert f"/sessions/{booking.public_id}/" in bob_html
    assert "Requests awaiting you" not in bob_html and 'data-request-count="0"' in bob_html


def test_the_fragment_keeps_the_tab(practice, bob):
    upcoming = book_session(bob, practice["coach"], practice["session"], at(2, 9))
    cancelled = book_session(bob, practice["coach"], practice["session"], at(3, 9))
    from tandem.booking import services

    services.booking_cancel(
        booking_id=cancelled.public_id, user=bob, reason_code="illness", message=""
    )
    html = html_of(signed_in(bob).get("/sessions/live/?tab=cancelled"))
    assert f"/sessions/{cancelled.public_id}/" in html
    assert f"/sessions/{upcoming.public_id}/" not in html


def test_the_fragment_shows_as_many_rows_as_the_page_did(practice, bob):
    for day in range(2, 14):
        book_session(bob, practice["coach"], practice["session"], at(day, 9))
        book_session(bob, practice["coach"], practice["session"], at(day, 15))
    client = signed_in(bob)

    def rows(query: str) -> int:
        return html_of(client.get(f"/sessions/live/{query}")).count(
            'class="card shadow-sm session-row"'
        )

    assert rows("") == 20  # a page
    assert rows("?shown=24") == 24  # "Load more" had made it longer
    assert rows("?shown=3") == 20  # never shorter than a page
    assert rows("?shown=abc") == 20
    assert rows("?shown=100000") == 24  # at most the selector's limit (100); 24 exist


def test_strangers_fragments_never_list_other_peoples_sessions(practice, alice, bob, charlie):
    booking = book_session(bob, practice["coach"], practice["intro"], at(2, 9))
    client = signed_in(charlie)
    for path in (
        "/sessions/live/",
        "/sessions/live/?tab=past",
        "/sessions/live/?tab=cancelled",
        "/sessions/live/?role=coach",
        "/sessions/live/?shown=100",
        "/dashboard/sessions/",
    ):
        html = html_of(client.get(path))
        assert str(booking.public_id) not in html, path
        assert "Bob Brown" not in html and "Alice Adler" not in html, path
    assert "No upcoming sessions" in html_of(client.get("/sessions/live/"))


def test_signed_out_fragments_answer_401_without_a_page(practice):
    for path in ("/sessions/live/", "/dashboard/sessions/"):
        response = Client().get(path)
        assert response.status_code == 401
        assert b"<html" not in response.content


# --- The dashboard ---------------------------------------------------------------------------


def test_the_coach_dashboard_shows_next_sessions_and_requests_live(practice, alice, bob):
    confirmed = book_session(bob, practice["coach"], practice["session"], at(2, 9))
    request = book_session(bob, practice["coach"], practice["intro"], at(3, 9))
    html = html_of(signed_in(alice).get("/dashboard/"))
    region = re.search(r'<div[^>]*id="dashboard-sessions"[^>]*>', html).group(0)
    assert 'hx-get="/dashboard/sessions/"' in region
    assert 'data-live-refresh="booking.changed"' in region
    assert f"/sessions/{confirmed.public_id}/" in html
    assert 'id="dashboard-requests" data-request-count="1"' in html
    assert f"/sessions/{request.public_id}/" in html

    fragment = html_of(signed_in(alice).get("/dashboard/sessions/"))
    assert "<html" not in fragment and "Next sessions" in fragment
    assert f"/sessions/{confirmed.public_id}/" in fragment
    # The requests card comes along out of band (it sits elsewhere on the page).
    assert re.search(r'id="dashboard-requests"[^>]*hx-swap-oob="true"', fragment)


def test_a_clients_dashboard_has_no_requests_card(practice, bob):
    booking = book_session(bob, practice["coach"], practice["intro"], at(2, 9))
    for path in ("/dashboard/", "/dashboard/sessions/"):
        html = html_of(signed_in(bob).get(path))
        assert "dashboard-requests" not in html, path
        assert f"/sessions/{booking.public_id}/" in html, path  # his own request, upcoming


# --- Query counts ----------------------------------------------------------------------------


def count_queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        html_of(client.get(path))
    return len(queries)


def test_fragments_make_a_constant_number_of_queries(practice, alice, bob):
    book_session(bob, practice["coach"], practice["session"], at(2, 9))
    book_session(bob, practice["coach"], practice["intro"], at(2, 15))
    clients: dict[str, Callable[[], Client]] = {"alice": lambda: signed_in(alice)}
    clients["bob"] = lambda: signed_in(bob)
    paths = ["/sessions/live/", "/sessions/live/?role=coach&shown=40", "/dashboard/sessions/"]
    before = {(who, p): count_queries(make(), p) for who, make in clients.items() for p in paths}
    for day in range(3, 15):
        book_session(bob, practice["coach"], practice["session"], at(day, 9))
        book_session(bob, practice["coach"], practice["intro"], at(day, 15))
    after = {(who, p): count_queries(make(), p) for who, make in clients.items() for p in paths}
    assert after == before
