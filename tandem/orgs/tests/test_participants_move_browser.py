"""Olivia moves Bob's seat in a full programme, in real Chromium at 360 px (axe clean, no
sideways scroll): the roster then says the seat is held for the new person."""

from __future__ import annotations

import pytest

from tandem.orgs.models import Participant

from .conftest import make_programme, seat
from .test_programmes_browser import _axe_clean

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_olivia_moves_a_seat_and_the_roster_says_it_is_held(
    olivia, northwind, bob, charlie, browser_context, live_server, login_as
):
    programme = make_programme(northwind, seats=2, created_by=olivia)
    bobs = seat(programme, bob)
    seat(programme, charlie)
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    login_as(context, olivia)
    page = context.new_page()
    response = page.goto(f"{live_server.url}/org/programmes/{programme.public_id}/participants/")
    assert response is not None and response.status == 200
    page.get_by_text("2 of 2 seats taken").wait_for()
    page.get_by_role("link", name=f"Move seat of {bobs.email}").click()
    page.get_by_text("The seat is held for them while their invitation is open").wait_for()
    _axe_clean(page)
    page.get_by_label("Give the seat to (email)").fill("dana@northwind.example")
    page.get_by_label("Their name").fill("Dana Day")
    page.get_by_role("button", name="Move the seat").click()
    page.get_by_text("1 of 2 seats taken and 1 held for an invitation").wait_for()
    page.get_by_text("A seat is held for them until").wait_for()
    _axe_clean(page)
    bobs.refresh_from_db()
    dana = Participant.objects.get(programme=programme, email="dana@northwind.example")
    assert bobs.status == "removed"
    assert (dana.status, dana.seat_reserved) == ("invited", True)
