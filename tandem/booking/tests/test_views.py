"""The booking pages with Django's test client: the wizard, My sessions, a session's page,
reschedule, cancel, the coach's answers and policy, who may see what, and query counts.

Alice (coach, Berlin, open 08:00-20:00 daily), Bob (client, New York), Charlie (stranger,
Singapore). Times come from `at(days, hour)` (Berlin wall time, days ahead).
"""

import re
import uuid
from datetime import timedelta
from html import unescape
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.booking import services
from tandem.booking.models import Booking, Hold
from tandem.booking.tests.conftest import at, book_session, make_type
from tandem.coaches.models import CoachProfile

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def text_of(response) -> str:
    """The page's <main> as text (tags dropped, whitespace collapsed)."""
    html = response.content.decode()
    main = html.split('<main id="main"', 1)[-1].split(">", 1)[-1].split("</main>", 1)[0]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", main)).split())


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def hold_for(client: Client, start) -> Hold:
    """Choose `start` on the time step (the slot button's POST); return the hold it made."""
    response = client.post(
        "/book/alice/hold/",
        {"session_type": str(_type_id()), "start": start.isoformat(), "tz": "America/New_York"},
    )
    assert response.status_code == 302, response
    hold = Hold.objects.get()
    assert response["Location"] == f"/book/alice/review/{hold.public_id}/?tz=America/New_York"
    return hold


def _type_id() -> uuid.UUID:
    from tandem.coaches.models import SessionType

    return SessionType.objects.get(name="Coaching session").public_id


def snapshot(booking: Booking) -> tuple:
    booking.refresh_from_db()
    return (
        booking.status,
        booking.start,
        booking.sequence,
        booking.cancel_reason,
        booking.events.count(),
    )


# --- The wizard ----------------------------------------------------------------------------


def test_the_wizard_needs_a_signed_in_user(coach, session_type):
    response = Client().get("/book/alice/?start=x")
    assert response.status_code == 302
    url = urlsplit(response["Location"])
    assert url.path == "/accounts/login/"
    assert parse_qs(url.query)["next"] == ["/book/alice/?start=x"]
    assert Client().post("/book/alice/hold/").status_code == 302
    assert Hold.objects.count() == 0


def test_unknown_or_unlisted_coach_is_404(coach, session_type, bob):
    client = signed_in(bob)
    assert client.get("/book/nobody/").status_code == 404
    CoachProfile.objects.filter(pk=coach.pk).update(is_active=False)
    assert client.get("/book/alice/").status_code == 404
    assert client.post("/book/alice/hold/", {}).status_code == 404


def test_session_type_step_only_when_there_is_a_choice(coach, session_type, bob):
    client = signed_in(bob)
    # One session type: straight to the times.
    response = client.get("/book/alice/")
    assert response.templates[0].name == "booking/wizard_slot.html"
    # Two: choose first.
    intro = make_type(coach, name="Intro call", duration_minutes=30)
    response = client.get("/book/alice/")
    assert response.templates[0].name == "booking/wizard_type.html"
    text = text_of(response)
    assert "Coaching session" in text and "Intro call" in text and "80.00 EUR" in text
    assert f"/book/alice/?session_type={intro.public_id}" in response.content.decode()
    response = client.get(f"/book/alice/?session_type={intro.public_id}")
    assert response.templates[0].name == "booking/wizard_slot.html"
    assert "Change session" in text_of(response)


def test_time_step_shows_slots_and_suggestions_in_the_viewers_zone(coach, session_type, bob):
    response = signed_in(bob).get("/book/alice/")
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    assert "Times in America/New_York" in text
    assert "Alice Adler is in Europe/Berlin" in text
    # 10:00 in Berlin is a slot button carrying its New York time.
    local = at(2, 10).astimezone(NEW_YORK)
    assert f'name="start" value="{local.isoformat()}"' in html
    assert re.search(r"Suggested times", text)
    # Every time is a submit button of the form that holds it (works without JavaScript).
    form = html.split('action="/book/alice/hold/"', 1)[1].split("</form>", 1)[0]
    assert form.count('type="submit" name="start"') >= 10


def test_another_zone_can_be_chosen(coach, session_type, bob):
    response = signed_in(bob).get("/book/alice/?tz=Asia/Tokyo")
    assert "Times in Asia/Tokyo" in text_of(response)
    local = at(2, 10).astimezone(ZoneInfo("Asia/Tokyo"))
    assert f'value="{local.isoformat()}"' in response.content.decode()


def test_a_time_chosen_elsewhere_opens_its_week_ready_to_hold(coach, session_type, bob):
    start = at(20, 9)
    query = f"session_type={session_type.public_id}&start={start.isoformat()}"
    response = signed_in(bob).get(f"/book/alice/?{query}".replace("+", "%2B"))
    text = text_of(response)
    assert "Your chosen time" in text
    local = start.astimezone(NEW_YORK)
    assert f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M}" in text
    assert "Hold this time" in text
    assert f'id="day-{local.date().isoformat()}"' in response.content.decode()


@pytest.mark.parametrize("why", ["taken", "outside her hours"])
def test_a_link_to_a_time_no_longer_free_says_so_and_offers_no_hold(
    coach, session_type, bob, charlie, why
):
    start = at(20, 9)
    if why == "taken":
        hold_for(signed_in(charlie), start)  # another client holds it now
    else:
        start = at(20, 3)  # 03:00 in Berlin: never one of Alice's times
    query = f"session_type={session_type.public_id}&start={start.isoformat()}"
    response = signed_in(bob).get(f"/book/alice/?{query}".replace("+", "%2B"))
    assert response.status_code == 200
    text = text_of(response)
    assert "That time is no longer available; choose another one below." in text
    assert "Your chosen time" not in text and "Hold this time" not in text
    # The week of that time is shown, with the times that are free.
    local = start.astimezone(NEW_YORK)
    assert f'id="day-{local.date().isoformat()}"' in response.content.decode()


def test_choose_hold_review_and_book(coach, session_type, bob):
    client = signed_in(bob)
    start = at(3, 11)
    hold = hold_for(client, start)
    assert hold.client == bob and hold.start == start
    assert hold.expires_at > timezone.now() + timedelta(minutes=9)

    response = client.get(f"/book/alice/review/{hold.public_id}/?tz=America/New_York")
    assert response.status_code == 200
    html = response.content.decode()
    text = text_of(response)
    local = start.astimezone(NEW_YORK)
    assert f"{local:%H:%M}" in text and "(America/New_York)" in text
    assert "for Alice Adler (Europe/Berlin)" in text
    assert "This time is held for you until" in text
    seconds = int(re.search(r'data-seconds-left="(\d+)"', html).group(1))
    assert 540 <= seconds <= 600
    assert 'src="/static/tandem/booking.js"' in html
    assert "<script>" not in html  # CSP: no inline scripts
    key = re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', html).group(1)

    response = client.post(
        f"/book/alice/review/{hold.public_id}/?tz=America/New_York",
        {"notes": "  Career change  ", "idempotency_key": key},
    )
    booking = Booking.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/sessions/{booking.public_id}/"
    assert booking.status == Booking.Status.CONFIRMED
    assert booking.start == start and booking.notes == "Career change"
    assert not Hold.objects.exists()
    page = client.get(response["Location"])
    assert "Booked — your session with Alice Adler is confirmed." in messages_of(page)


def test_a_request_says_the_coach_will_confirm(coach, session_type, request_type, bob):
    client = signed_in(bob)
    response = client.post(
        "/book/alice/hold/",
        {"session_type": str(request_type.public_id), "start": at(4, 9).isoformat()},
    )
    hold = Hold.objects.get()
    assert response["Location"] == f"/book/alice/review/{hold.public_id}/"
    review = client.get(response["Location"])
    assert "Send request" in text_of(review)
    assert "Alice Adler confirms each request" in text_of(review)
    response = client.post(
        response["Location"], {"notes": "", "idempotency_key": "k-1"}, follow=True
    )
    assert Booking.objects.get().status == Booking.Status.PENDING
    assert "Request sent — Alice Adler will confirm." in messages_of(response)


def test_double_submit_with_the_same_key_books_once(coach, session_type, bob):
    client = signed_in(bob)
    hold = hold_for(client, at(3, 14))
    url = f"/book/alice/review/{hold.public_id}/"
    body = {"notes": "Hi", "idempotency_key": "same-key-123"}
    first = client.post(url, body)
    second = client.post(url, body)  # the hold is gone by now; the key finds the booking
    assert Booking.objects.count() == 1
    booking = Booking.objects.get()
    assert first["Location"] == second["Location"] == f"/sessions/{booking.public_id}/"
    assert booking.events.count() == 1


def test_a_taken_time_sends_the_client_back_with_a_message(coach, session_type, bob, charlie):
    start = at(3, 15)
    book_session(charlie, coach, session_type, start)
    client = signed_in(bob)
    response = client.post(
        "/book/alice/hold/",
        {
            "session_type": str(session_type.public_id),
            "start": start.isoformat(),
            "tz": "America/New_York",
            "week": "2030-01-07",
        },
        follow=True,
    )
    assert response.redirect_chain[0][0].startswith("/book/alice/?")
    query = parse_qs(urlsplit(response.redirect_chain[0][0]).query)
    assert query["tz"] == ["America/New_York"] and query["week"] == ["2030-01-07"]
    assert response.templates[0].name == "booking/wizard_slot.html"
    assert "That time is no longer available. Please choose another time." in messages_of(response)
    assert not Hold.objects.exists()
    assert Booking.objects.count() == 1


def test_a_time_taken_after_the_hold_lapsed_sends_back_too(coach, session_type, bob, charlie):
    start = at(3, 16)
    past = timezone.now() - timedelta(minutes=11)
    hold = services.hold_create(
        client=bob, coach=coach, session_type=session_type, start=start, now=past
    )
    client = signed_in(bob)
    # The review page says the hold expired (and goes back to the times).
    response = client.get(f"/book/alice/review/{hold.public_id}/", follow=True)
    assert "Your hold on that time expired. Please choose a time again." in messages_of(response)
    assert response.templates[0].name == "booking/wizard_slot.html"
    # Confirming anyway: hold_expired, nothing booked.
    response = client.post(
        f"/book/alice/review/{hold.public_id}/", {"idempotency_key": "k"}, follow=True
    )
    assert (
        "The hold on this time has expired; pick the time again. Please choose another time."
        in (messages_of(response))
    )
    assert not Booking.objects.exists()


def test_someone_elses_or_unknown_hold_is_not_shown(coach, session_type, bob, charlie):
    hold = services.hold_create(client=bob, coach=coach, session_type=session_type, start=at(4, 10))
    client = signed_in(charlie)
    response = client.get(f"/book/alice/review/{hold.public_id}/", follow=True)
    assert response.templates[0].name == "booking/wizard_slot.html"
    assert "Your hold on that time has ended. Please choose a time again." in messages_of(response)
    response = client.post(f"/book/alice/review/{hold.public_id}/", {"idempotency_key": "k"})
    assert response.status_code == 302
    assert not Booking.objects.exists() and Hold.objects.get().client == bob


def test_bad_notes_are_a_form_error_and_book_nothing(coach, session_type, bob):
    client = signed_in(bob)
    hold = hold_for(client, at(3, 12))
    url = f"/book/alice/review/{hold.public_id}/"
    response = client.post(url, {"notes": "a\x00b", "idempotency_key": "k1"})
    assert response.status_code == 400
    assert "Null characters are not allowed." in text_of(response)
    response = client.post(url, {"notes": "x" * 2001, "idempotency_key": "k1"})
    assert response.status_code == 400
    assert "at most 2000 characters" in text_of(response)
    response = client.post(url, {"notes": "ok"})  # no key: a tampered form
    assert response.status_code == 400
    assert not Booking.objects.exists()
    assert Hold.objects.filter(pk=hold.pk).exists()


def test_bad_slot_posts_are_messages_not_errors(coach, session_type, bob):
    client = signed_in(bob)
    for body in (
        {},
        {"session_type": "nope", "start": at(2, 10).isoformat()},
        {"session_type": str(session_type.public_id), "start": "tomorrow"},
        {"session_type": str(uuid.uuid4()), "start": at(2, 10).isoformat()},
        {"session_type": str(session_type.public_id), "start": "2020-01-01T10:00:00+00:00"},
        {"session_type": str(session_type.public_id), "start": at(2, 10, 7).isoformat()},
        {"session_type": str(session_type.public_id), "start": "2030-01-01T10:00:00\x00"},
    ):
        response = client.post("/book/alice/hold/", body, follow=True)
        assert response.status_code == 200, body
        assert response.templates[0].name == "booking/wizard_slot.html", body
        assert messages_of(response), body
    assert not Hold.objects.exists()


def test_booking_yourself_is_refused_with_a_message(coach, session_type, alice):
    response = signed_in(alice).post(
        "/book/alice/hold/",
        {"session_type": str(session_type.public_id), "start": at(2, 10).isoformat()},
        follow=True,
    )
    assert "You cannot book a session with yourself." in messages_of(response)
    assert not Hold.objects.exists()


def test_the_coach_page_slots_lead_into_the_wizard(coach, session_type):
    html = Client().get("/c/alice/?tz=America/New_York").content.decode()
    links = re.findall(
        r'<a href="(/book/alice/\?[^"]+)" class="btn btn-sm btn-outline-primary picker-slot"', html
    )
    assert links
    query = parse_qs(urlsplit(unescape(links[0])).query)
    assert query["session_type"] == [str(session_type.public_id)]
    assert query["tz"] == ["America/New_York"]
    assert query["start"][0].endswith(("-05:00", "-04:00"))
    assert "Booking opens in the next release" not in html


# --- My sessions ---------------------------------------------------------------------------


def test_my_sessions_lists_upcoming_in_the_viewers_zone(coach, session_type, bob):
    booking = book_session(bob, coach, session_type, at(3, 10))
    response = signed_in(bob).get("/sessions/")
    assert response.status_code == 200
    text = text_of(response)
    assert "Times in America/New_York" in text
    local = booking.start.astimezone(NEW_YORK)
    assert f"{local:%a} {local.day} {local:%b %Y}, {local:%H:%M}" in text
    assert "with Alice Adler" in text and "Confirmed" in text
    assert f'href="/sessions/{booking.public_id}/"' in response.content.decode()
    # Nav and dashboard link here.
    assert 'href="/sessions/" aria-current="page"' in response.content.decode()
    assert 'href="/sessions/"' in signed_in(bob).get("/dashboard/").content.decode()


def test_empty_states_say_what_to_do_next(bob):
    client = signed_in(bob)
    for tab, title in (
        ("upcoming", "No upcoming sessions"),
        ("past", "No past sessions yet"),
        ("cancelled", "Nothing cancelled"),
    ):
        response = client.get(f"/sessions/?tab={tab}")
        assert title in text_of(response)
        assert 'href="/coaches/"' in response.content.decode()
    assert "Your role" not in response.content.decode()  # Bob only books


def test_tabs_and_role_filter(coach, session_type, alice, bob, charlie):
    # Alice coaches Bob and, with another coach, is a client herself.
    upcoming = book_session(bob, coach, session_type, at(3, 10))
    cancelled = book_session(charlie, coach, session_type, at(4, 10))
    services.booking_cancel(booking_id=cancelled.public_id, user=charlie, reason_code="illness")
    from conftest import make_user
    from tandem.booking.tests.conftest import make_coach

    dora = make_user("dora@example.com", name="Dora Diaz", zone="Europe/Madrid")
    dora_type = make_type(make_coach(dora, slug="dora"))
    as_client = book_session(alice, dora.coach_profile, dora_type, at(5, 10))
    client = signed_in(alice)

    html = client.get("/sessions/").content.decode()
    assert all(str(b.public_id) in html for b in (upcoming, as_client))
    assert str(cancelled.public_id) not in html
    assert "Your role" in html
    html = client.get("/sessions/?role=coach").content.decode()
    assert str(upcoming.public_id) in html and str(as_client.public_id) not in html
    html = client.get("/sessions/?role=client").content.decode()
    assert str(upcoming.public_id) not in html and str(as_client.public_id) in html
    html = client.get("/sessions/?tab=cancelled").content.decode()
    assert str(cancelled.public_id) in html and "Cancelled" in html
    # Unknown values fall back rather than fail.
    assert client.get("/sessions/?tab=nope&role=nope").status_code == 200


def test_load_more_pages_with_a_cursor(coach, session_type, bob):
    for day in range(2, 25):
        book_session(bob, coach, session_type, at(day, 9))
    client = signed_in(bob)
    first = client.get("/sessions/")
    html = first.content.decode()
    assert html.count('class="card shadow-sm session-row"') == 20
    more = unescape(re.search(r'href="(/sessions/\?[^"]*cursor=[^"]+)"', html).group(1))
    second = client.get(more)
    assert second.content.decode().count('class="card shadow-sm session-row"') == 3
    assert "Back to the first page" in text_of(second)
    assert "Load more sessions" not in text_of(second)
    # Over htmx: just the rows, plus the next "Load more" out of band.
    partial = client.get(more, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="session-list")
    body = partial.content.decode()
    assert "<main" not in body and body.count("session-row") == 3
    assert 'hx-swap-oob="outerHTML"' in body and "data-first-new" in body
    # A doctored cursor is a clear 400, not a 500.
    bad = client.get("/sessions/?cursor=garbage")
    assert bad.status_code == 400
    assert "That page of sessions is no longer available." in text_of(bad)


def test_coach_sees_requests_and_accepts_one(coach, request_type, alice, bob):
    booking = book_session(bob, coach, request_type, at(3, 10), notes="About my team")
    client = signed_in(alice)
    response = client.get("/sessions/")
    text = text_of(response)
    assert "Requests awaiting you" in text
    assert "Bob Brown" in text and "About my team" in text
    response = client.post(
        f"/sessions/{booking.public_id}/accept/", {"next": "/sessions/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/sessions/"
    assert "Request accepted: the session is confirmed." in messages_of(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED
    assert "Requests awaiting you" not in text_of(response)
    # Again: a refusal shown as a message, not an error page.
    response = client.post(f"/sessions/{booking.public_id}/accept/", follow=True)
    assert "This booking is not awaiting confirmation." in messages_of(response)


def test_coach_declines_with_a_message(coach, request_type, alice, bob):
    booking = book_session(bob, coach, request_type, at(3, 10))
    response = signed_in(alice).post(
        f"/sessions/{booking.public_id}/decline/",
        {"message": "Fully booked that week, sorry.", "next": "https://evil.example/"},
    )
    # An outside `next` is ignored.
    assert response["Location"] == f"/sessions/{booking.public_id}/"
    booking.refresh_from_db()
    assert booking.status == Booking.Status.DECLINED
    assert booking.cancel_message == "Fully booked that week, sorry."
    text = text_of(signed_in(bob).get(f"/sessions/{booking.public_id}/"))
    assert "Declined by the coach" in text and "Fully booked that week, sorry." in text


def test_the_client_cannot_answer_their_own_request(coach, request_type, bob):
    booking = book_session(bob, coach, request_type, at(3, 10))
    before = snapshot(booking)
    response = signed_in(bob).post(f"/sessions/{booking.public_id}/accept/", follow=True)
    assert "Only the coach can do that." in messages_of(response)
    assert snapshot(booking) == before


# --- A session's page ----------------------------------------------------------------------


def test_session_page_for_the_client(coach, session_type, bob):
    booking = book_session(bob, coach, session_type, at(5, 10), notes="My notes")
    services.booking_reschedule(
        booking_id=booking.public_id, user=bob, start=at(5, 12), reason="Dentist"
    )
    response = signed_in(bob).get(f"/sessions/{booking.public_id}/")
    assert response.status_code == 200
    text = text_of(response)
    html = response.content.decode()
    local = at(5, 12).astimezone(NEW_YORK)
    assert f"{local:%H:%M}" in text and "(America/New_York)" in text
    assert "for Alice Adler (Europe/Berlin)" in text
    assert "Coaching session" in text and "80.00 EUR" in text and "My notes" in text
    assert booking.meeting_url in html
    # Policy box, timeline, buttons.
    assert "Free cancellation until" in text and "Reschedule until" in text
    assert "Booked by You" in text and "Rescheduled by You" in text and "Dentist" in text
    assert f'href="/sessions/{booking.public_id}/reschedule/"' in html
    assert f'href="/sessions/{booking.public_id}/cancel/"' in html
    assert f'href="/sessions/{booking.public_id}/calendar.ics"' in html
    assert "Accept request" not in text and "Mark completed" not in text


def test_session_page_for_the_coach_after_the_end(coach, session_type, alice, bob):
    booking = book_session(bob, coach, session_type, at(3, 10))
    Booking.objects.filter(pk=booking.pk).update(
        start=at(-2, 10), end=at(-2, 11), blocked_start=at(-2, 10), blocked_end=at(-2, 11)
    )
    client = signed_in(alice)
    text = text_of(client.get(f"/sessions/{booking.public_id}/"))
    assert "Mark completed" in text and "Mark no-show" in text
    assert "Reschedule" not in text
    assert "for Bob Brown (America/New_York)" in text
    response = client.post(f"/sessions/{booking.public_id}/complete/", follow=True)
    assert "Marked as completed." in messages_of(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.COMPLETED
    assert "Mark completed" not in text_of(response)


def test_the_calendar_file(coach, session_type, bob):
    booking = book_session(bob, coach, session_type, at(3, 10))
    response = signed_in(bob).get(f"/sessions/{booking.public_id}/calendar.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    assert response["Content-Disposition"].startswith("attachment;")
    assert f"UID:{booking.public_id}@tandem" in response.content.decode()


def test_charlie_gets_404_everywhere_and_changes_nothing(
    coach, session_type, request_type, bob, charlie
):
    booking = book_session(bob, coach, session_type, at(5, 10))
    request = book_session(bob, coach, request_type, at(6, 10))
    client = signed_in(charlie)
    for target in (booking, request):
        base = f"/sessions/{target.public_id}/"
        for path in ("", "reschedule/", "cancel/", "cancelled/", "calendar.ics"):
            assert client.get(base + path).status_code == 404, path
        before = snapshot(target)
        for path, body in (
            ("cancel/", {"reason_code": "illness"}),
            ("reschedule/", {"start": at(7, 10).isoformat()}),
            ("accept/", {}),
            ("decline/", {"message": "no"}),
            ("complete/", {}),
            ("no-show/", {}),
        ):
            assert client.post(base + path, body).status_code == 404, path
        assert snapshot(target) == before
    # Unknown and malformed ids: 404 too.
    assert client.get(f"/sessions/{uuid.uuid4()}/").status_code == 404
    assert client.get("/sessions/not-a-uuid/").status_code == 404
    # Signed out: the sign-in page, not the session.
    assert Client().get(f"/sessions/{booking.public_id}/").status_code == 302


# --- Reschedule ----------------------------------------------------------------------------


def test_reschedule_picks_a_new_time_and_moves(coach, session_type, bob):
    booking = book_session(bob, coach, session_type, at(5, 10))
    client = signed_in(bob)
    url = f"/sessions/{booking.public_id}/reschedule/"
    response = client.get(url)
    html = response.content.decode()
    text = text_of(response)
    assert "You can move it until" in text and "Times in America/New_York" in text
    assert "Suggested times" in text
    # The booking's own time does not block: 10:30 overlaps it, yet it is offered.
    own_week = f"week={at(5, 10).astimezone(NEW_YORK).date().isoformat()}"
    html = client.get(f"{url}?{own_week}").content.decode()
    overlap = at(5, 10, 30).astimezone(NEW_YORK).isoformat().replace(":", "%3A").replace("+", "%2B")
    assert f"start={overlap}" in html

    new = at(6, 15)
    response = client.get(f"{url}?start={new.isoformat()}".replace("+", "%2B"))
    text = text_of(response)
    assert "Confirm the new time" in text
    response = client.post(url, {"start": new.isoformat(), "reason": "Work trip"}, follow=True)
    assert response.redirect_chain[-1][0] == f"/sessions/{booking.public_id}/"
    assert "Session moved. The other participant has been told." in messages_of(response)
    booking.refresh_from_db()
    assert booking.start == new and booking.sequence == 1
    assert booking.events.last().message == "Work trip"


def test_reschedule_to_a_taken_time_keeps_the_booking(coach, session_type, bob, charlie):
    booking = book_session(bob, coach, session_type, at(5, 10))
    book_session(charlie, coach, session_type, at(6, 10))
    before = snapshot(booking)
    response = signed_in(bob).post(
        f"/sessions/{booking.public_id}/reschedule/", {"start": at(6, 10).isoformat()}
    )
    assert response.status_code == 409
    assert "That time is no longer available." in text_of(response)
    assert snapshot(booking) == before


def test_reschedule_after_the_deadline_offers_cancel(coach, session_type, bob):
    CoachProfile.objects.filter(pk=coach.pk).update(reschedule_min_hours=720)
    booking = book_session(bob, coach, session_type, at(5, 10))
    # Booked in good time (40 days ahead), so rescheduling was open and has now closed.
    Booking.objects.filter(pk=booking.pk).update(created_at=booking.start - timedelta(days=40))
    response = signed_in(bob).get(f"/sessions/{booking.public_id}/reschedule/")
    text = text_of(response)
    assert "It’s too late to move this session." in text
    assert "until 720 hours before a session" in text
    assert f'href="/sessions/{booking.public_id}/cancel/"' in response.content.decode()
    assert "Choose a new time" not in text
    before = snapshot(booking)
    response = signed_in(bob).post(
        f"/sessions/{booking.public_id}/reschedule/", {"start": at(6, 10).isoformat()}
    )
    assert response.status_code == 409
    assert snapshot(booking) == before


# --- Cancel --------------------------------------------------------------------------------


def test_cancel_with_other_and_no_text_is_a_form_error(coach, session_type, bob):
    booking = book_session(bob, coach, session_type, at(5, 10))
    before = snapshot(booking)
    url = f"/sessions/{booking.public_id}/cancel/"
    response = signed_in(bob).post(url, {"reason_code": "other", "message": "  "})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'Say why in a few words when the reason is "other".' in unescape(html)
    assert 'id="id_message_error"' in html
    assert 'value="other" selected' in html  # the form keeps the input
    assert snapshot(booking) == before
    response = signed_in(bob).post(url, {"reason_code": "bogus"})
    assert response.status_code == 400
    assert snapshot(booking) == before


def test_cancel_warns_about_impact_and_lateness(coach, session_type, bob):
    CoachProfile.objects.filter(pk=coach.pk).update(cancel_free_hours=72)
    soon = book_session(bob, coach, session_type, at(1, 19))
    # Booked before the free window closed (not at short notice, which has its grace).
    Booking.objects.filter(pk=soon.pk).update(created_at=soon.start - timedelta(hours=73))
    text = text_of(signed_in(bob).get(f"/sessions/{soon.public_id}/cancel/"))
    assert "This is a late cancellation." in text
    assert "72 hours before the start" in text
    assert re.search(r"(High|Medium) impact", text)
    later = book_session(bob, coach, session_type, at(10, 10))
    response = signed_in(bob).get(f"/sessions/{later.public_id}/cancel/")
    text = text_of(response)
    assert "Low impact" in text and "late cancellation" not in text
    assert "Free cancellation until" in text
    assert 'class="alert alert-info impact impact-low"' in response.content.decode()
    for code in services.CANCEL_REASONS:
        assert f'value="{code}"' in response.content.decode()


def test_cancel_then_see_alternatives(coach, session_type, bob):
    booking = book_session(bob, coach, session_type, at(5, 10))
    client = signed_in(bob)
    response = client.post(
        f"/sessions/{booking.public_id}/cancel/",
        {"reason_code": "other", "message": "Changed plans"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == f"/sessions/{booking.public_id}/cancelled/"
    assert "Session cancelled. Alice Adler has been told." in messages_of(response)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED
    assert booking.cancel_reason == "other" and booking.cancel_message == "Changed plans"
    html = response.content.decode()
    assert "Book another time with Alice Adler" in text_of(response)
    links = re.findall(r'href="(/book/alice/\?[^"]+)"', html)
    assert len(links) == 3
    query = parse_qs(urlsplit(unescape(links[0])).query)
    assert query["session_type"] == [str(session_type.public_id)]
    assert "start" in query
    # The alternative opens the wizard ready to hold.
    assert "Your chosen time" in text_of(client.get(unescape(links[0])))
    # Cancelling again is refused on the page, and the detail shows the cancellation.
    text = text_of(client.get(f"/sessions/{booking.public_id}/cancel/"))
    assert "can’t be cancelled" in text
    text = text_of(client.get(f"/sessions/{booking.public_id}/"))
    assert "Cancelled" in text and "Changed plans" in text and "Reason: Other" in text


def test_the_coach_cancelling_sees_no_alternatives(coach, session_type, alice, bob):
    booking = book_session(bob, coach, session_type, at(5, 10))
    response = signed_in(alice).post(
        f"/sessions/{booking.public_id}/cancel/", {"reason_code": "illness"}, follow=True
    )
    assert "Session cancelled. Bob Brown has been told." in messages_of(response)
    assert "Book another time" not in text_of(response)


def test_the_result_page_of_an_active_session_goes_to_its_page(coach, session_type, bob):
    booking = book_session(bob, coach, session_type, at(5, 10))
    response = signed_in(bob).get(f"/sessions/{booking.public_id}/cancelled/")
    assert response["Location"] == f"/sessions/{booking.public_id}/"


# --- The coach's policy --------------------------------------------------------------------


def test_policy_form_saves_and_validates(coach, alice, bob):
    client = signed_in(alice)
    response = client.get("/coach/policy/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="cancel_free_hours"' in html and 'value="24"' in html
    assert 'href="/coach/policy/"' in html  # in the settings navigation
    response = client.post(
        "/coach/policy/", {"cancel_free_hours": "48", "reschedule_min_hours": "0"}
    )
    assert response["Location"] == "/coach/policy/"
    coach.refresh_from_db()
    assert (coach.cancel_free_hours, coach.reschedule_min_hours) == (48, 0)
    for body in (
        {"cancel_free_hours": "721", "reschedule_min_hours": "1"},
        {"cancel_free_hours": "-1", "reschedule_min_hours": "1"},
        {"cancel_free_hours": "abc", "reschedule_min_hours": "1"},
        {"cancel_free_hours": "1"},
    ):
        response = client.post("/coach/policy/", body)
        assert response.status_code == 400, body
        assert 'class="field-errors"' in response.content.decode(), body
    assert "Enter a number from 0 to 720." in text_of(
        client.post("/coach/policy/", {"cancel_free_hours": "721", "reschedule_min_hours": "1"})
    )
    coach.refresh_from_db()
    assert (coach.cancel_free_hours, coach.reschedule_min_hours) == (48, 0)
    # Not a coach: the page does not exist.
    assert signed_in(bob).get("/coach/policy/").status_code == 404
    assert signed_in(bob).post("/coach/policy/", {"cancel_free_hours": "1"}).status_code == 404


# --- Query counts --------------------------------------------------------------------------


def count_queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(queries)


def test_pages_make_a_constant_number_of_queries(coach, session_type, request_type, alice, bob):
    first = book_session(bob, coach, session_type, at(2, 9))
    book_session(bob, coach, request_type, at(2, 15))
    client, coach_client = signed_in(bob), signed_in(alice)
    urls = {
        "sessions": (client, "/sessions/"),
        "sessions_coach": (coach_client, "/sessions/"),
        "detail": (client, f"/sessions/{first.public_id}/"),
        "wizard": (client, f"/book/alice/?session_type={session_type.public_id}"),
        "reschedule": (client, f"/sessions/{first.public_id}/reschedule/"),
        "cancel": (client, f"/sessions/{first.public_id}/cancel/"),
    }
    before = {name: count_queries(c, url) for name, (c, url) in urls.items()}
    for day in range(3, 12):
        book_session(bob, coach, session_type, at(day, 9))
        book_session(bob, coach, request_type, at(day, 15))
    for n in range(5):
        services.booking_reschedule(booking_id=first.public_id, user=bob, start=at(2, 10 + n % 2))
    after = {name: count_queries(c, url) for name, (c, url) in urls.items()}
    assert after == before
