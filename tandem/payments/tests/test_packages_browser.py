"""Package pages in real Chromium: Alice offers a package, Bob buys it from her page and sees
the open invoice, Alice marks it paid and Bob sees his sessions; axe-core and a 360 px screen
on every package page."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tandem.payments.checkout import services as checkout
from tandem.payments.models import PackageOffer, PackagePurchase, Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
FAIL_IMPACTS = {"serious", "critical"}


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => await axe.run(document, {resultTypes: ["violations"]})"""
    )
    return [v for v in results["violations"] if v["impact"] in FAIL_IMPACTS]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"])
        for v in violations
    )


def check_page(page: Page, path: str) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 360, path
    violations = axe_violations(page)
    assert not violations, f"axe on {path}:\n{describe(violations)}"


def test_offer_buy_pay_and_see_the_sessions(
    browser_context, live_server, login_as, alice, bob, pk_type
):
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `npm ci`"
    base = live_server.url
    coach_context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    login_as(coach_context, alice)
    page = coach_context.new_page()
    page.goto(f"{base}/coach/packages/")
    check_page(page, "/coach/packages/ (empty)")
    page.get_by_role("link", name="New package").click()
    check_page(page, "/coach/packages/new/")
    page.get_by_label("Name").fill("Five sessions")
    page.get_by_label("Sessions").fill("5")
    page.get_by_label("Price of the package").fill("360")
    page.get_by_label("Valid for (days)").fill("180")
    page.get_by_role("button", name="Create package").click()
    expect(page.get_by_text("Package “Five sessions” is on sale.")).to_be_visible()
    check_page(page, "/coach/packages/")
    offer = PackageOffer.objects.get()

    client_context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    login_as(client_context, bob)
    page = client_context.new_page()
    page.goto(f"{base}/c/alice/")
    section = page.get_by_role("region", name="Packages")
    expect(section).to_contain_text("You save 40.00 EUR")
    section.get_by_role("link", name="Buy Five sessions").click()
    check_page(page, f"/packages/{offer.public_id}/buy/")
    page.get_by_role("button", name="Buy for 360.00 EUR").click()
    expect(page.get_by_text("Invoice open.")).to_be_visible()
    purchase = PackagePurchase.objects.get()
    check_page(page, f"/packages/purchase/{purchase.public_id}/")

    checkout.invoice_mark_paid(payment_id=Payment.objects.get().public_id, user=alice)
    page.goto(f"{base}/packages/")
    expect(page.locator("main")).to_contain_text("5 of 5")
    check_page(page, "/packages/")
