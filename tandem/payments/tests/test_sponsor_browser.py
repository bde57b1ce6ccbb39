"""A sponsored session in real Chromium at 360 px: Bob (a participant of Northwind's
programme; the sponsor port is a fake here) books Alice's 80.00 EUR session, the review step
says "Covered by ..." with nothing to pay, the session page's panel and the cancel page say
who paid and where the money goes back; axe-core on each page."""

from __future__ import annotations

import re
from collections.abc import Iterator
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tandem.booking.models import Booking
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.booking.tests.test_pages_browser import AXE, axe_violations, describe
from tandem.payments.models import Payment
from tandem.payments.sponsors import port as sponsor_port
from tandem.payments.sponsors import services

from .sponsor_fakes import BUDGET, ORG, FakeSponsor

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_YORK = ZoneInfo("America/New_York")
COVERED = "Northwind Traders (Leadership 2026)"


@pytest.fixture
def sponsor(bob) -> Iterator[FakeSponsor]:
    previous = sponsor_port.port()
    fake = FakeSponsor(clients={bob.pk})
    sponsor_port.register(fake)
    try:
        yield fake
    finally:
        sponsor_port.register(previous)


def fits_and_passes_axe(page: Page, where: str) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
    )
    assert max(widths) <= 360, f"{where} scrolls sideways at 360 px: {widths}"
    violations = axe_violations(page)
    assert not violations, f"axe on {where}:\n{describe(violations)}"


def test_a_sponsored_session_from_the_wizard_to_the_cancel_page_at_360px(
    browser_context, live_server, login_as, alice, bob, sponsor
):
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `npm ci`"
    make_type(make_coach(alice, slug="alice", cancel_free_hours=24))
    services.fund(
        budget_owner=BUDGET,
        org_owner=ORG,
        amount=20000,
        currency="EUR",
        method="invoice",
        actor=None,
        now=at(0, 9),
    )
    base = live_server.url
    context = browser_context(
        bypass_csp=True, viewport={"width": 360, "height": 740}, timezone_id="America/New_York"
    )
    login_as(context, bob)
    page = context.new_page()

    page.goto(f"{base}/book/alice/")
    local = at(4, 10).astimezone(NEW_YORK)
    (
        page.locator(f"#day-{local.date().isoformat()}")
        .locator("xpath=..")
        .get_by_role("button", name=re.compile(rf"{local:%H:%M}$"))
        .click()
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and confirm")
    payment_box = page.get_by_role("group", name="Payment")
    expect(payment_box).to_contain_text(f"Nothing left to pay: covered by {COVERED}.")
    expect(page.get_by_label(re.compile(f"Covered by {re.escape(COVERED)}"))).to_be_checked()
    expect(payment_box).not_to_contain_text("by card")
    expect(page.get_by_role("button", name="Continue to payment")).to_have_count(0)
    fits_and_passes_axe(page, "the review step")

    page.get_by_role("button", name="Book session").click()
    booking = Booking.objects.get(client=bob)
    expect(page).to_have_url(f"{base}/sessions/{booking.public_id}/")
    panel = page.get_by_role("region", name="Payment")
    expect(panel).to_contain_text(f"Covered by {COVERED}: 80.00 EUR")
    expect(panel).to_contain_text("nothing for you to pay")
    expect(panel.get_by_role("link", name="Pay by card")).to_have_count(0)
    fits_and_passes_axe(page, "the session page")
    assert Payment.objects.get().sources.get().kind == "sponsor"

    page.goto(f"{base}/sessions/{booking.public_id}/cancel/")
    preview = page.locator("#refund-preview")
    expect(preview).to_contain_text(f"80.00 EUR goes back to the budget of {COVERED}")
    expect(preview).to_contain_text("Nothing is charged to you.")
    fits_and_passes_axe(page, "the cancel page")
