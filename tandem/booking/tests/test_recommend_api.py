"""Recommendations from rows: the service with a fixed clock, and the public API endpoint.

Alice coaches from London, 09:00-17:00 every day, hourly 60-minute sessions with no notice.
Service tests fix `now` to a Monday a few weeks ahead; API tests use the real clock and
only assert what holds whenever they run.
"""

from collections import Counter
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_user
from tandem.accounts.services import api_token_create
from tandem.accounts.tests.test_api import assert_error
from tandem.availability.tests.conftest import add_weekly, book, make_coach, make_type
from tandem.booking.models import Booking
from tandem.booking.recommend import recommend_slots
from tandem.coaches.models import CoachProfile, SessionType
from tandem.core.errors import InvalidInput

LONDON = ZoneInfo("Europe/London")


@pytest.fixture
def coach(alice) -> CoachProfile:
    coach = make_coach(alice, slug="alice")
    for weekday in range(7):
        add_weekly(coach, weekday, "09:00", "17:00")
    return coach


@pytest.fixture
def session_type(coach) -> SessionType:
    return make_type(coach, name="Intro")


@pytest.fixture
def monday() -> datetime:
    """Midnight UTC of a Monday at least three weeks ahead: a fixed clock for the service."""
    day = timezone.now().date() + timedelta(days=21)
    day += timedelta(days=-day.weekday() % 7)
    return datetime.combine(day, time(0), tzinfo=UTC)


def london(moment: datetime, days: int, hour: int) -> datetime:
    """`hour`:00 London time, `days` after `moment`'s date."""
    day = moment.date() + timedelta(days=days)
    return datetime.combine(day, time(hour), tzinfo=LONDON).astimezone(UTC)


def recommend(coach, session_type, client, now, **kwargs):
    values = {
        "tz": "Europe/London",
        "preferred_times": None,
        "preferred_days": None,
        "urgency": None,
    }
    values.update(kwargs)
    return recommend_slots(coach=coach, session_type=session_type, client=client, now=now, **values)


def url(ref: str = "alice", **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/coaches/{ref}/recommendations?{query}"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    return client


def bookings_snapshot() -> list[tuple]:
    return list(Booking.objects.order_by("pk").values_list("pk", "start", "status", "client_id"))


# --- Service -----------------------------------------------------------------------------------


def test_preferences_steer_the_choice(coach, session_type, bob, monday):
    results = recommend(
        coach,
        session_type,
        bob,
        monday,
        preferred_times="afternoon",
        preferred_days="wed,thu",
        urgency="low",
        limit=4,
    )
    assert len(results) == 4
    for item in results:
        local = item.start.astimezone(LONDON)
        assert local.weekday() in (2, 3)
        assert 12 <= local.hour < 17
        assert item.local_start == local
        assert item.end - item.start == timedelta(minutes=60)
        assert [r.code for r in item.reasons][:2] == ["preferred_time", "preferred_day"]
    assert [r.score for r in results] == sorted((r.score for r in results), reverse=True)
    assert max(Counter(r.local_start.date() for r in results).values()) <= 2


def test_high_urgency_takes_the_soonest_days(coach, session_type, bob, monday):
    results = recommend(coach, session_type, bob, monday, urgency="high")
    days = sorted({r.local_start.date() for r in results})
    assert days == [monday.date(), monday.date() + timedelta(days=1), monday.date() + timedelta(2)]
    assert results[0].start == london(monday, 0, 9)


def test_spacing_uses_the_clients_own_sessions_with_this_coach(
    coach, session_type, bob, charlie, monday
):
    # Bob had a session last Friday; Charlie has one on Wednesday (it's the coach's load
    # for everyone, but spacing only for Charlie).
    book(session_type, bob, london(monday, -3, 10), status=Booking.Status.COMPLETED)
    book(session_type, charlie, london(monday, 2, 10))
    for_bob = recommend(coach, session_type, bob, monday, urgency="low", limit=3)
    # a week after Friday is the next Friday (days 3..5 after Monday are 6..8 days after it)
    assert {r.local_start.date() - monday.date() for r in for_bob} <= {
        timedelta(days=d) for d in (3, 4, 5)
    }
    spaced = [r.text for item in for_bob for r in item.reasons if r.code == "spaced"]
    assert spaced and all(text.endswith("after your last session") for text in spaced)
    anonymous = recommend(coach, session_type, None, monday, limit=20)
    assert all("spacing" not in item.components for item in anonymous)
    wednesday = [i for i in anonymous if i.local_start.date() == monday.date() + timedelta(2)]
    assert wednesday and all(i.components["load"] == 0.75 for i in wednesday)


def test_cancelled_bookings_neither_space_nor_load(coach, session_type, bob, monday):
    book(session_type, bob, london(monday, 1, 10), status=Booking.Status.CANCELLED)
    results = recommend(coach, session_type, bob, monday, limit=20)
    assert all("spacing" not in item.components for item in results)
    assert all(item.components["load"] == 1.0 for item in results)


def test_rescheduling_ignores_the_booking_being_moved(coach, session_type, bob, monday):
    moving = book(session_type, bob, london(monday, 0, 9))
    results = recommend(
        coach, session_type, bob, monday, urgency="high", exclude_booking_id=moving.pk
    )
    # Its own time is free again, it does not load the day or space the new time.
    assert results[0].start == london(monday, 0, 9)
    assert results[0].components["load"] == 1.0
    assert "spacing" not in results[0].components
    kept = recommend(coach, session_type, bob, monday, urgency="high")
    assert kept[0].start != london(monday, 0, 9)
    assert kept[0].components["load"] == 0.75


def test_horizon_follows_the_booking_window(coach, bob, monday):
    short = make_type(coach, name="Short window", booking_window_days=2)
    results = recommend(coach, short, bob, monday, urgency="low", limit=20)
    assert results and all(r.start < monday + timedelta(days=2) for r in results)
    assert recommend(coach, short, bob, monday, horizon_days=1, limit=20)[-1].start < (
        monday + timedelta(days=1)
    )


def test_no_hours_no_recommendations(alice, bob, monday):
    bare = make_coach(alice, slug="bare")
    assert recommend(bare, make_type(bare), bob, monday) == []


def test_service_refuses_bad_values(coach, session_type, bob, monday):
    with pytest.raises(InvalidInput) as info:
        recommend(coach, session_type, bob, monday, tz="Nowhere/Land", limit=0)
    assert info.value.fields == {
        "tz": ["unknown_zone"],
        "limit": ["out_of_range"],
    }


# --- API ---------------------------------------------------------------------------------------


def test_anonymous_visitor_gets_slots_in_the_coachs_zone(coach, session_type):
    response = Client().get(url())
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tz"] == "Europe/London"
    assert body["coach"]["slug"] == "alice"
    assert body["session_type"]["id"] == str(session_type.public_id)
    recs = body["recommendations"]
    assert len(recs) == 5
    for rec in recs:
        assert set(rec) == {"start", "end", "local_start", "local_end", "score", "reasons"}
        assert 0 <= rec["score"] <= 100
        start = datetime.fromisoformat(rec["start"])
        assert datetime.fromisoformat(rec["local_start"]) == start
        assert datetime.fromisoformat(rec["local_start"]).utcoffset() == (
            start.astimezone(LONDON).utcoffset()
        )
        assert all(set(reason) == {"code", "text"} for reason in rec["reasons"])
    scores = [rec["score"] for rec in recs]
    assert scores == sorted(scores, reverse=True)
    local_days = Counter(rec["local_start"][:10] for rec in recs)
    assert max(local_days.values()) <= 2


def test_signed_in_viewer_defaults_to_their_zone(coach, session_type, bob, charlie):
    body = signed_in(bob).get(url()).json()
    assert body["tz"] == "America/New_York"
    _, token = api_token_create(user=charlie, name="cli")
    body = Client(HTTP_AUTHORIZATION=f"Bearer {token}").get(url()).json()
    assert body["tz"] == "Asia/Singapore"
    body = signed_in(bob).get(url(tz="Asia/Kolkata", limit="3")).json()
    assert body["tz"] == "Asia/Kolkata"
    assert len(body["recommendations"]) == 3
    assert body["recommendations"][0]["local_start"].endswith("+05:30")


def test_preferences_in_the_query_string(coach, session_type, bob):
    response = signed_in(bob).get(
        url(tz="Europe/London", preferred_times="10:00-12:00", preferred_days="1,sat", limit="6")
    )
    assert response.status_code == 200, response.content
    for rec in response.json()["recommendations"]:
        local = datetime.fromisoformat(rec["local_start"])
        assert local.weekday() in (1, 5)
        assert local.hour in (10, 11)


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"tz": "Mars/Base"}, {"tz": ["unknown_zone"]}),
        ({"tz": "Europe/London%00"}, {"tz": ["nul_character"]}),
        ({"preferred_times": "brunch"}, {"preferred_times": ["invalid"]}),
        ({"preferred_times": "x" * 100_000}, {"preferred_times": ["too_long"]}),
        ({"preferred_days": "mon,someday"}, {"preferred_days": ["invalid"]}),
        ({"preferred_days": "%00"}, {"preferred_days": ["nul_character"]}),
        ({"urgency": "yesterday"}, {"urgency": ["invalid"]}),
        ({"limit": "0"}, {"limit": ["out_of_range"]}),
        ({"limit": "21"}, {"limit": ["out_of_range"]}),
        ({"limit": "lots"}, {"limit": ["invalid"]}),
    ],
)
def test_bad_parameters_answer_400_and_change_nothing(coach, session_type, bob, params, fields):
    book(session_type, bob, london(timezone.now(), 2, 10))
    before = bookings_snapshot()
    error = assert_error(signed_in(bob).get(url(**params)), 400, "invalid")
    assert error["fields"] == fields
    assert bookings_snapshot() == before


def test_unknown_coach_or_session_type_is_404(alice, coach, session_type, charlie):
    unlisted = make_coach(make_user("dan@example.com", name="Dan"), slug="dan", is_verified=False)
    add_weekly(unlisted, 0, "09:00", "17:00")
    other_type = make_type(unlisted)
    inactive = make_type(coach, name="Old", is_active=False)
    stranger = signed_in(charlie)
    for path in (
        url("nobody"),
        url("00000000-0000-0000-0000-000000000000"),
        url("dan"),
        url("a%00b"),
        url("x" * 500),
        url(session_type=str(other_type.public_id)),
        url(session_type=str(inactive.public_id)),
        url(session_type="not-a-uuid"),
        url(session_type="%00"),
    ):
        assert_error(stranger.get(path), 404, "not_found")
        assert_error(Client().get(path), 404, "not_found")
    assert stranger.get(url(str(coach.public_id))).status_code == 200


def _book_many(session_type: SessionType, clients: list, n: int, *, skip: int = 0) -> None:
    """n bookings over the coming weeks, Bob's and others', no two at once."""
    first = london(timezone.now(), 1, 9)
    for i in range(skip, skip + n):
        start = first + timedelta(days=i // 4, hours=2 * (i % 4))
        book(session_type, clients[i % len(clients)], start)


def test_query_count_does_not_grow_with_bookings(
    coach, session_type, bob, charlie, django_assert_num_queries
):
    others = [make_user(f"c{i}@example.com", name=f"Client {i}") for i in range(3)]
    clients = [bob, charlie, *others]
    book(session_type, bob, london(timezone.now(), -10, 10), status=Booking.Status.COMPLETED)
    _book_many(session_type, clients, 1)
    browser = signed_in(bob)
    path = url(preferred_times="morning", urgency="low")
    assert browser.get(path).status_code == 200  # warm-up: session, caches
    with CaptureQueriesContext(connection) as one_booking:
        assert browser.get(path).status_code == 200
    _book_many(session_type, clients, 19, skip=1)
    assert Booking.objects.filter(coach=coach).count() == 21
    with django_assert_num_queries(len(one_booking)):
        response = browser.get(path)
    assert response.status_code == 200
    assert len(response.json()["recommendations"]) == 5
