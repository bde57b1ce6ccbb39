"""The availability editor page and its live preview (Alice: coach in Europe/London)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from tandem.availability.models import DateOverride, OverrideInterval, TimeOff, WeeklyInterval
from tandem.coaches.models import CoachProfile

from .conftest import add_override, add_time_off, add_weekly, make_coach, make_type, minutes

PAGE = "/coach/availability/"
PREVIEW = "/coach/availability/preview/"
NUL = "bad\x00text"
HUGE = "x" * 100_000


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def rules_snapshot(coach: CoachProfile) -> dict:
    coach = CoachProfile.objects.get(pk=coach.pk)
    return {
        "weekly": list(
            WeeklyInterval.objects.filter(coach=coach).values_list(
                "weekday", "start_minute", "end_minute"
            )
        ),
        "overrides": list(
            OverrideInterval.objects.filter(override__coach=coach).values_list(
                "override__date", "start_minute", "end_minute"
            )
        )
        + list(DateOverride.objects.filter(coach=coach).values_list("date")),
        "time_off": list(TimeOff.objects.filter(coach=coach).values_list("start", "end", "reason")),
        "caps": (coach.daily_cap, coach.weekly_cap),
    }


def week(**days: list[tuple[str, str]]) -> dict[str, list[str]]:
    """Form data for weekly rows: week(d0=[("09:00", "12:00")], ...)."""
    data: dict[str, list[str]] = {}
    for key, rows in days.items():
        day = key.removeprefix("d")
        data[f"weekly-{day}-start"] = [start for start, _ in rows]
        data[f"weekly-{day}-end"] = [end for _, end in rows]
    return data


@pytest.fixture
def saved(coach, session_type):
    """Alice's existing rules: Monday 09-17, a closed date, a week off."""
    add_weekly(coach, 0, "09:00", "17:00")
    add_override(coach, date(2030, 12, 25))
    add_time_off(coach, datetime(2030, 7, 1, 8, tzinfo=UTC), datetime(2030, 7, 8, 8, tzinfo=UTC))
    return coach


# --- Who may see it -------------------------------------------------------------------------------


def test_the_editor_answers_200_for_a_coach_and_names_the_zone(saved):
    response = client_for(saved.user).get(PAGE)
    assert response.status_code == 200
    page = response.content.decode()
    assert "<strong>Europe/London</strong>" in page
    # The saved rules are in the grid, time off in the coach's wall time (BST: UTC+1).
    assert 'name="weekly-0-start"' in page and 'value="09:00"' in page and 'value="17:00"' in page
    assert 'value="2030-12-25"' in page
    assert 'value="2030-07-01T09:00"' in page
    assert 'value="2030-07-08T09:00"' in page
    assert 'hx-post="/coach/availability/preview/"' in page


@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_the_editor_does_not_exist_for_non_coaches(saved, request, who):
    client = client_for(request.getfixturevalue(who))
    before = rules_snapshot(saved)
    assert client.get(PAGE).status_code == 404
    assert client.post(PAGE, week(d1=[("09:00", "10:00")])).status_code == 404
    assert client.post(PREVIEW, week(d1=[("09:00", "10:00")])).status_code == 404
    assert rules_snapshot(saved) == before


def test_visitors_are_sent_to_sign_in(coach):
    response = Client().get(PAGE)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_preview_needs_post(coach):
    assert client_for(coach.user).get(PREVIEW).status_code == 405


# --- Saving ---------------------------------------------------------------------------------------


def test_saving_the_grid_replaces_the_rules(saved):
    data = {
        **week(d0=[("09:00", "12:00"), ("13:00", "17:00")], d4=[("22:00", "00:00")]),
        # An added row left empty is no interval.
        "weekly-2-start": [""],
        "weekly-2-end": [""],
        "override-3-date": "2030-05-01",
        "override-3-start": ["10:00"],
        "override-3-end": ["12:00"],
        "override-7-date": "2030-05-02",
        "override-7-closed": "on",
        "timeoff-0-start": "2030-08-01T09:00",
        "timeoff-0-end": "2030-08-02T18:30",
        "timeoff-0-reason": "Conference",
        "daily_cap": "4",
        "weekly_cap": "",
    }
    client = client_for(saved.user)
    response = client.post(PAGE, data)
    assert response.status_code == 302
    assert response["Location"] == PAGE
    rules = rules_snapshot(saved)
    assert sorted(rules["weekly"]) == [
        (0, minutes("09:00"), minutes("12:00")),
        (0, minutes("13:00"), minutes("17:00")),
        (4, minutes("22:00"), 1440),  # an end of 00:00 is midnight
    ]
    assert sorted(DateOverride.objects.filter(coach=saved).values_list("date", flat=True)) == [
        date(2030, 5, 1),
        date(2030, 5, 2),
    ]
    assert list(
        OverrideInterval.objects.filter(override__coach=saved).values_list(
            "start_minute", "end_minute"
        )
    ) == [(600, 720)]
    # Time off typed in the coach's zone (London, BST in August: UTC+1).
    assert rules["time_off"] == [
        (
            datetime(2030, 8, 1, 8, tzinfo=UTC),
            datetime(2030, 8, 2, 17, 30, tzinfo=UTC),
            "Conference",
        )
    ]
    assert rules["caps"] == (4, None)
    assert "Availability saved." in client.get(PAGE).content.decode()


def test_saving_an_empty_grid_clears_everything(saved):
    assert client_for(saved.user).post(PAGE, {}).status_code == 302
    assert rules_snapshot(saved) == {
        "weekly": [],
        "overrides": [],
        "time_off": [],
        "caps": (None, None),
    }


def test_overlapping_intervals_are_refused_next_to_the_row(saved):
    before = rules_snapshot(saved)
    data = week(d0=[("09:00", "12:00")], d2=[("09:00", "12:00"), ("11:00", "14:00")])
    response = client_for(saved.user).post(PAGE, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Nothing was saved" in page
    # The second Wednesday row (weekly.2 in the service's terms) carries the error.
    error = page.split('id="weekly-2-1-error"', 1)[1].split("</div>\n", 1)[0]
    assert "Overlaps another interval of the same day." in error
    assert 'aria-describedby="weekly-2-1-error"' in page
    assert 'href="#weekly-2-1-start"' in page
    assert "Wednesday, hours 2</a>: Overlaps" in page
    # The coach's input is kept.
    assert 'value="11:00"' in page and 'value="14:00"' in page
    assert rules_snapshot(saved) == before


@pytest.mark.parametrize(
    ("data", "anchor", "text"),
    [
        (week(d1=[("12:00", "09:00")]), "weekly-1-0-end", "The end must be after the start"),
        (week(d1=[("9am", "10:00")]), "weekly-1-0-start", "Enter a time such as 09:00."),
        (week(d1=[("09:00", "")]), "weekly-1-0-end", "Fill in both times"),
        (
            {"override-0-date": "2030-05-01", "override-1-date": "2030-05-01"},
            "override-1-date",
            "This date already has an override.",
        ),
        (
            {
                "override-0-date": "2030-05-01",
                "override-0-start": ["10:00", "11:00"],
                "override-0-end": ["12:00", "13:00"],
            },
            "override-0-1-start",
            "Overlaps another interval",
        ),
        ({"override-0-date": "someday"}, "override-0-date", "Enter a date."),
        (
            {"timeoff-0-start": "2030-08-02T09:00", "timeoff-0-end": "2030-08-01T09:00"},
            "timeoff-0-end",
            "The end must be after the start",
        ),
        (
            {"timeoff-0-start": "2030-08-02T09:00", "timeoff-0-end": ""},
            "timeoff-0-end",
            "Enter a date and time.",
        ),
        (
            {"timeoff-0-start": "1990-08-01T09:00", "timeoff-0-end": "1990-08-02T09:00"},
            "timeoff-0-start",
            "Out of range.",
        ),
        ({"daily_cap": "-1"}, "id_daily_cap", "Must be zero or more."),
        ({"weekly_cap": "lots"}, "id_weekly_cap", "Enter a whole number"),
        ({"weekly_cap": "5000"}, "id_weekly_cap", "Too large."),
    ],
)
def test_refused_rules_show_the_error_where_it_belongs(saved, data, anchor, text):
    before = rules_snapshot(saved)
    response = client_for(saved.user).post(PAGE, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'href="#{anchor}"' in page
    assert text in page
    assert f'id="{anchor}"' in page
    assert rules_snapshot(saved) == before


@pytest.mark.parametrize(
    "data",
    [
        week(d0=[(NUL, "10:00")]),
        week(d0=[(HUGE, "10:00")]),
        {"override-0-date": NUL},
        {"override-0-date": HUGE},
        {"timeoff-0-start": NUL, "timeoff-0-end": "2030-08-02T09:00"},
        {"timeoff-0-start": "2030-08-01T09:00", "timeoff-0-end": HUGE},
        {
            "timeoff-0-start": "2030-08-01T09:00",
            "timeoff-0-end": "2030-08-02T09:00",
            "timeoff-0-reason": NUL,
        },
        {
            "timeoff-0-start": "2030-08-01T09:00",
            "timeoff-0-end": "2030-08-02T09:00",
            "timeoff-0-reason": HUGE,
        },
        {"timeoff-0-start": "2030-08-01T09:00+05:00", "timeoff-0-end": "2030-08-02T09:00"},
        {"daily_cap": NUL},
        {"daily_cap": HUGE},
        {"weekly-9-start": "09:00", "weekly-9-end": "10:00", "daily_cap": "x"},
    ],
)
def test_bad_input_is_a_400_and_saves_nothing(saved, data):
    before = rules_snapshot(saved)
    response = client_for(saved.user).post(PAGE, data)
    assert response.status_code == 400
    assert rules_snapshot(saved) == before


def test_rows_for_a_weekday_that_does_not_exist_are_ignored(saved):
    response = client_for(saved.user).post(
        PAGE, {"weekly-9-start": "09:00", "weekly-9-end": "10:00"}
    )
    assert response.status_code == 302
    assert rules_snapshot(saved)["weekly"] == []


# --- The live preview ----------------------------------------------------------------------------


# The preview runs from "now": every test here runs at this Wednesday morning, so what it
# shows never depends on the day or hour the suite happens to run (a Monday dropped "next Monday"
# out of the 7-day window).
PREVIEW_NOW = datetime(2030, 6, 5, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _frozen_now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: PREVIEW_NOW)


def _next_local_monday(zone: str) -> date:
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    return today + timedelta(days=(7 - today.weekday()) % 7 or 7)


def test_the_preview_shows_slots_of_the_unsaved_rules_and_saves_nothing(saved, session_type):
    before = rules_snapshot(saved)
    every_day = week(**{f"d{d}": [("10:00", "12:00")] for d in range(7)})
    response = client_for(saved.user).post(
        PREVIEW, {**every_day, "preview_session_type": str(session_type.public_id)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Europe/London" in page
    assert "Intro" in page
    # Hourly grid, 60-minute sessions: 10:00 and 11:00 on each coming day.
    monday = _next_local_monday("Europe/London")
    assert f"{monday:%A} {monday.day} {monday:%b}" in page
    assert ">10:00</time>" in page and ">11:00</time>" in page
    assert ">09:00</time>" not in page
    assert rules_snapshot(saved) == before


def test_the_preview_is_in_the_coachs_zone_not_the_viewers(saved, session_type):
    # Alice's account says Berlin; her coaching zone is London: 10:00 is London time.
    assert saved.user.timezone == "Europe/Berlin"
    every_day = week(**{f"d{d}": [("10:00", "11:00")] for d in range(7)})
    page = client_for(saved.user).post(PREVIEW, every_day).content.decode()
    assert ">10:00</time>" in page
    assert ">11:00</time>" not in page


def test_the_editor_page_previews_the_saved_rules(saved, session_type):
    page = client_for(saved.user).get(PAGE).content.decode()
    assert 'id="preview-results"' in page
    assert "start time" in page
    assert ">09:00</time>" in page  # Monday 09-17 is saved


def test_the_preview_reports_problems_with_a_400_and_saves_nothing(saved, session_type):
    before = rules_snapshot(saved)
    data = week(d0=[("09:00", "12:00"), ("10:00", "11:00")])
    response = client_for(saved.user).post(PREVIEW, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "Fix this to see the preview" in page
    assert "Overlaps another interval" in page
    assert rules_snapshot(saved) == before


def test_the_preview_without_session_types_says_to_create_one(coach):
    response = client_for(coach.user).post(PREVIEW, week(d0=[("09:00", "12:00")]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Create a session type first" in page
    assert 'href="/coach/session-types/new/"' in page
    assert "Create a session type first" in client_for(coach.user).get(PAGE).content.decode()


def test_the_preview_never_uses_another_coachs_session_type(saved, session_type, bob):
    other = make_coach(bob, slug="bob-coach")
    theirs = make_type(other, name="Bob's secret session")
    page = (
        client_for(saved.user)
        .post(
            PREVIEW,
            {**week(d0=[("09:00", "12:00")]), "preview_session_type": str(theirs.public_id)},
        )
        .content.decode()
    )
    assert "Bob's secret session" not in page
    assert "Intro" in page


@pytest.mark.parametrize("value", [NUL, HUGE, "not-a-uuid"])
def test_a_bad_preview_session_type_falls_back_to_the_first(saved, session_type, value):
    response = client_for(saved.user).post(PREVIEW, {"preview_session_type": value})
    assert response.status_code == 200
    assert "Intro" in response.content.decode()
