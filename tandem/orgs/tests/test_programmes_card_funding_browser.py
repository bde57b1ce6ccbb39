"""Olivia pays a programme's budget by card, in real Chromium at 360 px (Stripe through the
real library against the local stand-in; Stripe.js itself cannot load here, so the card is
confirmed at the stand-in, as the bank would): the budget page offers Card, the card page is
axe clean, and the return page shows the budget funded once."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tandem.payments.models import Payment, SponsorFunding
from tandem.payments.sponsors.selectors import budget
from tandem.payments.tests.conftest import stripe_standin  # noqa: F401 (a fixture)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _axe_clean(page) -> None:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in results["violations"] if v["impact"] in {"serious", "critical"}]
    detail = [(v["id"], [n["html"][:120] for n in v["nodes"][:3]]) for v in results["violations"]]
    assert not serious, detail
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_olivia_funds_the_budget_by_card(
    olivia,
    programme,
    stripe_standin,  # noqa: F811
    browser_context,
    live_server,
    login_as,
):
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    context.route("https://js.stripe.com/**", lambda route: route.abort())
    login_as(context, olivia)
    page = context.new_page()
    page.goto(f"{live_server.url}/org/programmes/{programme.public_id}/budget/")
    page.get_by_label("Amount").fill("750")
    page.get_by_label("Card", exact=False).check()
    page.get_by_role("button", name="Add funds").click()
    page.get_by_role("heading", name="Card details").wait_for()
    _axe_clean(page)
    payment = Payment.objects.get()
    assert payment.provider_ref.startswith("pi_")
    assert budget(programme.budget_owner, "EUR").funded == 0

    stripe_standin.confirm(payment.provider_ref, succeed=True)
    page.goto(f"{page.url}?redirect_status=succeeded")
    page.get_by_text("is in the programme's budget").wait_for()
    _axe_clean(page)
    assert SponsorFunding.objects.get().status == SponsorFunding.Status.PAID
    assert budget(programme.budget_owner, "EUR").funded == 75_000
    page.get_by_role("link", name="Back to the budget").click()
    page.get_by_text("750.00").first.wait_for()
    _axe_clean(page)
