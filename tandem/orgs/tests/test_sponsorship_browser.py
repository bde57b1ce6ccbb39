"""Bob's programme pages in real Chromium at 360 px: axe clean, no sideways scroll; Bob
chooses a suggested coach, then changes to another from the list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.utils import timezone

from conftest import make_user
from tandem.booking.tests.conftest import make_coach, make_type
from tandem.orgs.models import Participant, Programme
from tandem.orgs.tests.conftest import NOW, seat

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
