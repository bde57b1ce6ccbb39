"""Bob's "Choose your coach" page: "Another coach from your programme" never offers Alice,
his current coach; with nobody else left the page says so plainly instead of a list whose
only entry is the coach he has."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_user
from tandem.booking.tests.conftest import make_coach, make_type
from tandem.orgs.models import Participant

from .conftest import NOW, seat


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def options(html: str) -> list[str]:
    select = re.search(r'<select name="coach"[^>]*>(.*?)</select>', html, re.S)
    return [] if select is None else re.findall(r'<option value="([^"]+)"', select.group(1))


def page(user: Any, participant: Participant) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/programmes/{participant.public_id}/coach/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_only_coach_is_not_offered_as_another(bob, programme, coach, session_type):
    bobs = seat(programme, bob, coach=coach)
    html = page(bob, bobs)
    assert options(html) == []
    assert "Another coach from your programme" not in html
    said = re.sub(r"\s+", " ", re.search(r'id="no-other-coach">(.*?)</p>', html, re.S).group(1))
    assert "No other coach in your programme" in said and "Alice Adler stays your coach" in said
    assert "No coach available yet" not in html


def test_another_coach_lists_everyone_but_the_current_one(bob, programme, coach, session_type):
    dana = make_coach(make_user("dana@example.com", name="Dana Diaz"), slug="dana")
    make_type(dana)
    bobs = seat(programme, bob, coach=coach)
    html = page(bob, bobs)
    assert options(html) == [str(dana.public_id)]
    assert "Another coach from your programme" in html
    assert 'id="no-other-coach"' not in html


def test_without_a_coach_everyone_is_offered(bob, programme, coach, session_type):
    bobs = seat(programme, bob)
    assert options(page(bob, bobs)) == [str(coach.public_id)]
