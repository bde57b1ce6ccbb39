"""iCalendar files: invitations (REQUEST/CANCEL) and the feed, parsed back with icalendar."""

import re
from datetime import timedelta

import pytest
from icalendar import Calendar

from tandem.booking import ical
from tandem.booking.models import Booking
from tandem.coaches.models import SessionType

from .calendar_data import make_booking, make_coach, make_type, only_event, utc

START = utc(2027, 3, 3, 9)


@pytest.fixture
def intro(alice) -> SessionType:
    return make_type(make_coach(alice), name="Intro")


@pytest.fixture
def booking(intro, bob) -> Booking:
    return make_booking(intro, bob, START, notes="Career change, please")


def reschedule(booking: Booking, start) -> Booking:
    # What the services do to a moved booking: new times, SEQUENCE bumped.
    booking.start, booking.end = start, start + timedelta(hours=1)
    booking.blocked_start, booking.blocked_end = booking.start, booking.end
    booking.sequence += 1
    booking.save()
    return booking


def cancel(booking: Booking) -> Booking:
    booking.status = Booking.Status.CANCELLED
    booking.sequence += 1
    booking.save()
    return booking


def test_a_request_invitation_describes_the_session(booking, alice, bob, settings):
    settings.TANDEM_SITE_URL = "https://tandem.example"
    data = ical.invitation(booking, "REQUEST", bob)
    calendar, event = only_event(data)

    assert calendar["METHOD"] == "REQUEST"
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == ical.PRODID
    assert event["UID"] == f"{booking.public_id}@tandem"
    assert event["SEQUENCE"] == 0
    assert event["STATUS"] == "CONFIRMED"
    assert event.decoded("DTSTART") == START
    assert event.decoded("DTEND") == START + timedelta(hours=1)
    assert b"DTSTART:20270303T090000Z" in data
    assert b"DTEND:20270303T100000Z" in data
    assert "DTSTAMP" in event
    assert event["SUMMARY"] == "Intro with Alice Adler"
    assert event["LOCATION"] == booking.meeting_url
    assert event["URL"] == f"https://tandem.example/sessions/{booking.public_id}/"
    assert booking.meeting_url in event["DESCRIPTION"]
    assert str(event["ORGANIZER"]) == "mailto:alice@example.com"
    assert event["ORGANIZER"].params["CN"] == "Alice Adler"
    assert str(event["ATTENDEE"]) == "mailto:bob@example.com"
    assert event["ATTENDEE"].params["CN"] == "Bob Brown"
    assert event["ATTENDEE"].params["PARTSTAT"] == "ACCEPTED"


def test_the_summary_names_the_other_party_and_only_the_coach_sees_the_notes(booking, alice, bob):
    _, for_coach = only_event(ical.invitation(booking, "REQUEST", alice))
    _, for_client = only_event(ical.invitation(booking, "REQUEST", bob))

    assert for_coach["SUMMARY"] == "Intro with Bob Brown"
    assert for_client["SUMMARY"] == "Intro with Alice Adler"
    assert "Career change, please" in for_coach["DESCRIPTION"]
    assert "Career change, please" not in for_client["DESCRIPTION"]


def test_reschedule_and_cancel_keep_the_uid_and_raise_the_sequence(booking, bob):
    _, first = only_event(ical.invitation(booking, "REQUEST", bob))
    moved = reschedule(booking, utc(2027, 3, 4, 15))
    _, second = only_event(ical.invitation(moved, "REQUEST", bob))
    calendar, third = only_event(ical.invitation(cancel(moved), "CANCEL", bob))

    assert first["UID"] == second["UID"] == third["UID"]
    assert first["SEQUENCE"] < second["SEQUENCE"] < third["SEQUENCE"]
    assert second.decoded("DTSTART") == utc(2027, 3, 4, 15)
    assert calendar["METHOD"] == "CANCEL"
    assert third["STATUS"] == "CANCELLED"
    assert third.decoded("DTSTART") == utc(2027, 3, 4, 15)


def test_a_cancelled_booking_cannot_be_sent_as_a_request(booking, bob):
    with pytest.raises(ValueError):
        ical.invitation(cancel(booking), "REQUEST", bob)


def test_a_pending_request_is_tentative(intro, bob):
    pending = make_booking(intro, bob, START, status=Booking.Status.PENDING)
    _, event = only_event(ical.invitation(pending, "REQUEST", bob))
    assert event["STATUS"] == "TENTATIVE"


def test_in_person_sessions_give_their_place(alice, bob):
    coach = make_coach(alice)
    walk = make_type(
        coach,
        name="Walk and talk",
        location_kind=SessionType.Location.IN_PERSON,
        location_detail="Tiergarten, main gate; by the café",
    )
    _, event = only_event(ical.invitation(make_booking(walk, bob, START), "REQUEST", bob))
    assert event["LOCATION"] == "Tiergarten, main gate; by the café"
    assert "Tiergarten" in event["DESCRIPTION"]
    assert "meet.jit.si" not in event["DESCRIPTION"]


def test_text_is_made_safe(intro, bob, alice):
    bob.display_name = 'Bob "B\x07" Brown'
    bob.save()
    tricky = make_booking(intro, bob, START)
    # Set in memory only: PostgreSQL refuses NUL outright, SQLite would store it.
    tricky.notes = "a,b;c\\d\x00e\r\nnext\x1bline"
    data = ical.invitation(tricky, "REQUEST", alice)
    _, event = only_event(data)

    assert b"\x00" not in data and b"\x07" not in data and b"\x1b" not in data
    # Escaped on the way out (RFC 5545 TEXT), intact on the way back in.
    assert b"a\\,b\\;c\\\\de\\nnextline" in data
    assert "a,b;c\\de\nnextline" in event["DESCRIPTION"]
    assert event["SUMMARY"] == 'Intro with Bob "B" Brown'
    assert event["ATTENDEE"].params["CN"] == 'Bob "B" Brown'


def test_the_feed_holds_both_roles_in_utc_without_a_method(intro, alice, bob, charlie):
    bob.timezone = "Pacific/Chatham"  # the viewer's zone never leaks into the file
    bob.save()
    bobs_coach = make_type(make_coach(bob, slug="bob"), name="Mentoring")
    as_client = make_booking(intro, bob, START)
    as_coach = make_booking(bobs_coach, charlie, START + timedelta(days=1))
    gone = cancel(make_booking(intro, bob, START + timedelta(days=2)))

    data = ical.feed(bob, [as_client, as_coach, gone])
    calendar = Calendar.from_ical(data)
    events = {str(e["UID"]): e for e in calendar.walk("VEVENT")}

    assert "METHOD" not in calendar
    assert calendar["X-WR-CALNAME"] == "Tandem sessions"
    assert events[ical.uid(as_client)]["SUMMARY"] == "Intro with Alice Adler"
    assert events[ical.uid(as_coach)]["SUMMARY"] == "Mentoring with Charlie Chen"
    assert events[ical.uid(as_client)]["STATUS"] == "CONFIRMED"
    assert events[ical.uid(gone)]["STATUS"] == "CANCELLED"
    assert events[ical.uid(gone)]["SEQUENCE"] == 1
    for event in events.values():
        assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert b"TZID" not in data
    times = [line for line in data.split(b"\r\n") if line.startswith((b"DTSTART", b"DTEND"))]
    assert len(times) == 6
    assert all(re.fullmatch(rb"DT(START|END):\d{8}T\d{6}Z", line) for line in times)


def test_an_empty_feed_is_still_a_calendar(bob):
    calendar = Calendar.from_ical(ical.feed(bob, []))
    assert calendar.walk("VEVENT") == []
    assert calendar["X-WR-CALNAME"] == "Tandem sessions"
