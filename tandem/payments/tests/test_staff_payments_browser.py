"""The staff payment pages in real Chromium at 360 px: find a payment, refund part of it with
a reason by keyboard (part of an open invoice is voided instead), and axe-core finds nothing
serious."""

import pytest
from playwright.sync_api import expect

from tandem.booking import services as booking_services
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.booking.tests.test_pages_browser import axe_violations, describe
from tandem.payments.checkout.services import PayWith, checkout_booking, invoice_mark_paid
from tandem.payments.models import PaymentVoid, Refund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_refund_a_payment(browser_context, live_server, login_as, alice, bob, staff_user):
    coach = make_coach(alice, slug="alice")
    paid = checkout_booking(
        client=bob,
        request=booking_services.BookingRequest(
            coach=coach, session_type=make_type(coach), start=at(4, 10)
        ),
        pay_with=PayWith(),
        idempotency_key=None,
    ).payment
    invoice_mark_paid(payment_id=paid.public_id, user=alice)  # money came in: it can go back
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 800})
    login_as(context, staff_user)
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/payments/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Payments")
    violations = axe_violations(page)
    assert not violations, describe(violations)
    page.get_by_label("Payment id or email").fill("bob@")
    page.get_by_label("Payment id or email").press("Enter")
    page.locator("table a").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("80.00 EUR")
    page.get_by_label("Amount to refund").fill("20.00")
    page.get_by_label("Reason").fill("Started late")
    page.get_by_role("button", name="Refund").press("Enter")
    expect(page.get_by_text("Refunded 20.00 EUR.")).to_be_visible()
    expect(page.get_by_text("Started late")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    violations = axe_violations(page)
    assert not violations, describe(violations)
    assert Refund.objects.get().amount == 2000


def test_staff_giving_back_part_of_an_open_invoice_voids_it(
    browser_context, live_server, login_as, alice, bob, staff_user
):
    coach = make_coach(alice, slug="alice")
    payment = checkout_booking(
        client=bob,
        request=booking_services.BookingRequest(
            coach=coach, session_type=make_type(coach), start=at(4, 11)
        ),
        pay_with=PayWith(),
        idempotency_key=None,
    ).payment
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 800})
    login_as(context, staff_user)
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/payments/{payment.public_id}/")
    page.get_by_label("Amount to refund").fill("20.00")
    page.get_by_label("Reason").fill("Started late")
    page.get_by_role("button", name="Refund").press("Enter")
    expect(page.get_by_text("Voided 20.00 EUR of the open invoice.")).to_be_visible()
    expect(page.get_by_text("Started late")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert not Refund.objects.exists() and PaymentVoid.objects.get().amount == 2000
