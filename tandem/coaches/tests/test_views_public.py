"""The public pages: the coach directory (/coaches/) and a coach's page (/c/<slug>/) with its
week-by-week slot picker (/c/<slug>/slots).

Times must come out in the viewer's zone, bad query strings must never be a 500, and the
number of queries must not grow with the number of coaches (or slots) on a page.
"""

import itertools
import re
from datetime import UTC, datetime
from decimal import Decimal
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conftest import make_user
from tandem.availability import services as availability
from tandem.availability import slots as availability_slots
from tandem.availability.models import WeeklyInterval
from tandem.availability.tests.conftest import add_override, add_weekly
from tandem.coaches import services
from tandem.coaches.models import CoachProfile, SessionType
from tandem.coaches.tests.conftest import make_coach

HTMX = {"HTTP_HX_REQUEST": "true"}
_emails = itertools.count()

# Monday 7 January 2030, 12:00 UTC: Berlin is UTC+1, New York UTC-5 (a 6-hour gap).
WINTER_NOW = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)
# Monday 11 March 2030: the US is on summer time (since 10 March), the EU not yet (until
# 31 March): Berlin UTC+1, New York UTC-4 (a 5-hour gap).
GAP_NOW = datetime(2030, 3, 11, 12, 0, tzinfo=UTC)


@pytest.fixture
def freeze(monkeypatch):
    """Fix django.utils.timezone.now (which the views, selectors and services call)."""

    def set_now(at: datetime) -> datetime:
        monkeypatch.setattr(timezone, "now", lambda: at)
        return at

    return set_now


def no_hours(coach: CoachProfile) -> None:
    """Drop the coach's default hours (make_coach gives some: a listed coach has hours)."""
    WeeklyInterval.objects.filter(coach=coach).delete()


def weekday_hours(coach: CoachProfile, start: str = "09:00", end: str = "10:00") -> None:
    """These hours only, Monday to Friday."""
    no_hours(coach)
    for day in range(5):
        add_weekly(coach, day, start, end)


def listed(name: str, *, zone: str = "Europe/Berlin", **kwargs) -> CoachProfile:
    user = make_user(f"pub{next(_emails)}@example.com", name=name, zone=zone)
    return make_coach(user, **kwargs)


def main_text(response) -> str:
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def times_in(html: str) -> list[str]:
    """The slot times a picker shows, in order."""
    return re.findall(r'<time datetime="[^"]+">(\d\d:\d\d)</time></a>', html)


def refresh(*coaches: CoachProfile) -> None:
    availability.refresh_next_available([c.pk for c in coaches])


# --- The directory -------------------------------------------------------------------------------


def test_directory_lists_listed_coaches_for_anyone(alice_coach, dora_coach):
    response = Client().get("/coaches/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice Adler" in html and "Dora Diaz" in html
    assert "Leadership coach" in html
    assert "From 80.00 EUR" in html
    assert 'href="/c/alice-adler/' in html
    # No zone known: UTC, said so, and the page may ask the browser for its zone.
    assert "Times in <strong>UTC</strong>" in html
    assert "data-tz-auto" in html


def test_directory_hides_unlisted_coaches(alice_coach, dora_coach):
    CoachProfile.objects.filter(pk=dora_coach.pk).update(is_verified=False)
    html = Client().get("/coaches/").content.decode()
    assert "Alice Adler" in html
    assert "Dora Diaz" not in html


def test_nav_links_to_the_directory(db):
    html = Client().get("/").content.decode()
    assert 'href="/coaches/"' in html and "Find a coach" in html


@pytest.mark.parametrize(
    "query,present,absent",
    [
        ("q=leadership", ["Alice Adler"], ["Dora Diaz"]),
        ("q=career", ["Dora Diaz"], ["Alice Adler"]),
        ("specialty=career", ["Dora Diaz"], ["Alice Adler"]),
        ("specialty=LEADERSHIP", ["Alice Adler"], ["Dora Diaz"]),
        ("language=de", ["Alice Adler"], ["Dora Diaz"]),
        ("price_min=60", ["Alice Adler"], ["Dora Diaz"]),
        ("price_max=60", ["Dora Diaz"], ["Alice Adler"]),
        ("price_min=50&price_max=80", ["Alice Adler", "Dora Diaz"], []),
        ("sort=price", ["Alice Adler", "Dora Diaz"], []),
        ("sort=next_available", ["Alice Adler", "Dora Diaz"], []),
        ("sort=relevance&q=coach", ["Alice Adler", "Dora Diaz"], []),
    ],
)
def test_directory_filters(alice_coach, dora_coach, query, present, absent):
    response = Client().get(f"/coaches/?{query}")
    assert response.status_code == 200
    html = response.content.decode()
    for name in present:
        assert name in html, (query, name)
    for name in absent:
        assert name not in html, (query, name)


def test_sort_by_price_puts_the_cheapest_first(alice_coach, dora_coach):
    html = Client().get("/coaches/?sort=price").content.decode()
    assert html.index("Dora Diaz") < html.index("Alice Adler")


def test_unknown_specialty_shows_the_empty_state_not_an_error(alice_coach):
    response = Client().get("/coaches/?specialty=underwater-basket-weaving&language=xx")
    assert response.status_code == 200
    text = main_text(response)
    assert "No coaches match these filters" in text
    assert "Clear all filters" in text
    assert "Alice Adler" not in text


def test_empty_directory_says_what_to_do(db):
    text = main_text(Client().get("/coaches/"))
    assert "No coaches are listed yet" in text
    assert "Become a coach" in text


@pytest.mark.parametrize(
    "query",
    [
        "q=%00",
        "q=" + "x" * 5000,
        "specialty=" + "x" * 5000,
        "specialty=%00",
        "language=" + "y" * 100,
        "price_min=abc",
        "price_min=-1",
        "price_min=NaN",
        "price_max=Infinity",
        "price_min=1e400",
        "price_min=100&price_max=10",
        "available_from=2030-13-45",
        "available_from=yesterday",
        "available_from=0001-01-01",
        "available_to=9999-12-31",
        "available_from=2030-02-01&available_to=2030-01-01",
        "available_from=%00",
        "sort=alphabetical",
        "sort=%00",
        "cursor=not-a-cursor",
        "cursor=" + "A" * 5000,
        "cursor=%00",
    ],
)
def test_bad_parameters_answer_400_with_the_form(alice_coach, query):
    response = Client().get(f"/coaches/?{query}")
    assert response.status_code == 400, response.content[:300]
    text = main_text(response)
    assert "Please check the filters" in text
    assert "Alice Adler" not in text
    # The same request over htmx gets the results region with the message.
    response = Client().get(f"/coaches/?{query}", HTTP_HX_TARGET="directory-results", **HTMX)
    assert response.status_code == 400
    assert "<html" not in response.content.decode()
    assert "Please check the filters" in main_text(response)


def test_a_doctored_load_more_link_says_so(alice_coach):
    response = Client().get("/coaches/?cursor=eyJ4IjoxfQ")
    assert response.status_code == 400
    assert "That page of results is no longer available." in main_text(response)
    response = Client().get("/coaches/?cursor=eyJ4IjoxfQ", HTTP_HX_TARGET="coach-list", **HTMX)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="directory-more" class="mt-4" hx-swap-oob="outerHTML"' in html
    assert "That page of results is no longer available." in html


@pytest.mark.parametrize("tz", ["Not/AZone", "%00", "Europe%2FBerlin%00", "x" * 3000, ""])
def test_bad_tz_is_ignored(alice_coach, tz):
    response = Client().get(f"/coaches/?tz={tz}")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Alice Adler" in html
    assert "Times in <strong>UTC</strong>" in html


def test_load_more_follows_the_cursor(lists):
    coaches = [listed(f"Coach {n:02d}", prices=(str(10 + n),)) for n in range(23)]
    client = Client()
    first = client.get("/coaches/?sort=price&tz=Asia/Tokyo")
    assert first.status_code == 200
    html = first.content.decode()
    shown = re.findall(r">Coach (\d\d)</a>", html)
    assert shown == [f"{n:02d}" for n in range(20)]
    more = re.search(r'id="load-more"[^>]*href="([^"]+)"', html)
    assert more, "no Load more link"
    url = more.group(1).replace("&amp;", "&")
    params = parse_qs(urlsplit(url).query)
    assert params["sort"] == ["price"] and params["tz"] == ["Asia/Tokyo"] and params["cursor"]

    # Over htmx: only the next cards, and the Load more region swapped out of band.
    response = client.get(url, HTTP_HX_TARGET="coach-list", **HTMX)
    assert response.status_code == 200
    part = response.content.decode()
    assert "<html" not in part
    assert re.findall(r">Coach (\d\d)</a>", part) == ["20", "21", "22"]
    assert 'id="directory-more"' in part and 'hx-swap-oob="outerHTML"' in part
    assert 'id="load-more"' not in part  # the last page
    assert "data-first-new" in part

    # Without JS the link is a whole page of the next coaches.
    response = client.get(url)
    assert response.status_code == 200
    assert re.findall(r">Coach (\d\d)</a>", response.content.decode()) == ["20", "21", "22"]
    assert "Back to the first coaches" in main_text(response)
    assert len(coaches) == 23


def test_htmx_filter_request_swaps_the_results_and_pushes_a_clean_url(alice_coach, dora_coach):
    response = Client().get(
        "/coaches/?q=&specialty=career&language=&price_min=&price_max=&available_from="
        "&available_to=&sort=relevance&tz=Europe%2FBerlin",
        HTTP_HX_TARGET="directory-results",
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith("<section") or "<html" not in html
    assert 'id="directory-results"' in html
    assert "Dora Diaz" in html and "Alice Adler" not in html
    assert response["HX-Push-Url"] == "/coaches/?specialty=career&tz=Europe%2FBerlin"
    assert "HX-Request" in response["Vary"]
    # The zone note in the (unswapped) filter form is updated out of band.
    assert 'id="filter-zone" hx-swap-oob="true">Europe/Berlin<' in html


def test_browser_zone_detection_replaces_the_url(alice_coach):
    response = Client().get(
        "/coaches/?tz=Asia%2FTokyo",
        HTTP_HX_TARGET="directory-results",
        HTTP_X_TANDEM_AUTO_ZONE="1",
        **HTMX,
    )
    assert response.status_code == 200
    assert response["HX-Replace-Url"] == "/coaches/?tz=Asia%2FTokyo"
    assert "HX-Push-Url" not in response
    assert "data-tz-auto" not in response.content.decode()  # once is enough


def test_next_available_is_shown_in_the_viewers_zone(alice_coach, bob, freeze):
    now = freeze(WINTER_NOW)
    weekday_hours(alice_coach)  # 09:00-10:00 Berlin on weekdays
    refresh(alice_coach)
    # The earliest slot: Tuesday 8 January 2030, 09:00 Berlin = 08:00 UTC = 03:00 New York.
    assert availability_slots.next_available_for([alice_coach], now=now)[alice_coach.pk][
        0
    ] == datetime(2030, 1, 8, 8, 0, tzinfo=UTC)

    text = main_text(Client().get("/coaches/"))
    assert "Tue 8 Jan, 08:00 (UTC)" in text
    text = main_text(Client().get("/coaches/?tz=America/New_York"))
    assert "Tue 8 Jan, 03:00 (America/New_York)" in text
    text = main_text(Client().get("/coaches/?tz=Asia/Kolkata"))
    assert "Tue 8 Jan, 13:30 (Asia/Kolkata)" in text

    # Signed in: the profile's zone, whatever the tz parameter says.
    client = Client()
    client.force_login(bob)
    response = client.get("/coaches/?tz=Asia/Tokyo")
    text = main_text(response)
    assert "Tue 8 Jan, 03:00 (America/New_York)" in text
    assert "your profile’s zone" in text
    assert "data-tz-auto" not in response.content.decode()


def test_the_next_available_link_opens_that_week(alice_coach, freeze):
    freeze(WINTER_NOW)
    weekday_hours(alice_coach)
    refresh(alice_coach)
    html = Client().get("/coaches/?tz=America/New_York").content.decode()
    session_type = SessionType.objects.get(coach=alice_coach)
    [link] = re.findall(r'<a href="(/c/alice-adler/\?[^"]+)"><time', html)
    url = urlsplit(link.replace("&amp;", "&"))
    assert url.fragment == "slot-picker"
    assert parse_qs(url.query) == {
        "session_type": [str(session_type.public_id)],
        "week": ["2030-01-08"],
        "tz": ["America/New_York"],
    }


@pytest.mark.parametrize(
    "zone,day,found",
    [
        # The one slot on 14 January is 08:00 UTC: 00:00 in Los Angeles, but still the
        # 13th (22:00) in Honolulu. The dates are whole days in the viewer's zone.
        ("America/Los_Angeles", "2030-01-14", True),
        ("America/Los_Angeles", "2030-01-13", False),
        ("Pacific/Honolulu", "2030-01-13", True),
        ("Pacific/Honolulu", "2030-01-14", False),
        ("UTC", "2030-01-14", True),
    ],
)
def test_available_between_takes_dates_in_the_viewers_zone(alice_coach, freeze, zone, day, found):
    freeze(WINTER_NOW)
    no_hours(alice_coach)
    add_weekly(alice_coach, 0, "09:00", "10:00")  # Mondays only, Berlin
    session_type = SessionType.objects.get(coach=alice_coach)
    SessionType.objects.filter(pk=session_type.pk).update(slot_step_minutes=60)
    add_override(alice_coach, datetime(2030, 1, 7).date())  # not today
    refresh(alice_coach)
    response = Client().get(f"/coaches/?available_from={day}&available_to={day}&tz={zone}")
    assert response.status_code == 200
    assert ("Alice Adler" in response.content.decode()) is found


def test_directory_query_count_does_not_grow_with_the_page(lists, freeze):
    freeze(WINTER_NOW)

    def count(n: int, prefix: str) -> int:
        coaches = [
            listed(f"{prefix} {i}", specialties=("career", "leadership"), prices=("40", "90"))
            for i in range(n)
        ]
        for coach in coaches:
            weekday_hours(coach)
        refresh(*coaches)
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(f"/coaches/?q={prefix}&tz=Europe/Berlin")
        assert response.status_code == 200
        assert response.content.decode().count('class="coach-link"') == n
        return len(queries)

    # Plain words (PostgreSQL drops stop words such as "few" and "many" from a search).
    few, many = count(5, "Quince"), count(20, "Zebra")
    assert few == many, (few, many)


# --- A coach's page ------------------------------------------------------------------------------


def test_coach_page_shows_the_profile_and_session_types(alice_coach):
    services.coach_profile_update(
        coach=alice_coach, credentials="ICF PCC", timezone="Europe/Berlin"
    )
    services.session_type_create(
        coach=alice_coach,
        name="Deep dive",
        duration_minutes=90,
        price=Decimal("1250.50"),
        description="A long one.",
        location_kind="in_person",
        location_detail="Berlin Mitte",
    )
    response = Client().get("/c/alice-adler/")
    assert response.status_code == 200
    text = main_text(response)
    for expected in (
        "Alice Adler",
        "Leadership coach",
        "I help new managers find their feet.",
        "Leadership",
        "Executive",
        "English, German",
        "ICF PCC",
        "12 years coaching",
        "Europe/Berlin",
        "Session 1",
        "80.00 EUR",
        "60 min",
        "Video call",
        "Deep dive",
        "1,250.50 EUR",
        "90 min",
        "In person",
        "A long one.",
        "Available times",
        "Choose a time to book it",
    ):
        assert expected in text, expected


@pytest.mark.parametrize(
    "change",
    [
        {"is_verified": False},
        {"is_active": False},
    ],
)
def test_unlisted_coach_page_is_404(alice_coach, change):
    CoachProfile.objects.filter(pk=alice_coach.pk).update(**change)
    assert Client().get("/c/alice-adler/").status_code == 404
    assert Client().get("/c/alice-adler/slots", **HTMX).status_code == 404


def test_inactive_account_hides_the_page(alice_coach, alice):
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert Client().get("/c/alice-adler/").status_code == 404


@pytest.mark.parametrize("slug", ["nobody", "a" * 300, "00000000-0000-0000-0000-000000000000"])
def test_unknown_coach_is_404(alice_coach, slug):
    assert Client().get(f"/c/{slug}/").status_code == 404


def test_public_id_and_other_spellings_redirect_to_the_slug(alice_coach):
    response = Client().get(f"/c/{alice_coach.public_id}/?tz=Asia/Tokyo")
    assert response.status_code == 301
    assert response["Location"] == "/c/alice-adler/?tz=Asia/Tokyo"
    response = Client().get("/c/Alice-Adler/")
    assert response.status_code == 301
    assert response["Location"] == "/c/alice-adler/"


def test_picker_shows_a_week_of_days_and_says_when_a_day_is_empty(alice_coach, freeze):
    freeze(WINTER_NOW)
    weekday_hours(alice_coach)
    response = Client().get("/c/alice-adler/?tz=Europe/Berlin&week=2030-01-14")
    html = response.content.decode()
    text = main_text(response)
    for label in ("Mon 14 Jan", "Tue 15 Jan", "Fri 18 Jan", "Sat 19 Jan", "Sun 20 Jan"):
        assert label in text, label
    # Weekdays 09:00 and 09:30 (30-minute grid, 60-minute session, open 09:00-10:00: 09:00 only).
    assert times_in(html) == ["09:00"] * 5
    assert text.count("No open times") == 2  # the weekend
    # Each slot links into the booking wizard (a GET: choosing is not booking yet), and
    # nothing on the public page posts.
    assert html.count('class="btn btn-sm btn-outline-primary picker-slot"') == 5
    assert re.search(
        r'<a href="/book/alice-adler/\?[^"]*start=2030-01-14T09%3A00%3A00%2B01%3A00"', html
    )
    assert 'aria-disabled="true" aria-describedby' not in html
    assert 'method="post"' not in html.split('id="slot-picker"')[1]


@pytest.mark.parametrize(
    "now,week,zone,expected",
    [
        (WINTER_NOW, "2030-01-14", "Europe/Berlin", "09:00"),
        (WINTER_NOW, "2030-01-14", "America/New_York", "03:00"),
        (WINTER_NOW, "2030-01-14", "UTC", "08:00"),
        (WINTER_NOW, "2030-01-14", "Asia/Kolkata", "13:30"),
        # Between the US and EU clock changes the gap is five hours.
        (GAP_NOW, "2030-03-18", "America/New_York", "04:00"),
        (GAP_NOW, "2030-03-18", "Europe/Berlin", "09:00"),
    ],
)
def test_slot_partial_renders_times_in_the_requested_zone(
    alice_coach, freeze, now, week, zone, expected
):
    freeze(now)
    weekday_hours(alice_coach)
    session_type = SessionType.objects.get(coach=alice_coach)
    response = Client().get(
        f"/c/alice-adler/slots?session_type={session_type.public_id}&week={week}&tz={zone}",
        **HTMX,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "<html" not in html
    assert times_in(html) == [expected] * 5
    assert f"Times in <strong>{zone}</strong>" in html
    # The address bar follows (the whole page at the same week, zone and session type).
    push = response["HX-Push-Url"]
    assert push.startswith("/c/alice-adler/?")
    assert parse_qs(urlsplit(push).query) == {
        "session_type": [str(session_type.public_id)],
        "week": [week],
        "tz": [zone],
    }
    # The session type list is re-rendered out of band (which one is selected).
    assert 'id="session-types" hx-swap-oob="outerHTML"' in html


def test_days_follow_the_viewers_zone_across_midnight(alice_coach, freeze):
    # Monday 09:00 Berlin is 08:00 UTC: a slot's day is its day in the viewer's zone.
    freeze(WINTER_NOW)
    no_hours(alice_coach)
    add_weekly(alice_coach, 0, "09:00", "10:00")
    html = Client().get("/c/alice-adler/?week=2030-01-14&tz=Pacific/Kiritimati").content.decode()
    # Kiritimati is UTC+14: 08:00 UTC is 22:00 the same day.
    assert times_in(html) == ["22:00"]
    day = html.split('id="day-2030-01-14"')[1].split('id="day-2030-01-15"')[0]
    assert "22:00" in day
    # Los Angeles (UTC-8): 00:00 on the Monday.
    html = Client().get("/c/alice-adler/?week=2030-01-14&tz=America/Los_Angeles").content.decode()
    assert times_in(html) == ["00:00"]
    # Honolulu (UTC-10): 22:00 on the Sunday before.
    html = Client().get("/c/alice-adler/?week=2030-01-13&tz=Pacific/Honolulu").content.decode()
    day = html.split('id="day-2030-01-13"')[1].split('id="day-2030-01-14"')[0]
    assert "22:00" in day


def test_previous_and_next_week(alice_coach, freeze):
    freeze(WINTER_NOW)
    weekday_hours(alice_coach)
    html = Client().get("/c/alice-adler/?tz=UTC").content.decode()
    # This week starts today; nothing earlier to go back to.
    assert "Mon 7 Jan – Sun 13 Jan 2030" in main_text(Client().get("/c/alice-adler/?tz=UTC"))
    assert 'id="week-prev"' not in html
    assert re.search(r'id="week-next"[^>]*href="[^"]*week=2030-01-14', html)
    html = Client().get("/c/alice-adler/slots?week=2030-01-14&tz=UTC", **HTMX).content.decode()
    assert re.search(r'id="week-prev"[^>]*href="[^"]*week=2030-01-07', html)
    assert re.search(r'hx-get="/c/alice-adler/slots\?[^"]*week=2030-01-21', html)
    # A week in the past shows this week instead.
    html = Client().get("/c/alice-adler/?week=2029-06-03&tz=UTC").content.decode()
    assert "Mon 7 Jan" in html


def test_next_week_stops_at_the_booking_window(alice_coach, freeze):
    freeze(WINTER_NOW)
    weekday_hours(alice_coach)  # session type: 60-day window
    html = Client().get("/c/alice-adler/?week=2030-03-04&tz=UTC").content.decode()
    assert 'id="week-next"' not in html
    assert "Next week" in html  # shown, disabled


def test_an_empty_week_links_to_the_next_free_time(alice_coach, freeze):
    freeze(WINTER_NOW)
    weekday_hours(alice_coach)
    for day in range(14, 19):  # away all week of 14 January
        add_override(alice_coach, datetime(2030, 1, day).date())
    html = Client().get("/c/alice-adler/?week=2030-01-14&tz=America/New_York").content.decode()
    assert times_in(html) == []
    assert "No open times this week. The next one is" in re.sub(r"\s+", " ", html)
    assert re.search(r'id="jump-next-available"', html)
    assert "Monday 21 January, 03:00" in html


def test_the_page_ignores_bad_picker_parameters_and_says_so(alice_coach, freeze):
    freeze(WINTER_NOW)
    weekday_hours(alice_coach)
    for query in (
        "tz=Mars/Olympus",
        "tz=%00",
        "week=2030-02-30",
        "week=%00",
        "week=" + "9" * 3000,
        "session_type=nope",
        "session_type=00000000-0000-0000-0000-000000000000",
    ):
        response = Client().get(f"/c/alice-adler/?{query}")
        assert response.status_code == 200, query
        assert "Available times" in main_text(response)
        assert 'role="status"' in response.content.decode(), query


@pytest.mark.parametrize(
    "query,status",
    [
        ("tz=Mars/Olympus", 400),
        ("tz=%00", 400),
        ("tz=" + "x" * 3000, 400),
        ("week=2030-02-30", 400),
        ("week=3000-01-01", 400),
        ("week=%00", 400),
        ("session_type=nope", 404),
        ("session_type=00000000-0000-0000-0000-000000000000", 404),
    ],
)
def test_slot_partial_refuses_bad_parameters(alice_coach, query, status):
    response = Client().get(f"/c/alice-adler/slots?{query}", **HTMX)
    assert response.status_code == status
    html = response.content.decode()
    assert 'id="slot-picker"' in html and 'role="alert"' in html


def test_slot_partial_without_htmx_redirects_to_the_page(alice_coach):
    response = Client().get("/c/alice-adler/slots?tz=Asia/Tokyo")
    assert response.status_code == 302
    assert response["Location"] == "/c/alice-adler/?tz=Asia/Tokyo#slot-picker"


def test_inactive_session_types_are_not_offered(alice_coach):
    services.session_type_create(
        coach=alice_coach, name="Intro call", duration_minutes=30, price=Decimal("20")
    )
    session_type = SessionType.objects.get(coach=alice_coach, name="Session 1")
    services.session_type_deactivate(coach=alice_coach, session_type_id=session_type.public_id)
    response = Client().get("/c/alice-adler/")
    assert response.status_code == 200
    text = main_text(response)
    assert "Intro call" in text
    assert "Session 1" not in text
    response = Client().get(f"/c/alice-adler/slots?session_type={session_type.public_id}", **HTMX)
    assert response.status_code == 404


def test_zone_switcher_offers_common_zones_the_viewers_and_the_coachs(alice_coach):
    html = Client().get("/c/alice-adler/?tz=Asia/Kathmandu").content.decode()
    select = html.split('id="picker-tz"')[1].split("</select>")[0]
    for zone in ("UTC", "America/New_York", "Asia/Tokyo", "Europe/Berlin", "Asia/Kathmandu"):
        assert f'value="{zone}"' in select, zone
    assert re.search(r'value="Asia/Kathmandu" selected>Asia/Kathmandu \(UTC\+05:45\)', select)


def test_picker_query_count_is_the_same_for_any_week(alice_coach, freeze):
    freeze(WINTER_NOW)
    for day in range(7):
        add_weekly(alice_coach, day, "06:00", "22:00")  # many slots
    session_type = SessionType.objects.get(coach=alice_coach)
    counts = []
    for week in ("2030-01-07", "2030-01-14", "2030-01-21"):
        with CaptureQueriesContext(connection) as queries:
            response = Client().get(
                f"/c/alice-adler/slots?session_type={session_type.public_id}&week={week}&tz=UTC",
                **HTMX,
            )
        assert response.status_code == 200
        assert len(times_in(response.content.decode())) > 100
        counts.append(len(queries))
    assert len(set(counts)) == 1, counts
    assert counts[0] <= 10, counts


def test_an_empty_directory_offers_becoming_a_coach_only_to_those_who_can(alice, bob, client):
    # Nobody is listed (Alice has no session type or hours yet).
    client.force_login(bob)
    assert "Become a coach" in client.get("/coaches/").content.decode()
    client.force_login(alice)
    page = client.get("/coaches/").content.decode()
    assert "No coaches are listed yet" in page
    assert "Become a coach" not in page


def test_money_is_written_one_way_on_coach_pages_and_payment_pages():
    # The coach page's price label and the payment pages' amounts come from one function.
    from decimal import Decimal

    from tandem.coaches.page_queries import format_money as coach_pages
    from tandem.payments.ledger.money import format_minor as payment_pages

    assert coach_pages(Decimal("1250.50"), "EUR") == payment_pages(125050, "EUR") == "1,250.50 EUR"
    assert coach_pages(Decimal("12000"), "JPY") == payment_pages(12000, "JPY") == "12,000 JPY"
    assert payment_pages(-1620, "EUR") == "-16.20 EUR"
