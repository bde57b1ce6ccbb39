"""The calendar feed URL: tokens, the .ics view, and the settings page that shows it."""

from datetime import datetime, timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from tandem.booking import feeds, ical
from tandem.booking.models import Booking, CalendarFeed
from tandem.coaches.models import SessionType

from .calendar_data import make_booking, make_coach, make_type


@pytest.fixture
def intro(alice) -> SessionType:
    return make_type(make_coach(alice), name="Intro")


def soon(days: float) -> datetime:
    return (timezone.now() + timedelta(days=days)).replace(microsecond=0)


def feed_path(token: str) -> str:
    return reverse("calendar_feed", kwargs={"token": token})


def uids(response) -> set[str]:
    return {str(e["UID"]) for e in Calendar.from_ical(response.content).walk("VEVENT")}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- Tokens --------------------------------------------------------------------------------


def test_the_token_is_made_once_and_kept(bob):
    first = feeds.feed_token_for(bob)
    again = feeds.feed_token_for(bob)
    assert first.pk == again.pk and first.token == again.token
    assert len(first.token) == 43
    assert CalendarFeed.objects.filter(user=bob).count() == 1


def test_malformed_tokens_are_refused_without_a_query(bob, django_assert_num_queries):
    real = feeds.feed_token_for(bob).token
    with django_assert_num_queries(0):
        for junk in ["", "short", real + "x", real[:-1] + "!", real[:-1] + "é", "x" * 2000]:
            assert feeds.feed_user(junk) is None
    with django_assert_num_queries(1):
        assert feeds.feed_user(real) == bob


def test_a_deactivated_user_has_no_feed(bob):
    token = feeds.feed_token_for(bob).token
    bob.is_active = False
    bob.save()
    assert feeds.feed_user(token) is None


# --- The .ics view -------------------------------------------------------------------------


def test_the_feed_answers_a_calendar_privately_cached(intro, bob, client):
    booking = make_booking(intro, bob, soon(3))
    response = client.get(feed_path(feeds.feed_token_for(bob).token))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cache_control = {part.strip() for part in response["Cache-Control"].split(",")}
    assert cache_control == {"private", "max-age=300"}
    assert uids(response) == {ical.uid(booking)}


def test_an_unknown_token_is_404(bob, client):
    feeds.feed_token_for(bob)
    assert client.get(feed_path("A" * 43)).status_code == 404
    assert client.get(feed_path("not-a-token")).status_code == 404


def test_regenerating_retires_the_old_url(intro, bob, client):
    make_booking(intro, bob, soon(3))
    old = feeds.feed_token_for(bob).token
    new = feeds.feed_regenerate(bob).token

    assert new != old
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200


def test_each_user_sees_only_their_own_sessions(intro, alice, bob, charlie, client):
    bobs = make_booking(intro, bob, soon(2))
    charlies = make_booking(intro, charlie, soon(4))

    charlie_feed = client.get(feed_path(feeds.feed_token_for(charlie).token))
    alice_feed = client.get(feed_path(feeds.feed_token_for(alice).token))

    assert uids(charlie_feed) == {ical.uid(charlies)}
    # Alice coaches both sessions; her feed has both, seen from the coach's side.
    assert uids(alice_feed) == {ical.uid(bobs), ical.uid(charlies)}
    summaries = {str(e["SUMMARY"]) for e in Calendar.from_ical(alice_feed.content).walk("VEVENT")}
    assert summaries == {"Intro with Bob Brown", "Intro with Charlie Chen"}


def test_the_feed_covers_90_days_back_to_a_year_ahead(intro, bob, client):
    S = Booking.Status
    inside = {
        make_booking(intro, bob, soon(-89), status=S.COMPLETED),
        make_booking(intro, bob, soon(1), status=S.PENDING),
        make_booking(intro, bob, soon(2)),
        make_booking(intro, bob, soon(365)),
    }
    cancelled = make_booking(intro, bob, soon(5), status=S.CANCELLED, sequence=1)
    declined = make_booking(intro, bob, soon(6), status=S.DECLINED, sequence=1)
    make_booking(intro, bob, soon(-91), status=S.COMPLETED)
    make_booking(intro, bob, soon(367))

    response = client.get(feed_path(feeds.feed_token_for(bob).token))
    events = {str(e["UID"]): e for e in Calendar.from_ical(response.content).walk("VEVENT")}

    assert set(events) == {ical.uid(b) for b in inside | {cancelled, declined}}
    # Ended requests stay in as CANCELLED, so calendars that copied them drop them.
    assert events[ical.uid(cancelled)]["STATUS"] == "CANCELLED"
    assert events[ical.uid(declined)]["STATUS"] == "CANCELLED"
    statuses = {str(events[ical.uid(b)]["STATUS"]) for b in inside}
    assert statuses == {"CONFIRMED", "TENTATIVE"}


def test_the_feed_costs_the_same_queries_for_1_or_10_sessions(
    alice, bob, charlie, client, django_assert_num_queries
):
    intro = make_type(make_coach(alice), name="Intro")
    bobs_type = make_type(make_coach(bob, slug="bob"), name="Mentoring")
    make_booking(intro, bob, soon(1))
    path = feed_path(feeds.feed_token_for(bob).token)
    with django_assert_num_queries(2):  # the token's owner, then the sessions
        assert len(uids(client.get(path))) == 1

    for day in range(2, 7):
        make_booking(intro, bob, soon(day))  # Bob as client
        make_booking(bobs_type, charlie, soon(day + 0.5))  # Bob as coach
    with django_assert_num_queries(2):
        assert len(uids(client.get(path))) == 11


# --- Settings page -------------------------------------------------------------------------


def test_the_settings_page_needs_a_login(client):
    response = client.get(reverse("settings_calendar"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_settings_page_shows_the_absolute_feed_url(bob, settings):
    settings.TANDEM_SITE_URL = "https://tandem.example"
    response = signed_in(bob).get(reverse("settings_calendar"))
    token = CalendarFeed.objects.get(user=bob).token

    assert response.status_code == 200
    html = response.content.decode()
    assert f"https://tandem.example/calendar/{token}.ics" in html
    assert f"webcal://tandem.example/calendar/{token}.ics" in html
    assert 'data-copy-target="calendar-feed-url"' in html
    # Linked from the settings navigation, and marked as the current page.
    assert f'href="{reverse("settings_calendar")}"' in html
    assert 'aria-current="page"><i class="bi bi-calendar-check"' in html


def test_regenerating_from_the_settings_page_changes_the_url(bob, client):
    browser = signed_in(bob)
    browser.get(reverse("settings_calendar"))
    old = CalendarFeed.objects.get(user=bob).token

    confirm = browser.get(reverse("settings_calendar_regenerate"))
    assert confirm.status_code == 200
    assert CalendarFeed.objects.get(user=bob).token == old  # asking is not doing

    response = browser.post(reverse("settings_calendar_regenerate"), follow=True)
    new = CalendarFeed.objects.get(user=bob).token
    assert new != old
    assert response.redirect_chain[-1][0] == reverse("settings_calendar")
    html = response.content.decode()
    assert new in html and old not in html
    assert client.get(feed_path(old)).status_code == 404
    assert client.get(feed_path(new)).status_code == 200


def test_another_user_never_sees_or_changes_someone_elses_url(alice, charlie):
    alice_token = feeds.feed_token_for(alice).token
    charlie_browser = signed_in(charlie)

    page = charlie_browser.get(reverse("settings_calendar")).content.decode()
    charlie_browser.post(reverse("settings_calendar_regenerate"))

    assert alice_token not in page
    assert CalendarFeed.objects.get(user=alice).token == alice_token
    assert CalendarFeed.objects.get(user=charlie).token not in (alice_token, "")


def test_regenerating_needs_a_login_and_a_post(bob, client):
    token = feeds.feed_token_for(bob).token
    assert client.post(reverse("settings_calendar_regenerate")).status_code == 302
    assert signed_in(bob).put(reverse("settings_calendar_regenerate")).status_code == 405
    assert CalendarFeed.objects.get(user=bob).token == token
