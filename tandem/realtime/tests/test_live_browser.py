"""Live pages in real Chromium against the real ASGI app (uvicorn in a thread): a booking
made elsewhere shows up on an open page without a reload, over WebSocket, over SSE when
WebSockets do not get through, over long-poll when streams do not either; presence follows
the tab's visibility; a server restart shows "Reconnecting…" and then catches up; a page
offline catches up once on return, and a resume point lost to retention reloads the page.

Changes are made through the API over HTTP where a server is up, as another person's client
would: the booking then commits inside the server, whose wake-up reaches the page's
connection at once. Otherwise (server down, page offline) through services in a thread.
"""

import re
import threading
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from django.db import connections
from django.db.models import F
from playwright.sync_api import Page, expect

from tandem.accounts.services import api_token_create
from tandem.booking.tests.conftest import at, book_session, make_coach, make_type
from tandem.realtime.models import Event, Stream
from tandem.realtime.presence import presence_of
from tandem.realtime.services import position
from tandem.realtime.tests.conftest import AsgiServer, publish

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# Every event the page receives, in order, kept across the test (reset by a reload).
RECORD_EVENTS = """
window.__received = [];
window.__sameDocument = true;
document.addEventListener("tandem:event", (e) => window.__received.push(e.detail));
"""
# Chromium keeps a page "visible" under automation; tell the page otherwise, as a browser
# does when the tab goes to the background.
SET_VISIBILITY = """(value) => {
  Object.defineProperty(document, "visibilityState", {configurable: true, get: () => value});
  document.dispatchEvent(new Event("visibilitychange"));
}"""


@pytest.fixture
def practice(alice):
    """Alice (Berlin, 08:00-20:00) with a session type she confirms by hand."""
    coach = make_coach(alice, slug="alice")
    return {
        "coach": coach,
        "intro": make_type(coach, name="Intro call", requires_confirmation=True),
    }


def api(server: AsgiServer, user) -> httpx.Client:
    token = api_token_create(user=user, name="live test")[1]
    return httpx.Client(
        base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=15
    )


def request_session(client: httpx.Client, practice, days: int) -> str:
    response = client.post(
        "/api/v1/bookings",
        json={
            "coach": "alice",
            "session_type": str(practice["intro"].public_id),
            "start": at(days, 10).isoformat(),
        },
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.text
    return response.json()["id"]


def in_thread(work: Callable[[], object]) -> None:
    """Run ORM work that publishes events off the main thread: Playwright's event loop runs
    there, and the wake-up after the commit (async_to_sync) refuses to run beside it."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # pragma: no cover - reported below
            failure.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not failure, failure


def open_page(browser_context, server: AsgiServer, login, user, path: str, **options) -> Page:
    context = browser_context(**options)
    login(context, server, user)
    context.add_init_script(RECORD_EVENTS)
    page = context.new_page()
    page.goto(f"{server.url}{path}")
    return page


def expect_live(page: Page, transport: str) -> None:
    status = page.locator("[data-realtime-status]")
    # A deadline, not a timing assertion: falling back to long-poll first waits out three
    # failed WebSocket and three failed SSE attempts, with backoff.
    expect(status).to_have_text("Live", timeout=30_000)
    expect(status).to_have_attribute("data-state", "live")
    expect(status).to_have_attribute("data-transport", transport)
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_attribute("aria-live", "polite")


def received(page: Page) -> list[dict]:
    """The booking events the page received (a first booking also starts the pair's
    engagement: its workspace.engagement event arrives too, and is not what these follow)."""
    return [e for e in page.evaluate("window.__received") if e["kind"] == "booking.changed"]


def wait_until(condition: Callable[[], bool], deadline: float = 10) -> None:
    end = time.monotonic() + deadline  # a deadline, not a timing assertion
    while not condition():
        assert time.monotonic() < end, "gave up waiting"
        time.sleep(0.1)


def test_my_sessions_shows_a_new_request_live_over_websocket(
    browser_context, asgi_server, asgi_login, practice, alice, bob
):
    page = open_page(
        browser_context, asgi_server, asgi_login, alice, "/sessions/", timezone_id="Europe/Berlin"
    )
    expect_live(page, "ws")
    main = page.locator("main")
    expect(main).to_contain_text("No upcoming sessions")

    # Bob asks for a session: Alice's open page shows it without a reload.
    bob_api = api(asgi_server, bob)
    booking = request_session(bob_api, practice, days=2)
    requests = page.get_by_role("region", name=re.compile("Requests awaiting you"))
    expect(requests).to_contain_text("Bob Brown")
    expect(page.locator(f'#session-list a[href="/sessions/{booking}/"]')).to_have_count(1)
    expect(page.locator("[data-live-toasts]")).to_contain_text("New booking request")
    assert page.evaluate("window.__sameDocument") is True  # the same page: no reload
    expect_live(page, "ws")
    events = received(page)
    assert [e["data"]["change"] for e in events] == ["requested"]
    assert events[0]["data"]["booking"] == booking and events[0]["kind"] == "booking.changed"
    assert page.evaluate("TandemEvents.lastSeq") == position(alice.pk)

    # He withdraws it: the request and the session leave her list, live again.
    response = bob_api.post(f"/api/v1/bookings/{booking}/cancel", json={"reason_code": "illness"})
    assert response.status_code == 200, response.text
    expect(requests).to_have_count(0)
    expect(main).to_contain_text("No upcoming sessions")
    assert [e["data"]["change"] for e in received(page)] == ["requested", "cancelled"]
    assert page.evaluate("window.__sameDocument") is True

    # Her tab goes to the background and back: the socket tells the server (presence).
    for visibility, state in (("hidden", "away"), ("visible", "online")):
        page.evaluate(SET_VISIBILITY, visibility)
        wait_until(lambda state=state: presence_of([alice.pk])[alice.pk].state == state)


def test_without_websockets_the_page_follows_over_sse(
    browser_context, serve_asgi, asgi_login, practice, alice, bob
):
    # A server (as behind a proxy) that answers a WebSocket handshake with plain HTTP.
    server = serve_asgi(websockets=False)
    booking = request_session(api(server, bob), practice, days=2)
    page = open_page(
        browser_context, server, asgi_login, bob, "/sessions/", timezone_id="America/New_York"
    )
    expect_live(page, "sse")
    row = page.locator(".session-row").filter(has=page.locator(f'a[href="/sessions/{booking}/"]'))
    expect(row).to_contain_text("Awaiting confirmation")

    # Alice accepts: Bob's list shows the session confirmed, without a reload.
    response = api(server, alice).post(f"/api/v1/bookings/{booking}/accept")
    assert response.status_code == 200, response.text
    expect(row).to_contain_text("Confirmed")
    assert page.evaluate("window.__sameDocument") is True
    assert [e["data"]["change"] for e in received(page)] == ["confirmed"]
    # The next page goes straight to SSE instead of failing at WebSockets again.
    remembered = page.evaluate("JSON.parse(sessionStorage.getItem('tandem:events:transport'))")
    assert remembered["transport"] == "sse"
    page.reload()
    expect_live(page, "sse")


def test_without_streams_the_coach_dashboard_follows_over_long_poll(
    browser_context, serve_asgi, asgi_login, practice, alice, bob
):
    server = serve_asgi(websockets=False)
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    asgi_login(context, server, alice)
    context.add_init_script(RECORD_EVENTS)
    # A proxy that buffers or refuses streams: the SSE request never gets through.
    context.route(re.compile(r"/api/v1/events/stream"), lambda route: route.abort())
    page = context.new_page()
    page.goto(f"{server.url}/dashboard/")
    expect_live(page, "poll")
    sessions = page.locator("#dashboard-sessions")
    expect(sessions).to_contain_text("No upcoming sessions")
    expect(page.locator("#dashboard-requests")).to_contain_text("No requests waiting")

    booking = request_session(api(server, bob), practice, days=3)
    expect(sessions.locator(f'a[href="/sessions/{booking}/"]')).to_have_count(1)
    expect(sessions).to_contain_text("client Bob Brown")
    requests = page.locator("#dashboard-requests")
    expect(requests).to_have_attribute("data-request-count", "1")
    expect(requests).to_contain_text("Bob Brown")
    expect(page.locator("[data-live-toasts]")).to_contain_text("New booking request")
    assert page.evaluate("window.__sameDocument") is True

    # The indicator and the live cards pass axe at 360 px.
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in results["violations"] if v["impact"] in {"serious", "critical"}]
    assert not serious, serious


def test_offline_then_back_catches_up_once_and_a_lost_resume_point_reloads(
    browser_context, asgi_server, asgi_login, alice
):
    in_thread(lambda: publish([alice.pk], 2))
    page = open_page(browser_context, asgi_server, asgi_login, alice, "/settings/")
    expect(page.locator("body")).to_have_attribute("data-events-after", "2")
    expect_live(page, "ws")
    status = page.locator("[data-realtime-status]")

    # Offline: the indicator says so. Three events happen meanwhile.
    page.context.set_offline(True)
    expect(status).to_have_text("Offline")
    expect(status).to_have_attribute("data-state", "offline")
    in_thread(lambda: publish([alice.pk], 3))
    # Back online: each of them arrives once, in order, after the page's starting point.
    page.context.set_offline(False)
    expect_live(page, "ws")
    page.wait_for_function("window.__received.length >= 3")
    assert [e["seq"] for e in page.evaluate("window.__received")] == [3, 4, 5]
    assert page.evaluate("TandemEvents.lastSeq") == 5

    # Offline again while retention drops everything up to a newer event: the page's resume
    # point is gone, so it reloads once and follows from the fresh starting point.
    page.context.set_offline(True)
    expect(status).to_have_text("Offline")
    in_thread(lambda: publish([alice.pk], 1))
    Stream.objects.filter(user=alice).update(floor_seq=F("last_seq"))
    Event.objects.filter(user=alice).delete()
    with page.expect_navigation():
        page.context.set_offline(False)
    expect(page.locator("body")).to_have_attribute("data-events-after", "6")
    expect_live(page, "ws")
    assert page.evaluate("window.__received") == []  # a new document


def test_a_server_restart_shows_reconnecting_then_catches_up(
    browser_context, serve_asgi, asgi_login, practice, alice, bob
):
    server = serve_asgi()
    page = open_page(browser_context, server, asgi_login, alice, "/sessions/")
    expect_live(page, "ws")
    status = page.locator("[data-realtime-status]")

    server.stop()  # a deploy, a crash: the socket closes and reconnecting fails for a while
    expect(status).to_have_text("Reconnecting…")
    expect(status).to_have_attribute("data-state", "reconnecting")
    # Bob books meanwhile (through the service: the API is down with the server).
    booking = []
    in_thread(
        lambda: booking.append(
            book_session(bob, practice["coach"], practice["intro"], at(4, 11)).public_id
        )
    )

    serve_asgi(port=server.port)  # back on the same address
    expect_live(page, "ws")  # the WebSocket had worked: no fallback, only backoff
    expect(page.locator(f'#session-list a[href="/sessions/{booking[0]}/"]')).to_have_count(1)
    assert [e["data"]["change"] for e in received(page)] == ["requested"]
    assert page.evaluate("window.__sameDocument") is True
