"""The booking wizard in real Chromium at 360 px: Bob books Alice's 80.00 EUR session, sees
the payment step (invoice with the manual provider), lands on the session page with its
payment panel; Alice marks the invoice paid; axe-core on each page."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from tandem.booking.models import Booking
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.booking.tests.test_pages_browser import AXE, axe_violations, describe
from tandem.payments.models import Invoice, Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_YORK = ZoneInfo("America/New_York")


def fits_and_passes_axe(page: Page, where: str) -> None:
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
    )
    assert max(widths) <= 360, f"{where} scrolls sideways at 360 px: {widths}"
    violations = axe_violations(page)
    assert not violations, f"axe on {where}:\n{describe(violations)}"


def test_wizard_to_a_session_paid_by_invoice_at_360px(
    browser_context, live_server, login_as, alice, bob
):
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `npm ci`"
    make_type(make_coach(alice, slug="alice"))
    base = live_server.url
    # bypass_csp lets the test inject axe-core; the pages themselves load no inline script.
    context = browser_context(
        bypass_csp=True, viewport={"width": 360, "height": 740}, timezone_id="America/New_York"
    )
    login_as(context, bob)
    page = context.new_page()

    page.goto(f"{base}/book/alice/")
    start = at(3, 10)
    local = start.astimezone(NEW_YORK)
    slot = (
        page.locator(f"#day-{local.date().isoformat()}")
        .locator("xpath=..")
        .get_by_role("button", name=re.compile(rf"{local:%H:%M}$"))
    )
    slot.click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review and confirm")
    payment_box = page.get_by_role("group", name="Payment")
    expect(payment_box).to_contain_text("Price: 80.00 EUR")
    expect(payment_box).to_contain_text("You’ll receive an invoice; pay Alice Adler as agreed.")
    expect(page.get_by_label("Gift card code")).to_be_visible()
    fits_and_passes_axe(page, "the review step")

    # A mistyped gift card code: an error by the field, the input kept.
    page.get_by_label("Notes for Alice Adler").fill("New team")
    page.get_by_label("Gift card code").fill("ABCD-EFGH-JKMN-PQRS-T")
    page.get_by_role("button", name="Book session").click()
    expect(page.locator("#id_gift_card_code_error")).to_contain_text("not a valid gift card code")
    expect(page.get_by_label("Gift card code")).to_have_value("ABCD-EFGH-JKMN-PQRS-T")
    expect(page.get_by_label("Notes for Alice Adler")).to_have_value("New team")
    fits_and_passes_axe(page, "the review step with an error")
    assert not Booking.objects.exists()

    page.get_by_label("Gift card code").fill("")
    page.get_by_role("button", name="Book session").click()
    booking = Booking.objects.get(client=bob)
    expect(page).to_have_url(f"{base}/sessions/{booking.public_id}/")
    expect(page.locator(".messages")).to_contain_text("You’ll receive an invoice")
    panel = page.get_by_role("region", name="Payment")
    expect(panel).to_contain_text("80.00 EUR")
    expect(panel).to_contain_text("Invoice open")
    expect(panel.get_by_role("link", name=re.compile(r"Invoice ALICE-\d+ \(PDF\)"))).to_be_visible()
    fits_and_passes_axe(page, "the session page")
    payment = Payment.objects.get(booking=booking)
    assert payment.status == Payment.Status.AWAITING_INVOICE

    # The cancel page says what cancelling does: the unpaid invoice is voided, not refunded.
    page.goto(f"{base}/sessions/{booking.public_id}/cancel/")
    expect(page.locator("#refund-preview")).to_contain_text(
        "You haven’t paid the invoice yet, so none of it is refunded: 80.00 EUR of it is voided"
    )
    fits_and_passes_axe(page, "the cancel page")

    # Alice marks the invoice paid from the session page.
    coach_context = browser_context(
        bypass_csp=True, viewport={"width": 360, "height": 740}, timezone_id="Europe/Berlin"
    )
    login_as(coach_context, alice)
    coach_page = coach_context.new_page()
    coach_page.goto(f"{base}/sessions/{booking.public_id}/")
    fits_and_passes_axe(coach_page, "the coach's session page")
    coach_page.get_by_role("button", name="Mark invoice paid").click()
    # A confirmation step first: nothing is recorded yet.
    expect(coach_page.get_by_role("heading", level=1)).to_have_text("Mark the invoice paid?")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.AWAITING_INVOICE
    fits_and_passes_axe(coach_page, "the mark-paid confirmation")
    coach_page.get_by_role("button", name="Yes, mark the invoice paid").click()
    expect(coach_page.locator(".messages")).to_contain_text("Invoice marked paid.")
    expect(coach_page.get_by_role("region", name="Payment")).to_contain_text("Paid")
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert Invoice.objects.get(payment=payment).status == Invoice.Status.PAID
