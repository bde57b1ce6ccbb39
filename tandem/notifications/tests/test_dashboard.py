"""The dashboard's next session with its countdown, for the coach and for the client: the
next *confirmed* session, its time in the viewer's zone as text, the words the script
keeps ticking."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client

from tandem.booking.tests.conftest import at, book_session, make_type
from tandem.core.countdown import countdown_text, span

pytestmark = pytest.mark.django_db
T0 = datetime(2030, 1, 1, 12, tzinfo=UTC)


@pytest.fixture
def intro(coach):
    """A session type Alice confirms by hand: its bookings start as pending requests."""
    return make_type(coach, name="Intro call", duration_minutes=30, requires_confirmation=True)


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (0, "0 s"),
        (42, "42 s"),
        (65, "1 min 05 s"),
        (599, "9 min 59 s"),
        (600, "10 min"),
        (3599, "59 min"),
        (3600, "1 h"),
        (5000, "1 h 23 min"),
        (86400, "1 day"),
        (2 * 86400 + 3 * 3600 + 59, "2 days 3 h"),
    ],
)
def test_span_words(seconds, words):
    assert span(seconds) == words


def test_countdown_before_during_and_after():
    end = T0 + timedelta(hours=1)
    assert countdown_text(T0, end, T0 - timedelta(minutes=83)) == "starts in 1 h 23 min"
    assert countdown_text(T0, end, T0 + timedelta(minutes=20)) == "under way, ends in 40 min"
    assert countdown_text(T0, end, end) == "has ended"


def next_session(html: str) -> str:
    found = re.search(r'<section class="next-session.*?</section>', html, re.S)
    assert found, "no next session on the page"
    return found.group(0)


def test_the_coach_and_the_client_see_the_next_confirmed_session(
    coach, session_type, intro, alice, bob
):
    book_session(bob, coach, intro, at(1, 9))  # a request: not confirmed, not next
    confirmed = book_session(bob, coach, session_type, at(2, 10))
    for user, zone, shown, who in (
        (alice, "Europe/Berlin", "10:00", "client Bob Brown"),
        (bob, "America/New_York", at(2, 10).astimezone(bob_zone()).strftime("%H:%M"), "with Alice"),
    ):
        section = next_session(signed_in(user).get("/dashboard/").content.decode())
        assert f'href="/sessions/{confirmed.public_id}/"' in section
        assert f"({zone})" in section and shown in section and who in section
        attrs = dict(re.findall(r'data-countdown-(\w+)="([^"]+)"', section))
        assert datetime.fromisoformat(attrs["start"]) == confirmed.start
        assert datetime.fromisoformat(attrs["end"]) == confirmed.end
        assert "." not in attrs["now"]  # whole seconds, for Date.parse
        # Between one and two days and some hours ahead, depending on the time of day.
        shown_at = datetime.fromisoformat(attrs["now"])
        expected = countdown_text(confirmed.start, confirmed.end, shown_at)
        assert 'role="timer"' in section and expected in section
        assert re.fullmatch(r"starts in [12] days?( \d+ h)?", expected)
    assert "/static/tandem/countdown.js" in signed_in(bob).get("/dashboard/").content.decode()
    # The live card's fragment carries it too (refreshed when a booking changes).
    assert "next-session" in signed_in(alice).get("/dashboard/sessions/").content.decode()


def bob_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/New_York")


def test_without_a_confirmed_session_there_is_no_countdown(coach, intro, bob):
    book_session(bob, coach, intro, at(1, 9))
    html = signed_in(bob).get("/dashboard/").content.decode()
    assert "next-session" not in html and "Next sessions" in html
