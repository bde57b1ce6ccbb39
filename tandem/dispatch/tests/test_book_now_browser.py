"""Book now in real Chromium against the real ASGI app (uvicorn in a thread): Bob asks for a
session now, Alice's open page gets the alert with its chime, she accepts with the keyboard,
and Bob's progress page shows the booking without a reload."""

# ruff: noqa: F811 (the imported fixtures are test arguments)

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tandem.booking.models import Booking
from tandem.dispatch.models import DispatchRequest
from tandem.realtime.presence import presence_of

# The real-time package's ASGI server fixtures, used here by name (hence F811 below).
from tandem.realtime.tests.conftest import (  # noqa: F401
    AsgiServer,
    asgi_login,
    asgi_server,
    serve_asgi,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
# Chimes and events the page saw, and proof that it was never reloaded.
RECORD = """
window.__chimes = [];
window.__sameDocument = true;
document.addEventListener("tandem:chime", (e) => window.__chimes.push(e.detail));
"""


def open_page(browser_context, server: AsgiServer, login, user, path: str, **options) -> Page:
    context = browser_context(bypass_csp=True, **options)  # bypass only to inject axe later
    login(context, server, user)
    context.add_init_script(RECORD)
    page = context.new_page()
    page.goto(f"{server.url}{path}")
    expect(page.locator("[data-realtime-status]")).to_have_attribute(
        "data-state", "live", timeout=30_000
    )
    return page


def wait_online(user) -> None:
    deadline = time.monotonic() + 10  # a deadline, not a timing assertion
    while presence_of([user.pk])[user.pk].state != "online":
        assert time.monotonic() < deadline, "the coach's page never came online"
        time.sleep(0.1)


def check_axe(page: Page) -> None:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in results["violations"] if v["impact"] in {"serious", "critical"}]
    assert not serious, serious


def test_book_now_from_request_to_booking_live(
    browser_context, asgi_server, asgi_login, alice, bob, alice_coach
):
    alice_page = open_page(
        browser_context, asgi_server, asgi_login, alice, "/dashboard/", timezone_id="Europe/Berlin"
    )
    wait_online(alice)
    expect(alice_page.locator(".dispatch-alert")).to_have_count(0)

    # Bob, on a 360 px wide screen, asks for an hour of leadership coaching within the hour.
    bob_page = open_page(
        browser_context,
        asgi_server,
        asgi_login,
        bob,
        "/dashboard/",
        viewport={"width": 360, "height": 740},
    )
    bob_page.locator("main").get_by_role("link", name="Book now").click()
    bob_page.get_by_label("What would you like to work on?").select_option("leadership")
    bob_page.get_by_label("Session length").select_option("60")
    bob_page.get_by_label("Start within (minutes)").fill("60")
    check_axe(bob_page)
    bob_page.get_by_role("button", name="Find a coach now").click()
    status = bob_page.locator("[data-dispatch-status]")
    expect(status).to_contain_text("Asking coach 1 of 1")
    # Five minutes, or less when the slot starts sooner (the window ends at the start).
    expect(status.get_by_role("timer")).to_have_text(re.compile(r"^[0-5]:\d\d$"))
    expect(status.get_by_role("button", name="Withdraw request")).to_be_visible()
    assert bob_page.evaluate("document.documentElement.scrollWidth") <= 360
    bob_page.evaluate("window.__sameDocument = 'progress page'")  # marks this document

    # Alice's open page gets the alert, with a chime, without a reload.
    alert = alice_page.locator(".dispatch-alert")
    expect(alert).to_have_count(1, timeout=10_000)
    expect(alert).to_contain_text("Leadership · 60 minutes with Bob Brown")
    expect(alert.get_by_role("timer")).to_have_text(re.compile(r"^[0-5]:\d\d$"))
    assert len(alice_page.evaluate("window.__chimes")) == 1
    assert alice_page.evaluate("window.__sameDocument") is True
    # Below the navigation, not over it (issue 14), and the time in Alice's 24-hour clock.
    header_bottom = alice_page.evaluate(
        "document.querySelector('body > header').getBoundingClientRect().bottom"
    )
    assert alert.bounding_box()["y"] >= header_bottom
    assert not re.search(r"\b(AM|PM)\b", alert.inner_text())
    check_axe(alice_page)

    # She answers with the keyboard: the alert comes right after the skip link.
    alice_page.locator("body").focus()
    alice_page.keyboard.press("Tab")  # the skip link
    alice_page.keyboard.press("Tab")
    expect(alert.get_by_role("button", name="Accept")).to_be_focused()
    alice_page.keyboard.press("Enter")
    expect(alert).to_contain_text("Accepted: the session is booked.")
    booking = Booking.objects.get()
    expect(alert.get_by_role("link", name="Open the session")).to_have_attribute(
        "href", f"/sessions/{booking.public_id}/"
    )

    # Bob's page shows the booking, live, in the same document.
    expect(status).to_contain_text("Booked", timeout=10_000)
    expect(status).to_contain_text("Alice Adler")
    expect(status.get_by_role("link", name="Open your session")).to_have_attribute(
        "href", f"/sessions/{booking.public_id}/"
    )
    assert bob_page.evaluate("window.__sameDocument") == "progress page"
    request = DispatchRequest.objects.get()
    assert (request.status, request.booking_id) == ("accepted", booking.pk)
    assert booking.client == bob and booking.coach.user == alice
    check_axe(bob_page)


def test_the_chime_respects_the_sound_preference(
    browser_context, asgi_server, asgi_login, alice, alice_coach
):
    page = open_page(browser_context, asgi_server, asgi_login, alice, "/dashboard/")
    assert page.evaluate("window.tandemAlert.soundEnabled()") is True
    page.evaluate("window.tandemAlert.setSoundEnabled(false)")
    assert page.evaluate("localStorage.getItem('tandem:sound')") == "off"
    assert page.evaluate("window.tandemAlert.chime()") is False
    assert page.evaluate("window.__chimes") == [{"played": False}]
    page.evaluate("window.tandemAlert.setSoundEnabled(true)")
    page.evaluate("document.body.dataset.sound = 'off'")  # the server's setting wins
    assert page.evaluate("window.tandemAlert.soundEnabled()") is False
