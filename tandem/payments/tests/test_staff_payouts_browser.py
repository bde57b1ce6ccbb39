"""The staff payouts page at 360 px: the coach's email stays on one line, whole when it fits,
else cut with "…" and whole in its title (it was broken mid-word: "alice@tandem.loc / al",
the name, the email and the cell's label being three items of one flex row)."""

from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect

from tandem.payments.payouts.services import payout_create_for

from .conftest import money_paid

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

EMAIL_BOX = "td[data-label='Coach'] [title]"
SHAPE = """el => ({
    lines: Math.round(
        el.getBoundingClientRect().height / parseFloat(getComputedStyle(el).lineHeight)
    ),
    cut: el.scrollWidth > el.clientWidth,
    title: el.title,
})"""


def test_the_coach_email_stays_on_one_line_at_360px(
    browser_context, live_server, login_as, alice, bob, staff_user, money_coach
):
    now = datetime.now(UTC)
    money_paid(money_coach, bob, amount=8000, fee=800, at=now - timedelta(days=3))
    payout_create_for(money_coach, period_end=(now - timedelta(days=1)).date(), now=now)
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 800})
    login_as(context, staff_user)
    page = context.new_page()
    page.goto(f"{live_server.url}/staff/payouts/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Payouts")
    email = page.locator(EMAIL_BOX)
    expect(email).to_have_text(alice.email)
    assert email.evaluate(SHAPE) == {"lines": 1, "cut": False, "title": alice.email}
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    long_email = "alice.adler.leadership.coaching@tandem-coaching-practice.example.com"
    type(alice).objects.filter(pk=alice.pk).update(email=long_email)
    page.reload()
    assert email.evaluate(SHAPE) == {"lines": 1, "cut": True, "title": long_email}
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
