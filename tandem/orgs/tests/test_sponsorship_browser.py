"""Bob's programme pages in real Chromium at 360 px: axe clean, no sideways scroll; Bob
chooses a suggested coach, then changes to another from the list; Bob books a covered session
with Alice through the wizard (step 1 says which types are covered; the review step's Payment
box keeps his account credit out of the way while the programme pays)."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import expect

from conftest import make_user
from tandem.booking.models import Booking
from tandem.booking.tests.conftest import make_coach, make_type
from tandem.orgs.models import Participant, Programme, SponsoredSession
from tandem.orgs.tests.conftest import NOW, seat
from tandem.orgs.tests.test_sponsorship_port import fund
from tandem.payments.ledger import accounts
from tandem.payments.models import PaymentSource
from tandem.payments.tests.test_booking_pages_payment import give_credit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
FAIL_IMPACTS = {"serious", "critical"}
PHONE = {"width": 360, "height": 740}


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
    return "\n".join(lines)


def _check(page: Any, url: str | None = None) -> None:
    if url is not None:
        response = page.goto(url)
        assert response is not None and response.status == 200, url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} is {width}px wide at 360px"
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => await axe.run(document, {resultTypes: ["violations"]})"""
    )
    violations = [v for v in results["violations"] if v["impact"] in FAIL_IMPACTS]
    assert not violations, f"axe on {page.url}:\n{_describe(violations)}"


@pytest.fixture
def bob_seat(programme: Programme, bob: Any, coach: Any, session_type: Any) -> Participant:
    for i, name in enumerate(["Dana Diaz", "Evan Evans", "Fay Fox"]):
        user = make_user(f"coach{i}@example.com", name=name, zone="Europe/London")
        make_type(make_coach(user, slug=f"coach{i}", headline=f"{name.split()[0]} coaches teams"))
    Programme.objects.filter(pk=programme.pk).update(survey_enabled=True)
    return seat(programme, bob)


def test_bob_chooses_a_coach(bob, bob_seat, browser_context, live_server, login_as):
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `npm ci`"
    context = browser_context(bypass_csp=True, viewport=PHONE)
    login_as(context, bob)
    page = context.new_page()
    base = f"{live_server.url}/programmes/{bob_seat.public_id}/"
    _check(page, f"{live_server.url}/programmes/")
    _check(page, base)
    assert "Covered by Northwind Traders" in page.inner_text("main")
    page.get_by_role("link", name="Choose your coach").click()
    page.wait_for_url(f"{base}coach/")
    _check(page)
    cards = page.locator("article")
    assert cards.count() == 3
    first = cards.nth(0)
    name = first.locator("h3").inner_text()
    first.get_by_role("button").click()
    page.wait_for_url(base)
    _check(page)
    main = page.inner_text("main")
    assert name in main
    book = page.get_by_role("link", name=f"Book a session with {name}")
    assert book.get_attribute("href").startswith("/book/")

    # Change later, from the whole list, with the keyboard.
    page.get_by_role("link", name="Change coach").click()
    page.wait_for_url(f"{base}coach/")
    select = page.get_by_label("Another coach from your programme")
    labels = select.locator("option").all_inner_texts()
    label = next(t for t in labels if t != "Choose a coach" and not t.startswith(name))
    other = label.split(" — ")[0]
    select.select_option(label=label)
    select.focus()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(base)
    assert f"Book a session with {other}" in page.inner_text("main")
    bob_seat.refresh_from_db()
    assert bob_seat.coach.user.name == other


def test_survey_and_sponsor_view_are_axe_clean(bob, bob_seat, browser_context, live_server,
                                               login_as):  # fmt: skip
    context = browser_context(bypass_csp=True, viewport=PHONE)
    login_as(context, bob)
    page = context.new_page()
    base = f"{live_server.url}/programmes/{bob_seat.public_id}/"
    _check(page, f"{base}survey/start/")
    for question in ("clarity", "confidence", "wellbeing"):
        page.locator(f"input[name={question}][value='4']").check()
    page.get_by_role("button", name="Save my answers").click()
    page.wait_for_url(base)
    _check(page)
    assert "survey/start/" not in page.content()
    _check(page, f"{base}what-my-sponsor-sees/")
    assert "bob@example.com" in page.inner_text("main")


def test_bob_books_a_covered_session_and_his_credit_stays_out_of_the_way(
    bob, programme, coach, session_type, browser_context, live_server, login_as, tmp_path
):
    shots = Path(os.environ.get("TANDEM_SHOTS_DIR") or tmp_path / "shots")
    shots.mkdir(parents=True, exist_ok=True)
    Programme.objects.filter(pk=programme.pk).update(max_session_minutes=60)
    fund(programme, 15_000)
    seat(programme, bob, coach=coach)
    make_type(coach, name="Deep dive", duration_minutes=90, price=Decimal("120.00"))
    give_credit(bob, 2500)
    covered = "Covered by Northwind Traders (Leadership 2030)"
    context = browser_context(bypass_csp=True, viewport=PHONE)
    login_as(context, bob)
    page = context.new_page()

    # Step 1: the covered type says so under its price; the one too long does not.
    _check(page, f"{live_server.url}/book/alice/")
    coaching = page.get_by_role("article", name="Coaching session")
    expect(coaching).to_contain_text("80.00 EUR")
    expect(coaching).to_contain_text(covered)
    deep = page.get_by_role("article", name="Deep dive")
    expect(deep).to_contain_text("120.00 EUR")
    expect(deep).not_to_contain_text("Covered by")
    page.screenshot(path=str(shots / "h6-step1-types-360.png"), full_page=True)

    # Step 2: a time three days on (Bob reads New York time).
    coaching.get_by_role("link", name="Choose Coaching session").click()
    local = (NOW + timedelta(days=3)).astimezone(ZoneInfo("America/New_York"))
    (
        page.locator(f"#day-{local.date().isoformat()}")
        .locator("xpath=..")
        .get_by_role("button", name=re.compile(rf"{local:%H:%M}$"))
        .click()
    )
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and confirm")

    # Step 3: the programme pays; the credit and the gift card are not offered as if used.
    box = page.get_by_role("group", name="Payment")
    sponsor = page.get_by_label(re.compile(f"^{re.escape(covered)}"))
    credit = page.get_by_label("Use my account credit (25.00 EUR)")
    code = page.get_by_label("Gift card code")
    note = box.get_by_text("no gift card or account credit is used")
    expect(sponsor).to_be_checked()
    expect(credit).to_be_hidden()
    expect(code).to_be_hidden()
    expect(note).to_be_visible()
    expect(box).to_contain_text("Nothing left to pay: covered by Northwind Traders")
    _check(page)
    page.screenshot(path=str(shots / "h6-review-sponsored-360.png"), full_page=True)

    # Unticked: they come back, with what they would leave to pay.
    sponsor.uncheck()
    expect(credit).to_be_visible()
    expect(credit).to_be_checked()
    expect(code).to_be_visible()
    expect(note).to_be_hidden()
    expect(box).to_contain_text("Left to pay after 25.00 EUR of account credit: 55.00 EUR")
    expect(box).not_to_contain_text("Nothing left to pay")
    _check(page)
    page.screenshot(path=str(shots / "h6-review-unticked-360.png"), full_page=True)

    # Ticked again and booked: the programme pays, his credit is untouched.
    sponsor.check()
    expect(credit).to_be_hidden()
    expect(box).to_contain_text("Nothing left to pay: covered by Northwind Traders")
    page.get_by_role("button", name="Book session").click()
    page.wait_for_url(re.compile(r"/sessions/"))
    booking = Booking.objects.get(client=bob)
    assert SponsoredSession.objects.filter(booking=booking).count() == 1
    kinds = list(
        PaymentSource.objects.filter(payment__booking=booking).values_list("kind", flat=True)
    )
    assert kinds == [PaymentSource.Kind.SPONSOR]
    assert accounts.client_credit_balance(bob, "EUR") == 2500
