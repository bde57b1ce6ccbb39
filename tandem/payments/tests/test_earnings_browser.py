"""The earnings page and the payment history page in real Chromium: the chart is drawn from
the json_script data, the same figures are in the table, axe-core finds nothing serious, and
the pages work at 360 px."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tandem.booking.tests.test_pages_browser import axe_violations, describe
from tandem.payments.documents.services import receipt_issue

from .conftest import money_paid, money_refund

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_earnings_page_chart_table_and_axe(
    browser_context, live_server, login_as, alice, bob, money_coach
):
    now = datetime.now(UTC)
    money_paid(money_coach, bob, amount=8000, fee=800, at=now - timedelta(minutes=5))
    money_paid(money_coach, bob, amount=5000, fee=500, at=now - timedelta(days=40))
    context = browser_context(
        bypass_csp=True, timezone_id="Europe/Berlin", viewport={"width": 360, "height": 800}
    )
    login_as(context, alice)
    page = context.new_page()
    page.goto(f"{live_server.url}/coach/earnings/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Earnings")
    canvas = page.locator("canvas#earnings-chart")
    expect(canvas).to_have_attribute("data-ready", "true")  # earnings-chart.js drew it
    assert page.evaluate("() => !!Chart.getChart('earnings-chart')")
    table = page.locator("#earnings-table")
    expect(table).to_contain_text("72.00 EUR")
    expect(table).to_contain_text("45.00 EUR")
    expect(page.locator("[data-totals='EUR'] [data-figure='pending']")).to_have_text("117.00 EUR")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    violations = axe_violations(page)
    assert not violations, describe(violations)

    page.get_by_role("link", name="Weekly").click()
    expect(page.get_by_role("link", name="Weekly")).to_have_attribute("aria-current", "page")
    expect(canvas).to_have_attribute("data-ready", "true")
    expect(page.locator("#earnings-table")).to_contain_text("Week of")


def test_payment_history_page(browser_context, live_server, login_as, bob, money_coach):
    at = datetime.now(UTC) - timedelta(days=1)
    payment = money_paid(money_coach, bob, amount=8000, fee=800, at=at)
    money_refund(payment, amount=3000, fee_back=300, at=at)
    receipt_issue(payment, at)
    context = browser_context(
        bypass_csp=True, timezone_id="America/New_York", viewport={"width": 360, "height": 800}
    )
    login_as(context, bob)
    page = context.new_page()
    page.goto(f"{live_server.url}/payments/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My payments")
    row = page.locator(".payment-row").first
    expect(row).to_contain_text("Session with Alice Adler")
    expect(row).to_contain_text("Refunded 30.00 EUR")
    link = page.get_by_role("link", name="Receipt ALICE-000001")
    expect(link).to_be_visible()
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200 and response.body().startswith(b"%PDF")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    violations = axe_violations(page)
    assert not violations, describe(violations)
