"""Action items live on both sides, in real Chromium against the real ASGI app: Alice adds an
item for Bob from the client file's section (htmx, no reload) and Bob's open /actions/ page
shows it; Bob marks it done with a reflection and Alice's open section moves it to Done. The
section is axe clean at 360 px. (No due dates here: the server runs on the real clock.)"""

# ruff: noqa: F811 (the imported fixtures are test arguments)

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tandem.realtime.tests.conftest import (  # noqa: F401
    AsgiServer,
    asgi_login,
    asgi_server,
    serve_asgi,
)
from tandem.workspace.models import ActionItem, Engagement

from .actions_support import coach_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 780}


@pytest.fixture
def engagement(alice, bob) -> Engagement:
    return Engagement.objects.create(coach=coach_profile(alice, "alice"), client=bob)


def open_page(browser_context, server: AsgiServer, login, user, path: str) -> Page:
    context = browser_context(bypass_csp=True, viewport=PHONE)  # bypass only to inject axe
    login(context, server, user)
    context.add_init_script("window.__sameDocument = true;")
    page = context.new_page()
    response = page.goto(f"{server.url}{path}")
    assert response is not None and response.status == 200, path
    expect(page.locator("[data-realtime-status]")).to_have_attribute(
        "data-state", "live", timeout=30_000
    )
    return page


def axe_clean(page: Page, selector: str) -> None:
    # Colours as they settle: no pointer over a button that a swap just put under it, and
    # no transitions (Bootstrap drops them for reduced motion). Mid-transition, a button's
    # colours once failed axe's contrast check (a flaky test).
    page.emulate_media(reduced_motion="reduce")
    page.mouse.move(0, 0)
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        f"async () => await axe.run(document.querySelector('{selector}'), "
        "{resultTypes: ['violations']})"
    )
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, serious


def test_an_item_travels_between_the_two_open_pages(
    browser_context, asgi_server, asgi_login, alice, bob, engagement
):
    section = f"#actions-{engagement.public_id}"
    alice_page = open_page(
        browser_context, asgi_server, asgi_login, alice, f"/coach/clients/{engagement.public_id}/"
    )
    bob_page = open_page(browser_context, asgi_server, asgi_login, bob, "/actions/")
    expect(bob_page.locator("#actions-list")).to_contain_text("No action items for you")

    alice_page.get_by_label("What needs doing").fill("Write the three-line pitch")
    alice_page.locator(section).get_by_role("button", name="Add action item").click()
    expect(alice_page.locator(section)).to_contain_text("Write the three-line pitch")
    assert alice_page.evaluate("window.__sameDocument") is True  # swapped, not reloaded
    made = ActionItem.objects.get()
    assert made.assignee == bob
    # The open item's edit form, opened: axe clean too.
    edit = alice_page.locator(f"#action-{made.public_id} details.action-edit")
    edit.locator("summary").click()
    expect(edit.get_by_label("What needs doing")).to_have_value("Write the three-line pitch")
    axe_clean(alice_page, section)
    edit.locator("summary").click()

    # Bob's open list shows it without a reload.
    expect(bob_page.locator("#actions-list")).to_contain_text("Write the three-line pitch")
    assert bob_page.evaluate("window.__sameDocument") is True

    bob_page.locator(f"#action-{made.public_id} summary").click()
    bob_page.get_by_label("Reflection (optional)").fill("Shorter than I feared.")
    bob_page.get_by_role("button", name="Done", exact=True).click()
    expect(bob_page.locator("#actions-done")).to_be_visible()

    # Alice's open section moves it to Done, with Bob's reflection.
    expect(alice_page.locator(section)).to_contain_text("Shorter than I feared.")
    assert alice_page.evaluate("window.__sameDocument") is True
    width = alice_page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"client file is {width}px wide at 360px"
    axe_clean(alice_page, section)
