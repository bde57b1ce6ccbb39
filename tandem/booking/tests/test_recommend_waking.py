"""Suggested times respect the client's waking hours: 07:00-22:00 in their zone by default,
or the hours they state (`waking_hours`), or a time of day they ask for themselves. Bob lives
in New York; Alice coaches from Tokyo, whose day is New York's night."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from tandem.availability.tests.conftest import add_weekly, make_coach, make_type
from tandem.booking.recommend import recommend_slots
from tandem.booking.recommend.params import parse_request
from tandem.booking.recommend.scoring import (
    DAY_PARTS,
    DEFAULT_WAKING,
    Candidate,
    Context,
    Preferences,
    TimeWindow,
    score_slots,
)
from tandem.core.errors import InvalidInput

NEW_YORK = ZoneInfo("America/New_York")
# Pure tests: 2027-03-01 is a Monday; New York is on EST (UTC-5) until 2027-03-14.
NOW = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)


def hourly(days: int = 3) -> list[Candidate]:
    """An hour-long slot starting every hour (UTC) for `days` days from NOW + 1 h."""
    starts = [NOW + timedelta(hours=h) for h in range(1, 24 * days)]
    return [Candidate(s, s + timedelta(hours=1)) for s in starts]


def local_hours(prefs: Preferences, limit: int = 20) -> list[tuple[int, int]]:
    """(start hour, end hour) in New York of what is suggested."""
    found = score_slots(hourly(), prefs, Context(coach_tz="Asia/Tokyo"), NOW, limit)
    assert found, "something must be suggested"
    return [(s.local_start.hour, s.local_end.hour) for s in found]


# --- The pure model ------------------------------------------------------------------------------


def test_by_default_only_slots_wholly_between_7_and_22_in_the_clients_zone() -> None:
    hours = local_hours(Preferences(tz="America/New_York"))
    assert all(start >= 7 and 8 <= end <= 22 for start, end in hours), hours
    assert TimeWindow(7 * 60, 22 * 60) == DEFAULT_WAKING


def test_a_session_running_past_22_is_not_suggested() -> None:
    # 21:30-22:30 New York (02:30 UTC): it starts while awake but ends after 22:00.
    start = datetime(2027, 3, 2, 2, 30, tzinfo=UTC)
    late = Candidate(start, start + timedelta(hours=1))
    assert score_slots([late], Preferences(tz="America/New_York"), Context("UTC"), NOW, 5) == []


def test_stated_waking_hours_replace_the_default() -> None:
    early_bird = Preferences(tz="America/New_York", waking=TimeWindow(5 * 60, 12 * 60))
    hours = local_hours(early_bird)
    assert all(start >= 5 and end <= 12 for start, end in hours), hours
    assert any(start < 7 for start, _ in hours)


def test_a_time_of_day_the_client_asks_for_is_offered_even_at_night() -> None:
    night_owl = Preferences(tz="America/New_York", preferred_times=(DAY_PARTS["night"],))
    hours = local_hours(night_owl)
    # Night (21:00-06:00) and waking hours (07:00-22:00) are both allowed; 06:00-07:00 is not.
    assert any(start in (0, 1, 2, 3, 4) for start, _ in hours), hours
    assert all(start != 6 for start, _ in hours)


def test_waking_hours_parameter_is_parsed_and_refused_when_bad() -> None:
    parsed = parse_request(tz=None, default_tz="America/New_York", waking_hours="06:30-23:00")
    assert parsed.prefs.waking == TimeWindow(6 * 60 + 30, 23 * 60)
    assert parse_request(tz=None, default_tz="UTC").prefs.waking == DEFAULT_WAKING
    assert parse_request(tz=None, default_tz="UTC", waking_hours=" ").prefs.waking == (
        DEFAULT_WAKING
    )
    for bad in ("7-22", "25:00-23:00", "07:00-07:00"):
        with pytest.raises(InvalidInput) as refused:
            parse_request(tz=None, default_tz="UTC", waking_hours=bad)
        assert refused.value.fields == {"waking_hours": ["invalid"]}


# --- Bob in New York, Alice in Tokyo -----------------------------------------------------------


@pytest.fixture
def tokyo_coach(alice):
    """Alice in Tokyo, open 09:00-21:00 Tokyo every day: 19:00-07:00 in New York (EST)."""
    coach = make_coach(alice, slug="alice", zone="Asia/Tokyo")
    for weekday in range(7):
        add_weekly(coach, weekday, "09:00", "21:00")
    return coach, make_type(coach, name="Intro")


@pytest.fixture
def monday() -> datetime:
    day = timezone.now().date() + timedelta(days=21)
    day += timedelta(days=-day.weekday() % 7)
    return datetime.combine(day, time(0), tzinfo=UTC)


def assert_awake_in_new_york(starts_ends: list[tuple[datetime, datetime]]) -> None:
    assert starts_ends, "Alice's New York evenings must still be suggested"
    for start, end in starts_ends:
        local_start, local_end = start.astimezone(NEW_YORK), end.astimezone(NEW_YORK)
        assert local_start.date() == local_end.date()
        assert time(7) <= local_start.time() and local_end.time() <= time(22), local_start


@pytest.mark.django_db
def test_the_service_suggests_bob_no_time_outside_7_to_22_new_york(bob, tokyo_coach, monday):
    coach, session_type = tokyo_coach
    found = recommend_slots(
        coach=coach,
        session_type=session_type,
        client=bob,
        tz=None,  # Bob's own zone
        preferred_times=None,
        preferred_days=None,
        urgency="high",  # soonness would otherwise pick Alice's first slot, 19:00-07:00 NY
        now=monday,
        limit=10,
    )
    assert_awake_in_new_york([(s.start, s.end) for s in found])


@pytest.mark.django_db
def test_the_api_suggests_bob_no_time_outside_his_waking_hours(bob, tokyo_coach):
    client = Client()
    client.force_login(bob)
    body = client.get("/api/v1/coaches/alice/recommendations?limit=20").json()
    assert body["tz"] == "America/New_York"
    recs = [
        (datetime.fromisoformat(r["start"]), datetime.fromisoformat(r["end"]))
        for r in body["recommendations"]
    ]
    assert_awake_in_new_york(recs)
    # His stated hours: up until 23:00 lets a later evening session in.
    body = client.get(
        "/api/v1/coaches/alice/recommendations?limit=20&waking_hours=08:00-23:00"
    ).json()
    for rec in body["recommendations"]:
        local = datetime.fromisoformat(rec["local_start"])
        assert 8 <= local.hour <= 22
    refused = client.get("/api/v1/coaches/alice/recommendations?waking_hours=late")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"] == {"waking_hours": ["invalid"]}
