"""tandem/static/tandem/shared.js in real Chromium: the one announce, csrfToken and countdown
every page script uses (base.html loads it first). The browser's clock is Playwright's fake
one, moved by hand, so nothing here waits on or depends on the wall clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FAKE_START = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)  # any fixed instant


def _open_a_page(page: Page, live_server: LiveServer) -> list[str]:
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.clock.install(time=FAKE_START)
    page.goto(live_server.url + reverse("account_login"))
    page.wait_for_function("window.tandem !== undefined")
    page.clock.pause_at(FAKE_START + timedelta(hours=1))  # from here time moves by hand only
    return errors


def test_countdown_ticks_m_ss_from_the_server_s_seconds_then_ends_once(
    page: Page, live_server: LiveServer
) -> None:
    errors = _open_a_page(page, live_server)
    page.evaluate(
        """() => {
          window.__ticks = []; window.__ends = 0;
          window.tandem.countdown(65, (left, text) => window.__ticks.push([left, text]),
                                  () => { window.__ends += 1; });
        }"""
    )
    assert page.evaluate("window.__ticks") == [[65, "1:05"]]  # the first tick is at once
    page.clock.run_for(5_000)
    assert page.evaluate("window.__ticks.at(-1)") == [60, "1:00"]
    assert page.evaluate("window.__ends") == 0
    page.clock.run_for(61_000)
    assert page.evaluate("window.__ticks.at(-1)") == [0, "0:00"]
    assert page.evaluate("window.__ends") == 1
    page.clock.run_for(10_000)
    assert page.evaluate("window.__ends") == 1  # ended, not ticking on
    assert errors == []


def test_a_stopped_countdown_never_ends(page: Page, live_server: LiveServer) -> None:
    errors = _open_a_page(page, live_server)
    page.evaluate(
        """() => {
          window.__ends = 0;
          window.__running = window.tandem.countdown(3, null, () => { window.__ends += 1; });
        }"""
    )
    page.clock.run_for(1_000)
    page.evaluate("window.__running.stop()")
    page.clock.run_for(10_000)
    assert page.evaluate("window.__ends") == 0
    assert errors == []


def test_announce_fills_the_live_region_a_moment_after_emptying_it(
    page: Page, live_server: LiveServer
) -> None:
    errors = _open_a_page(page, live_server)
    status = page.locator("#live-status")
    page.evaluate("window.tandem.announce('Copied to the clipboard.')")
    assert status.text_content() == ""
    page.clock.run_for(100)
    expect(status).to_have_text("Copied to the clipboard.")
    # Nothing to say leaves what was said.
    page.evaluate("window.tandem.announce('')")
    page.clock.run_for(100)
    expect(status).to_have_text("Copied to the clipboard.")
    # Another region (Book now offers use their own assertive one).
    page.evaluate(
        """() => {
          const region = document.createElement('div');
          region.id = 'other-region';
          document.body.append(region);
          window.tandem.announce('Declined.', region);
        }"""
    )
    page.clock.run_for(100)
    expect(page.locator("#other-region")).to_have_text("Declined.")
    expect(status).to_have_text("Copied to the clipboard.")
    assert errors == []


def test_csrf_token_is_the_one_base_html_gives_htmx(page: Page, live_server: LiveServer) -> None:
    errors = _open_a_page(page, live_server)
    headers = json.loads(page.locator("body").get_attribute("hx-headers") or "{}")
    token = page.evaluate("window.tandem.csrfToken()")
    assert token and token == headers["X-CSRFToken"]
    assert page.evaluate("window.tandem.minutesAndSeconds(125)") == "2:05"
    assert errors == []
