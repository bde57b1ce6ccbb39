"""Olivia, a new admin, creates a programme, adds funds and invites someone, in real Chromium
at 360 px: no sideways scroll, axe clean on every page."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from tandem.orgs.models import Participant, Programme
from tandem.payments.sponsors.selectors import budget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def _axe_clean(page) -> None:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in results["violations"] if v["impact"] in {"serious", "critical"}]
    detail = [(v["id"], [n["html"][:120] for n in v["nodes"][:3]]) for v in results["violations"]]
    assert not serious, detail
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_olivia_creates_a_programme_funds_it_and_invites(
    olivia, northwind, browser_context, live_server, login_as
):
    today = timezone.localdate()  # the live server runs at the real time
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    login_as(context, olivia)
    page = context.new_page()
    response = page.goto(f"{live_server.url}/org/")
    assert response is not None and response.status == 200
    page.get_by_text("No programmes yet").wait_for()
    _axe_clean(page)

    page.get_by_role("link", name="New programme").click()
    page.get_by_role("heading", name="New programme").wait_for()
    _axe_clean(page)
    page.get_by_label("Name").fill("Managers")
    page.get_by_label("Starts on").fill(today.isoformat())
    page.get_by_label("Ends on").fill((today + timedelta(days=180)).isoformat())
    page.get_by_label("Seats").fill("12")
    page.get_by_label("Sessions per participant").fill("6")
    page.get_by_label("Join domain (optional)").fill("northwind.example")
    page.get_by_role("button", name="Create programme").click()

    page.get_by_role("heading", name="Add funds").wait_for()
    programme = Programme.objects.get()
    assert programme.name == "Managers" and programme.join_domain == "northwind.example"
    _axe_clean(page)
    page.get_by_label("Amount").fill("2400")
    page.get_by_role("button", name="Add funds").click()
    page.get_by_text("2,400.00 EUR added to the budget.").wait_for()
    assert budget(programme.budget_owner, "EUR").balance == 240_000
    _axe_clean(page)

    page.get_by_role("link", name="Participants").click()
    page.get_by_text("No one in this programme yet").wait_for()
    _axe_clean(page)
    page.get_by_label("Email").fill("pat@northwind.example")
    page.get_by_label("Name").fill("Pat Park")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Invitation sent to pat@northwind.example").wait_for()
    assert Participant.objects.get().status == "invited"
    _axe_clean(page)

    page.get_by_role("link", name="Settings").click()
    page.get_by_role("button", name="Save settings").wait_for()
    _axe_clean(page)
