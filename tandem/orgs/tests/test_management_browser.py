"""Organisation management in real Chromium: staff create an organisation and add an admin,
Olivia sets Northwind's reminder schedule (typing her own times picks "Our own lead times"),
and the Organisation menu opens at 1200 px; axe-core finds nothing serious and nothing
scrolls sideways at 360 px."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tandem.notifications.models import ReminderSchedule
from tandem.orgs.models import Membership, Organisation

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def check_page(page: Page) -> None:
    """axe (serious and critical) and no sideways scroll."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, serious
    overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
    assert overflow <= 0, overflow


def open_as(browser_context, login_as, user, width: int = 360) -> Page:
    context = browser_context(bypass_csp=True, viewport={"width": width, "height": 800})
    login_as(context, user)
    return context.new_page()


def test_staff_create_an_organisation_and_add_an_admin(
    browser_context, live_server, login_as, staff_user, olivia, bob
):
    page = open_as(browser_context, login_as, staff_user)
    page.goto(f"{live_server.url}/staff/organisations/")
    check_page(page)
    page.get_by_label("Name", exact=True).fill("Initech")
    page.get_by_label("Short name").fill("initech")
    page.get_by_label("First admin's email").fill("olivia@example.com")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("heading", name="Initech")).to_be_visible()
    check_page(page)
    page.get_by_label("Email of the new admin").fill("bob@example.com")
    page.get_by_role("button", name="Add admin").click()
    expect(page.get_by_text("Admin added.")).to_be_visible()
    org = Organisation.objects.get(slug="initech")
    assert set(
        Membership.objects.filter(organisation=org).values_list("user__email", flat=True)
    ) == {
        "olivia@example.com",
        "bob@example.com",
    }
    check_page(page)
    # A short name already taken: the field says so and the form keeps the input.
    page.goto(f"{live_server.url}/staff/organisations/")
    page.get_by_label("Name", exact=True).fill("Again")
    page.get_by_label("Short name").fill("initech")
    page.get_by_label("First admin's email").fill("olivia@example.com")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_text("Another organisation already has this short name.")).to_be_visible()
    expect(page.get_by_label("Name", exact=True)).to_have_value("Again")
    check_page(page)


def test_olivia_sets_her_members_reminders(
    browser_context, live_server, login_as, northwind, olivia
):
    page = open_as(browser_context, login_as, olivia)
    page.goto(f"{live_server.url}/org/{northwind.public_id}/reminders/")
    check_page(page)
    page.get_by_label("Members' own lead times").fill("2 days, 90 min")
    expect(page.get_by_label("Our own lead times")).to_be_checked()
    page.get_by_role("button", name="Save reminder times").click()
    expect(page.get_by_text("Reminder times saved.")).to_be_visible()
    assert ReminderSchedule.objects.get(organisation=northwind).client_offsets == [2880, 90]
    expect(page.get_by_text("2 days and 1 h 30 min before")).to_be_visible()
    check_page(page)


def test_the_organisation_menu_at_1200(browser_context, live_server, login_as, northwind, olivia):
    page = open_as(browser_context, login_as, olivia, width=1200)
    page.goto(f"{live_server.url}/dashboard/")
    toggle = page.locator("#nav-org")
    expect(toggle).to_have_accessible_name("Organisation")
    toggle.click()
    menu = page.locator('.dropdown-menu[aria-labelledby="nav-org"]')
    menu.get_by_role("link", name="Reminder schedule").click()
    expect(page).to_have_url(f"{live_server.url}/org/{northwind.public_id}/reminders/")
    assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 0
