"""The roster and the participant's "what my sponsor sees" page say "Invited <date>" only for
people someone invited (by email or CSV); a person who joined by the email domain rule
(source "domain": its invited_at is only the moment they joined) reads "Joined <date> by
email domain"."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_user
from tandem.orgs.models import Participant

from .conftest import NOW


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


JOINED = datetime(2030, 2, 13, 12, 0, tzinfo=UTC)
INVITED = datetime(2030, 2, 1, 12, 0, tzinfo=UTC)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", html)


@pytest.fixture
def people(programme, bob):
    by_domain = Participant.objects.create(
        programme=programme,
        email=bob.email,
        name=bob.name,
        user=bob,
        status=Participant.Status.ACTIVE,
        source=Participant.Source.DOMAIN,
        invited_at=JOINED,
        accepted_at=JOINED,
    )
    dana = make_user("dana@example.com", name="Dana Doe")
    invited = Participant.objects.create(
        programme=programme,
        email=dana.email,
        name=dana.name,
        user=dana,
        status=Participant.Status.ACTIVE,
        source=Participant.Source.INVITE,
        invited_at=INVITED,
        accepted_at=JOINED,
    )
    return by_domain, invited


def test_roster_says_invited_only_for_invited_people(olivia, programme, people):
    client = Client()
    client.force_login(olivia)
    html = client.get(f"/org/programmes/{programme.public_id}/participants/").content.decode()
    dates = [_text(d) for d in re.findall(r"data-roster-dates>(.*?)</span>", html, re.S)]
    assert sorted(dates) == [
        "Invited 1 Feb 2030 · joined 13 Feb 2030",
        "Joined 13 Feb 2030 by email domain",
    ]


def test_a_domain_joiner_sees_no_invitation_on_what_my_sponsor_sees(programme, bob, people):
    by_domain, _ = people
    client = Client()
    client.force_login(bob)
    html = client.get(f"/programmes/{by_domain.public_id}/what-my-sponsor-sees/")
    block = _text(html.content.decode().split('id="sponsor-sees"')[1].split("</dl>")[0])
    assert "Invited" not in block
    assert "13 Feb 2030 by email domain" in block


def test_an_invited_participant_sees_both_dates(programme, people):
    _, invited = people
    client = Client()
    client.force_login(invited.user)
    html = client.get(f"/programmes/{invited.public_id}/what-my-sponsor-sees/")
    block = _text(html.content.decode().split('id="sponsor-sees"')[1].split("</dl>")[0])
    assert "Invited</dt>" in block and "1 Feb 2030" in block and "13 Feb 2030" in block
    assert "email domain" not in block
