"""The availability API: public slots, a coach's own rules, and the preview.

Every refused request answers {"error": {"code", "message", "fields"}} and changes nothing.
Dates are months ahead (the DST test picks next year's last Sunday of March), so the real
clock only has to be "now".
"""

import json
import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from tandem.accounts import services as accounts
from tandem.accounts.models import User
from tandem.accounts.tests.test_api import assert_error
from tandem.availability.models import DateOverride, TimeOff, WeeklyInterval
from tandem.coaches.models import CoachProfile, SessionType

from .conftest import add_override, add_weekly, book, make_coach, make_type

BIG = "x" * 100_000


def api_client(user: User) -> Client:
    _, raw = accounts.api_token_create(user=user, name="cli")
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")


@pytest.fixture
def alice_api(alice, coach) -> Client:
    return api_client(alice)


def snapshot(coach: CoachProfile) -> dict:
    """Everything about a coach's availability that a request could change."""
    fresh = CoachProfile.objects.get(pk=coach.pk)
    return {
        "weekly": sorted(
            WeeklyInterval.objects.filter(coach=coach).values_list(
                "weekday", "start_minute", "end_minute"
            )
        ),
        "overrides": sorted(
            DateOverride.objects.filter(coach=coach).values_list(
                "date", "intervals__start_minute", "intervals__end_minute"
            ),
            key=str,
        ),
        "time_off": sorted(
            TimeOff.objects.filter(coach=coach).values_list("start", "end", "reason")
        ),
        "caps": (fresh.daily_cap, fresh.weekly_cap),
    }


def next_uk_spring_forward() -> date:
    """The next last-Sunday-of-March with its Saturday still ahead (2027-03-28 as of writing)."""
    today = timezone.now().date()
    year = today.year
    while True:
        day = date(year, 3, 31)
        day -= timedelta(days=(day.weekday() - 6) % 7)
        if day >= today + timedelta(days=2):
            return day
        year += 1


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def london(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo("Europe/London"))


def next_monday() -> date:
    """A Monday at least two days ahead."""
    day = timezone.now().date() + timedelta(days=2)
    return day + timedelta(days=-day.weekday() % 7)


def slots_url(coach_ref: str, **params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/api/v1/coaches/{coach_ref}/slots?{query}"


def starts(body: dict) -> list[datetime]:
    return [datetime.fromisoformat(slot["start"]) for slot in body["slots"]]


# --- Public slots -----------------------------------------------------------------------------


def test_slots_across_the_uk_spring_forward_shown_in_new_york(coach, session_type):
    # given a London coach: Saturday and Sunday 09-11, Monday 09-10, and on the Sunday the
    # clocks go forward (01:00 GMT -> 02:00 BST) an override 00:00-03:00 instead
    sunday = next_uk_spring_forward()
    saturday, monday = sunday - timedelta(days=1), sunday + timedelta(days=1)
    add_weekly(coach, 5, "09:00", "11:00")
    add_weekly(coach, 6, "09:00", "11:00")
    add_weekly(coach, 0, "09:00", "10:00")
    add_override(coach, sunday, ("00:00", "03:00"))
    # (the date can be up to a year and a few days away: keep it inside the booking window)
    SessionType.objects.filter(pk=session_type.pk).update(booking_window_days=400)
    # when a visitor asks for the weekend in New York time (EDT since early March)
    response = Client().get(
        slots_url(
            "alice",
            session_type=str(session_type.public_id),
            start=f"{saturday}T00:00:00Z",
            end=f"{monday}T12:00:00Z",
            tz="America/New_York",
        )
    )
    # then
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tz"] == "America/New_York"
    assert body["coach"] == {
        "id": str(coach.public_id),
        "slug": "alice",
        "name": "Alice Adler",
        "timezone": "Europe/London",
    }
    assert body["session_type"] == {
        "id": str(session_type.public_id),
        "name": "Intro",
        "duration_minutes": 60,
    }
    # Saturday on GMT; Sunday 00:00 GMT, then 01:00 local does not exist and 02:00 BST is
    # 01:00 UTC; Monday 09:00 BST is 08:00 UTC.
    assert starts(body) == [
        at(saturday, 9),
        at(saturday, 10),
        at(sunday, 0),
        at(sunday, 1),
        at(monday, 8),
    ]
    assert [(s["local_start"][:16], s["local_start"][-6:]) for s in body["slots"]] == [
        (f"{saturday}T05:00", "-04:00"),
        (f"{saturday}T06:00", "-04:00"),
        (f"{saturday}T20:00", "-04:00"),
        (f"{saturday}T21:00", "-04:00"),
        (f"{monday}T04:00", "-04:00"),
    ]
    for slot in body["slots"]:
        start, end = datetime.fromisoformat(slot["start"]), datetime.fromisoformat(slot["end"])
        assert start.utcoffset() == end.utcoffset() == timedelta(0)
        assert end - start == timedelta(minutes=60)
        assert datetime.fromisoformat(slot["local_end"]) == end
    assert datetime.fromisoformat(body["start"]) == at(saturday, 0)
    assert datetime.fromisoformat(body["end"]) == at(monday, 12)


def test_slots_by_public_id_default_to_a_week_in_the_coachs_zone(coach, session_type):
    for day in range(7):
        add_weekly(coach, day, "09:00", "10:00")
    response = Client().get(slots_url(str(coach.public_id)))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["tz"] == "Europe/London"
    assert body["session_type"]["id"] == str(session_type.public_id)
    start = datetime.fromisoformat(body["start"])
    assert abs(start - timezone.now()) < timedelta(minutes=1)
    assert datetime.fromisoformat(body["end"]) - start == timedelta(days=7)
    assert len(body["slots"]) in (6, 7, 8)  # one a day, give or take the ends
    assert all(start <= s <= start + timedelta(days=7) for s in starts(body))


def test_signed_in_viewers_see_their_own_zone(coach, session_type, bob):
    add_weekly(coach, 0, "09:00", "10:00")
    assert api_client(bob).get(slots_url("alice")).json()["tz"] == "America/New_York"
    browser = Client()
    browser.force_login(bob)
    assert browser.get(slots_url("alice")).json()["tz"] == "America/New_York"
    assert Client().get(slots_url("alice", tz="Asia/Tokyo")).json()["tz"] == "Asia/Tokyo"


def test_slots_skip_booked_time(coach, session_type, bob):
    monday = next_monday()
    add_weekly(coach, 0, "09:00", "12:00")
    book(session_type, bob, london(monday, 10))
    body = (
        Client()
        .get(slots_url("alice", start=str(monday), end=str(monday + timedelta(days=1))))
        .json()
    )
    assert starts(body) == [london(monday, 9), london(monday, 11)]


@pytest.mark.parametrize(
    "change",
    [
        {"is_verified": False},
        {"is_active": False},
    ],
)
def test_slots_of_an_unlisted_coach_are_not_found(coach, session_type, change):
    CoachProfile.objects.filter(pk=coach.pk).update(**change)
    assert_error(Client().get(slots_url("alice")), 404, "not_found")
    assert_error(Client().get(slots_url(str(coach.public_id))), 404, "not_found")


@pytest.mark.parametrize("ref", ["nobody", str(uuid.uuid4()), "x" * 300])
def test_slots_of_an_unknown_coach_are_not_found(coach, session_type, ref):
    assert_error(Client().get(slots_url(ref)), 404, "not_found")


def test_slots_of_a_deactivated_account_are_not_found(alice, coach, session_type):
    User.objects.filter(pk=alice.pk).update(is_active=False)
    assert_error(Client().get(slots_url("alice")), 404, "not_found")


def test_an_inactive_or_someone_elses_session_type_is_not_found(coach, session_type, charlie):
    inactive = make_type(coach, is_active=False)
    other = make_type(make_coach(charlie, slug="charlie"))
    for ref in (inactive.public_id, other.public_id, uuid.uuid4(), "not-a-uuid"):
        response = Client().get(slots_url("alice", session_type=str(ref)))
        assert_error(response, 404, "not_found")


def test_a_coach_without_an_active_type_has_no_slots_page(coach):
    assert_error(Client().get(slots_url("alice")), 404, "not_found")


@pytest.mark.parametrize(
    ("params", "fields"),
    [
        ({"tz": "Mars/Olympus_Mons"}, {"tz": ["unknown_zone"]}),
        ({"tz": BIG}, {"tz": ["unknown_zone"]}),
        ({"tz": "UTC%00"}, {"tz": ["nul_character"]}),
        ({"start": "2030-01-02", "end": "2030-01-01"}, {"end": ["end_before_start"]}),
        ({"start": "2030-01-01", "end": "2030-01-01"}, {"end": ["end_before_start"]}),
        ({"start": "2030-01-01", "end": "2030-04-03T00:01:00Z"}, {"end": ["window_too_long"]}),
        ({"start": "2030-01-01T09:00:00"}, {"start": ["naive_datetime"]}),
        ({"start": "tomorrow"}, {"start": ["invalid"]}),
        ({"end": BIG}, {"end": ["invalid"]}),
        ({"start": "2030-13-01"}, {"start": ["invalid"]}),
    ],
)
def test_bad_slot_parameters_answer_400_with_field_codes(coach, session_type, params, fields):
    error = assert_error(Client().get(slots_url("alice", **params)), 400, "invalid_availability")
    assert error["fields"] == fields


def test_a_start_in_the_past_is_allowed_but_slots_are_not(coach, session_type):
    for day in range(7):
        add_weekly(coach, day, "00:00", "24:00")
    now = timezone.now()
    start = (now - timedelta(days=2)).strftime("%Y-%m-%dT%H:%MZ")
    end = (now + timedelta(days=2)).date().isoformat()
    response = Client().get(slots_url("alice", start=start, end=end))
    assert response.status_code == 200, response.content
    assert all(s >= now for s in starts(response.json()))
    assert starts(response.json())


# --- A coach's own rules ----------------------------------------------------------------------

RULES = {
    "weekly": [
        {"weekday": 0, "start": "09:00", "end": "12:00"},
        {"weekday": 0, "start": "12:00", "end": "17:30"},
        {"weekday": 6, "start": "22:00", "end": "24:00"},
    ],
    "overrides": [
        {"date": "2030-12-25", "intervals": []},
        {"date": "2030-12-24", "intervals": [{"start": "10:00", "end": "12:00"}]},
    ],
    "time_off": [
        {
            "start": "2030-08-01T00:00:00+02:00",
            "end": "2030-08-15T00:00:00+02:00",
            "reason": "Summer",
        }
    ],
    "daily_cap": 4,
    "weekly_cap": None,
}


def put(client: Client, body: object, path: str = "/api/v1/me/availability"):
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.put(path, raw, content_type="application/json")


def test_alice_replaces_and_reads_her_rules(alice_api, coach):
    # given an existing rule that the PUT does not mention
    add_weekly(coach, 3, "08:00", "09:00")
    # when
    response = put(alice_api, RULES)
    # then
    assert response.status_code == 200, response.content
    expected = {
        "timezone": "Europe/London",
        "weekly": RULES["weekly"],
        "overrides": [RULES["overrides"][1], RULES["overrides"][0]],
        "time_off": [
            {"start": "2030-07-31T22:00:00Z", "end": "2030-08-14T22:00:00Z", "reason": "Summer"}
        ],
        "daily_cap": 4,
        "weekly_cap": None,
    }
    assert response.json() == expected
    assert alice_api.get("/api/v1/me/availability").json() == expected
    assert snapshot(coach)["weekly"] == [(0, 540, 720), (0, 720, 1050), (6, 1320, 1440)]


def test_a_coach_with_no_rules_reads_empty_lists(alice_api, coach):
    assert alice_api.get("/api/v1/me/availability").json() == {
        "timezone": "Europe/London",
        "weekly": [],
        "overrides": [],
        "time_off": [],
        "daily_cap": None,
        "weekly_cap": None,
    }


def _with(**changes: object) -> dict:
    return {**RULES, **changes}


def _weekly(*items: tuple[int, str, str]) -> list[dict]:
    return [{"weekday": d, "start": s, "end": e} for d, s, e in items]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (
            _with(weekly=_weekly((1, "09:00", "12:00"), (1, "11:00", "13:00"))),
            {"weekly.1": ["overlaps"]},
        ),
        (_with(weekly=_weekly((1, "12:00", "09:00"))), {"weekly.0.end": ["end_before_start"]}),
        (_with(weekly=_weekly((7, "09:00", "10:00"))), {"weekly.0.weekday": ["out_of_range"]}),
        (_with(weekly=_weekly((1, "09:00", "25:00"))), {"weekly.0.end": ["invalid_time"]}),
        (_with(weekly=_weekly((1, "9:00", "10:00"))), {"weekly.0.start": ["invalid_time"]}),
        (_with(weekly=_weekly((1, "09:00:30", "10:00"))), {"weekly.0.start": ["invalid_time"]}),
        (_with(weekly=_weekly((1, "24:00", "24:00"))), {"weekly.0.start": ["out_of_range"]}),
        (_with(weekly=_weekly((1, BIG, "10:00"))), {"weekly.0.start": ["invalid_time"]}),
        (
            _with(weekly=[{"weekday": "monday", "start": "09:00", "end": "10:00"}]),
            {"weekly.0.weekday": ["wrong_type"]},
        ),
        (
            _with(weekly=[{"weekday": 1, "start": 540, "end": "10:00"}]),
            {"weekly.0.start": ["invalid_time"]},
        ),
        (_with(weekly="every day"), {"weekly": ["wrong_type"]}),
        (_with(weekly=[[1, "09:00", "10:00"]]), {"weekly.0": ["wrong_type"]}),
        (_with(daily_cap=-1), {"daily_cap": ["negative"]}),
        (_with(weekly_cap=-3), {"weekly_cap": ["negative"]}),
        (_with(daily_cap="3"), {"daily_cap": ["wrong_type"]}),
        (_with(daily_cap=True), {"daily_cap": ["wrong_type"]}),
        (
            _with(overrides=[{"date": "2030-01-01", "intervals": []}] * 2),
            {"overrides.1.date": ["duplicate_date"]},
        ),
        (
            _with(overrides=[{"date": "someday", "intervals": []}]),
            {"overrides.0.date": ["invalid"]},
        ),
        (
            _with(time_off=[{"start": "2030-01-02T00:00Z", "end": "2030-01-01T00:00Z"}]),
            {"time_off.0.end": ["end_before_start"]},
        ),
        (
            _with(time_off=[{"start": "2030-01-01T00:00", "end": "2030-01-02T00:00Z"}]),
            {"time_off.0.start": ["naive_datetime"]},
        ),
        (
            _with(
                time_off=[
                    {"start": "2030-01-01T00:00Z", "end": "2030-01-02T00:00Z", "reason": "a\x00b"}
                ]
            ),
            {"time_off.0.reason": ["nul_character"]},
        ),
        (
            _with(
                time_off=[{"start": "2030-01-01T00:00Z", "end": "2030-01-02T00:00Z", "reason": BIG}]
            ),
            {"time_off.0.reason": ["too_long"]},
        ),
        (_with(timezone="UTC"), {"timezone": ["unknown_field"]}),
        ({k: v for k, v in RULES.items() if k != "weekly"}, {"weekly": ["required"]}),
        ([RULES], {"__all__": ["wrong_type"]}),
        (None, {"__all__": ["wrong_type"]}),
    ],
)
def test_refused_rules_answer_400_with_field_codes_and_save_nothing(alice_api, coach, body, fields):
    # given saved rules
    assert put(alice_api, RULES).status_code == 200
    before = snapshot(coach)
    # when
    error = assert_error(put(alice_api, body), 400, "invalid_availability")
    # then
    assert error["fields"] == fields
    assert snapshot(coach) == before


def test_malformed_json_answers_400_and_saves_nothing(alice_api, coach):
    assert put(alice_api, RULES).status_code == 200
    before = snapshot(coach)
    assert_error(put(alice_api, '{"weekly": [}'), 400, "malformed_json")
    assert snapshot(coach) == before


def test_several_problems_are_reported_together(alice_api, coach):
    body = _with(
        weekly=_weekly((2, "10:00", "09:00"), (3, "09:00", "10:00"), (3, "09:30", "09:45")),
        daily_cap=-1,
    )
    error = assert_error(put(alice_api, body), 400, "invalid_availability")
    assert error["fields"] == {
        "weekly.0.end": ["end_before_start"],
        "weekly.2": ["overlaps"],
        "daily_cap": ["negative"],
    }


def test_charlie_has_no_availability(charlie, coach):
    before = snapshot(coach)
    client = api_client(charlie)
    assert_error(client.get("/api/v1/me/availability"), 404, "not_found")
    assert_error(put(client, RULES), 404, "not_found")
    assert_error(client.get("/api/v1/me/availability/preview"), 404, "not_found")
    assert_error(
        put(client, {**RULES, "start": "2030-01-01"}, "/api/v1/me/availability/preview"), 405
    )
    assert_error(
        client.post(
            "/api/v1/me/availability/preview",
            json.dumps({**RULES, "start": "2030-01-01"}),
            content_type="application/json",
        ),
        404,
        "not_found",
    )
    assert snapshot(coach) == before
    assert not WeeklyInterval.objects.exclude(coach=coach).exists()


def test_signed_out_requests_are_refused(coach):
    assert_error(Client().get("/api/v1/me/availability"), 401, "unauthenticated")
    assert_error(put(Client(), RULES), 401, "unauthenticated")


# --- Preview ----------------------------------------------------------------------------------


def preview(client: Client, body: object):
    return client.post(
        "/api/v1/me/availability/preview", json.dumps(body), content_type="application/json"
    )


def test_preview_shows_unsaved_rules_with_real_bookings_and_saves_nothing(
    alice_api, coach, session_type, bob
):
    # given saved rules (Monday 09-10) and a booking under the rules being tried
    monday = next_monday()
    add_weekly(coach, 0, "09:00", "10:00")
    book(session_type, bob, london(monday, 11))
    before = snapshot(coach)
    # when Alice previews Monday 09-13 instead
    response = preview(
        alice_api,
        _with(
            weekly=_weekly((0, "09:00", "13:00")),
            session_type=str(session_type.public_id),
            start=str(monday),
            end=str(monday + timedelta(days=1)),
            tz="Europe/London",
        ),
    )
    # then
    assert response.status_code == 200, response.content
    assert starts(response.json()) == [london(monday, 9), london(monday, 10), london(monday, 12)]
    assert response.json()["slots"][0]["local_start"].startswith(f"{monday}T09:00")
    assert snapshot(coach) == before
    # and the saved rules still give only 09:00
    saved = alice_api.get(
        f"/api/v1/me/availability/preview?start={monday}&end={monday + timedelta(days=1)}"
    )
    assert saved.status_code == 200, saved.content
    assert starts(saved.json()) == [london(monday, 9)]
    assert saved.json()["tz"] == "Europe/Berlin"  # Alice's own zone


def test_preview_may_use_an_inactive_type_of_her_own(alice_api, coach, charlie):
    draft = make_type(coach, name="Draft", is_active=False)
    other = make_type(make_coach(charlie, slug="charlie"))
    body = {**RULES, "start": "2030-01-07", "end": "2030-01-08"}
    assert preview(alice_api, {**body, "session_type": str(draft.public_id)}).status_code == 200
    assert_error(preview(alice_api, {**body, "session_type": str(other.public_id)}), 404)


def test_a_refused_preview_reports_rules_and_range_together(alice_api, coach, session_type):
    before = snapshot(coach)
    body = _with(weekly=_weekly((1, "10:00", "09:00")), tz="Nowhere", start="2030-01-01T09:00")
    error = assert_error(preview(alice_api, body), 400, "invalid_availability")
    assert error["fields"] == {
        "tz": ["unknown_zone"],
        "start": ["naive_datetime"],
        "weekly.0.end": ["end_before_start"],
    }
    assert snapshot(coach) == before


def test_openapi_documents_every_availability_field():
    schema = Client().get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    for name in ("RulesIn", "WeeklyIn", "TimeOffIn", "AvailabilityOut", "SlotsOut", "SlotOut"):
        for field, spec in components[name]["properties"].items():
            assert spec.get("description"), (name, field)
    params = schema["paths"]["/api/v1/coaches/{coach_id}/slots"]["get"]["parameters"]
    assert {p["name"] for p in params} >= {"session_type", "start", "end", "tz"}
    assert all(p.get("description") for p in params)
