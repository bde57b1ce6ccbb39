"""The calendar feed settings page in real Chromium: copy, regenerate, accessibility."""

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def test_copy_then_regenerate_the_feed_link(browser_context, live_server, login_as, bob, settings):
    from tandem.booking.models import CalendarFeed

    settings.TANDEM_SITE_URL = live_server.url
    context = browser_context(permissions=["clipboard-read", "clipboard-write"])
    login_as(context, bob)
    page = context.new_page()
    page.goto(f"{live_server.url}/settings/")
    page.get_by_role("navigation", name="Settings").get_by_role(
        "link", name="Calendar feed"
    ).click()

    old = CalendarFeed.objects.get(user=bob).token
    field = page.get_by_label("Your private calendar link")
    expect(field).to_have_value(f"{live_server.url}/calendar/{old}.ics")
    page.get_by_role("button", name="Copy link").click()
    expect(page.get_by_role("button", name="Copied")).to_be_visible()
    assert (
        page.evaluate("navigator.clipboard.readText()") == f"{live_server.url}/calendar/{old}.ics"
    )

    # The link really is a calendar.
    feed = context.request.get(f"{live_server.url}/calendar/{old}.ics")
    assert feed.status == 200 and feed.text().startswith("BEGIN:VCALENDAR")

    page.get_by_role("link", name="Regenerate link…").click()
    expect(page.get_by_role("heading", name="Regenerate your calendar link?")).to_be_visible()
    page.get_by_role("button", name="Regenerate link").click()
    expect(page.locator(".messages")).to_contain_text("New calendar link created")
    new = CalendarFeed.objects.get(user=bob).token
    assert new != old
    expect(field).to_have_value(f"{live_server.url}/calendar/{new}.ics")
    assert context.request.get(f"{live_server.url}/calendar/{old}.ics").status == 404


@pytest.mark.parametrize("path", ["/settings/calendar/", "/settings/calendar/regenerate/"])
def test_the_pages_are_accessible_and_fit_a_phone(
    browser_context, live_server, login_as, bob, path
):
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    login_as(context, bob)
    page = context.new_page()
    response = page.goto(f"{live_server.url}{path}")
    assert response is not None and response.status == 200

    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], v["help"])
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, serious
