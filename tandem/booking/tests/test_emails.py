"""Booking emails over real SMTP: who gets what, in whose time zone, with which invitation."""

from datetime import timedelta
from email.message import EmailMessage
from html import unescape

import pytest
from django.utils.html import strip_tags
from icalendar import Calendar, Event

from tandem.booking import ical
from tandem.booking.emails import BookingEmailsFailed, send_booking_emails
from tandem.booking.models import Booking, BookingEvent
from tandem.booking.tasks import booking_changed_task
from tandem.coaches.models import SessionType

from .calendar_data import make_booking, make_coach, make_type, utc

START = utc(2027, 3, 3, 9)  # a Wednesday; Berlin is UTC+1, New York UTC-5 in early March
ALICE_WHEN = "Wednesday 3 March 2027, 10:00–11:00 (Europe/Berlin)"
BOB_WHEN = "Wednesday 3 March 2027, 04:00–05:00 (America/New_York)"
S = Booking.Status


@pytest.fixture
def intro(alice) -> SessionType:
    return make_type(make_coach(alice), name="Intro")


@pytest.fixture
def site(settings):
    settings.TANDEM_SITE_URL = "https://tandem.example"
    return settings.TANDEM_SITE_URL


def subject(message: EmailMessage) -> str:
    # Django folds a non-ASCII subject onto a continuation line; parsed back, the folding
    # leaves a leading space that mail clients do not show.
    return str(message["Subject"]).strip()


def plain(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain",))
    assert part is not None
    return part.get_content()


def html(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("html",))
    assert part is not None
    return part.get_content()


def invitations(message: EmailMessage) -> list[EmailMessage]:
    return [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]


def invitation(message: EmailMessage, method: str) -> tuple[Calendar, Event]:
    [part] = invitations(message)
    assert part.get_filename() == "invite.ics"
    assert part.get_param("method") == method
    assert part.get_content_charset() == "utf-8"
    calendar = Calendar.from_ical(part.get_content())
    assert calendar["METHOD"] == method
    [event] = calendar.walk("VEVENT")
    assert isinstance(event, Event)
    return calendar, event


def html_text(message: EmailMessage) -> str:
    """The HTML part as a reader sees it: tags gone, entities decoded, spaces collapsed."""
    return " ".join(unescape(strip_tags(html(message))).split())


def both_say(message: EmailMessage, *texts: str) -> None:
    for text in texts:
        assert text in plain(message), text
        assert text in html_text(message), text


def cancel(booking: Booking, by, *, late: bool = False, reason: str = "illness") -> Booking:
    booking.status = S.CANCELLED
    booking.cancelled_by = by
    booking.cancel_reason = reason
    booking.cancel_message = "So sorry & see you soon"
    booking.late_cancellation = late
    booking.sequence += 1
    booking.save()
    return booking


# --- Requests ------------------------------------------------------------------------------


def test_a_request_asks_the_coach_to_answer_and_tells_the_client_it_was_sent(
    intro, bob, smtp_mailbox, site
):
    pending = make_booking(
        intro, bob, START, status=S.PENDING, pending_expires_at=utc(2027, 3, 2, 9)
    )
    send_booking_emails(pending.pk, "requested")

    to_alice = smtp_mailbox.wait_for("alice@example.com", subject="New request from Bob Brown")
    to_bob = smtp_mailbox.wait_for("bob@example.com", subject="Request sent")
    assert subject(to_alice) == "[Tandem] New request from Bob Brown — accept or decline"
    assert subject(to_bob) == "[Tandem] Request sent: Intro with Alice Adler on Wednesday 3 March"
    both_say(to_alice, ALICE_WHEN, f"{site}/sessions/{pending.public_id}/", "Accept or decline")
    both_say(to_alice, "Tuesday 2 March 2027, 10:00 (Europe/Berlin)")  # answer by
    both_say(to_bob, BOB_WHEN, "not confirmed yet")
    # Where to choose what Tandem sends: a link in both parts.
    assert f"{site}/settings/notifications/" in plain(to_bob)
    html = to_bob.get_body(preferencelist=("html",)).get_content()
    assert f'href="{site}/settings/notifications/"' in html
    # A pending request puts nothing in anyone's calendar (see emails.py).
    assert invitations(to_alice) == [] and invitations(to_bob) == []
    assert len(smtp_mailbox.messages) == 2


# --- Confirmations and reschedules -----------------------------------------------------------


def test_a_confirmation_goes_to_both_with_an_invitation_in_their_own_zone(
    intro, bob, smtp_mailbox, site
):
    booking = make_booking(intro, bob, START, notes="Career change")
    send_booking_emails(booking.pk, "confirmed")

    to_alice = smtp_mailbox.wait_for("alice@example.com", subject="Confirmed")
    to_bob = smtp_mailbox.wait_for("bob@example.com", subject="Confirmed")
    assert subject(to_alice) == "[Tandem] Confirmed: Intro with Bob Brown on Wednesday 3 March"
    assert subject(to_bob) == "[Tandem] Confirmed: Intro with Alice Adler on Wednesday 3 March"
    assert to_bob["Auto-Submitted"] == "auto-generated"
    session_link = f"{site}/sessions/{booking.public_id}/"
    both_say(to_alice, ALICE_WHEN, session_link, booking.meeting_url, "Career change")
    both_say(to_bob, BOB_WHEN, session_link, booking.meeting_url)
    assert "Career change" not in plain(to_bob)
    assert "(Europe/Berlin)" not in plain(to_bob)

    _, alices = invitation(to_alice, "REQUEST")
    _, bobs = invitation(to_bob, "REQUEST")
    assert alices["UID"] == bobs["UID"] == ical.uid(booking)
    assert alices["SUMMARY"] == "Intro with Bob Brown"
    assert bobs["SUMMARY"] == "Intro with Alice Adler"
    assert bobs["STATUS"] == "CONFIRMED" and bobs["SEQUENCE"] == 0
    assert bobs.decoded("DTSTART") == START


def test_a_reschedule_shows_old_and_new_times_and_updates_the_same_event(intro, bob, smtp_mailbox):
    booking = make_booking(intro, bob, START)
    new_start = START + timedelta(days=1, hours=5)  # Thursday 14:00 UTC
    booking.start, booking.end = new_start, new_start + timedelta(hours=1)
    booking.blocked_start, booking.blocked_end = booking.start, booking.end
    booking.sequence = 1
    booking.save()

    send_booking_emails(booking.pk, "rescheduled", START.isoformat())

    to_alice = smtp_mailbox.wait_for("alice@example.com", subject="Rescheduled")
    to_bob = smtp_mailbox.wait_for("bob@example.com", subject="Rescheduled")
    assert subject(to_bob) == (
        "[Tandem] Rescheduled: Intro with Alice Adler, now on Thursday 4 March"
    )
    both_say(to_alice, ALICE_WHEN, "Thursday 4 March 2027, 15:00–16:00 (Europe/Berlin)")
    both_say(to_bob, BOB_WHEN, "Thursday 4 March 2027, 09:00–10:00 (America/New_York)")
    assert f"from {BOB_WHEN} to Thursday 4 March 2027, 09:00" in plain(to_bob)
    _, event = invitation(to_bob, "REQUEST")
    assert event["UID"] == ical.uid(booking)
    assert event["SEQUENCE"] == 1
    assert event.decoded("DTSTART") == new_start


def test_a_session_past_midnight_in_the_recipients_zone_names_both_days(intro, bob, smtp_mailbox):
    late = make_booking(intro, bob, utc(2027, 3, 3, 4, 30))  # 23:30-00:30 in New York
    send_booking_emails(late.pk, "confirmed")
    to_bob = smtp_mailbox.wait_for("bob@example.com", subject="Confirmed")
    both_say(
        to_bob, "Tuesday 2 March 2027, 23:30 – Wednesday 3 March 2027, 00:30 (America/New_York)"
    )


# --- Cancellations ---------------------------------------------------------------------------


def test_a_late_cancellation_tells_both_who_why_and_withdraws_the_invitation(
    intro, bob, smtp_mailbox, site
):
    booking = cancel(make_booking(intro, bob, START), bob, late=True)
    send_booking_emails(booking.pk, "cancelled")

    to_alice = smtp_mailbox.wait_for("alice@example.com", subject="Cancelled")
    to_bob = smtp_mailbox.wait_for("bob@example.com", subject="Cancelled")
    assert subject(to_alice) == "[Tandem] Cancelled: Intro with Bob Brown on Wednesday 3 March"
    both_say(to_alice, "Bob Brown cancelled this session", ALICE_WHEN, "Reason: Illness")
    both_say(to_alice, "a late cancellation")
    both_say(to_bob, "You cancelled this session", BOB_WHEN, "late cancellation", "24 hours")
    both_say(to_bob, f"{site}/c/alice/")  # book another time
    assert "So sorry &amp; see you soon" in html(to_bob)
    assert "So sorry & see you soon" in plain(to_bob)

    for message in (to_alice, to_bob):
        _, event = invitation(message, "CANCEL")
        assert event["UID"] == ical.uid(booking)
        assert event["STATUS"] == "CANCELLED"
        assert event["SEQUENCE"] == 1


def test_a_coach_cancellation_is_not_late_for_the_client(intro, alice, bob, smtp_mailbox):
    booking = cancel(make_booking(intro, bob, START), alice, reason="schedule_conflict")
    send_booking_emails(booking.pk, "cancelled")
    to_bob = smtp_mailbox.wait_for("bob@example.com", subject="Cancelled")
    both_say(to_bob, "Alice Adler cancelled this session", "Reason: Schedule conflict")
    assert "late cancellation" not in plain(to_bob)


def test_a_withdrawn_request_has_no_invitation_to_cancel(intro, bob, smtp_mailbox):
    pending = cancel(make_booking(intro, bob, START, status=S.PENDING), bob)
    send_booking_emails(pending.pk, "cancelled")
    to_alice = smtp_mailbox.wait_for("alice@example.com", subject="Cancelled")
    both_say(to_alice, "Bob Brown cancelled this request")
    assert invitations(to_alice) == []


# --- Declines and expiries -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "status", "title", "says"),
    [
        ("declined", S.DECLINED, "Request declined", "Alice Adler declined your request"),
        ("expired", S.EXPIRED, "Request expired", "Alice Adler did not answer your request"),
    ],
)
def test_an_ended_request_tells_only_the_client_and_offers_another_time(
    intro, alice, bob, smtp_mailbox, site, kind, status, title, says
):
    booking = make_booking(intro, bob, START, status=status, sequence=1)
    BookingEvent.objects.create(
        booking=booking,
        kind=BookingEvent.Kind.DECLINED if kind == "declined" else BookingEvent.Kind.EXPIRED,
        actor=alice if kind == "declined" else None,
        from_status=S.PENDING,
        to_status=status,
        message="Fully booked that week" if kind == "declined" else "",
    )
    send_booking_emails(booking.pk, kind)

    to_bob = smtp_mailbox.wait_for("bob@example.com", subject=title)
    assert subject(to_bob) == f"[Tandem] {title}: Intro with Alice Adler on Wednesday 3 March"
    both_say(to_bob, says, BOB_WHEN, f"{site}/c/alice/", "Book another time")
    if kind == "declined":
        both_say(to_bob, "Fully booked that week")
    assert invitations(to_bob) == []
    assert [m["To"] for m in smtp_mailbox.messages] == [to_bob["To"]]


# --- Running as a job ------------------------------------------------------------------------


def test_stale_emails_are_not_sent(intro, alice, bob, smtp_mailbox):
    # Confirmed, then cancelled before the job ran: the confirmation would only confuse.
    booking = cancel(make_booking(intro, bob, START), alice)
    send_booking_emails(booking.pk, "confirmed")
    send_booking_emails(booking.pk + 1000, "confirmed")  # gone entirely
    assert smtp_mailbox.messages == []


def test_an_unknown_kind_is_a_programming_error(intro, bob):
    booking = make_booking(intro, bob, START)
    with pytest.raises(ValueError):
        send_booking_emails(booking.pk, "celebrated")


def test_running_twice_sends_once(intro, bob, smtp_mailbox):
    booking = make_booking(intro, bob, START)
    send_booking_emails(booking.pk, "confirmed")
    send_booking_emails(booking.pk, "confirmed")
    smtp_mailbox.wait_for("bob@example.com", subject="Confirmed")
    assert sorted(str(m["To"]) for m in smtp_mailbox.messages) == [
        "Alice Adler <alice@example.com>",
        "Bob Brown <bob@example.com>",
    ]


def test_a_rerun_after_a_killed_worker_sends_nothing_and_a_resend_keeps_the_message_id(
    intro, bob, smtp_mailbox
):
    from django.core.cache import cache

    from tandem.core.models import EffectDone

    booking = make_booking(intro, bob, START)
    send_booking_emails(booking.pk, "confirmed")
    smtp_mailbox.wait_for("bob@example.com", subject="Confirmed")
    first = sorted(str(m["Message-ID"]) for m in smtp_mailbox.messages)
    assert len(set(first)) == 2  # one per recipient
    # The record of what was sent is in the database: a killed worker's cache is gone.
    cache.clear()
    send_booking_emails(booking.pk, "confirmed")
    assert len(smtp_mailbox.messages) == 2
    # Killed after the SMTP server took the mails but before the records were written: the
    # rerun sends again, as the same messages (same Message-IDs) that mail clients collapse.
    EffectDone.objects.all().delete()
    send_booking_emails(booking.pk, "confirmed")  # SMTP: accepted (stored) when send returns
    assert len(smtp_mailbox.messages) == 4
    assert sorted(str(m["Message-ID"]) for m in smtp_mailbox.messages[2:]) == first
    # A new version of the booking is a new message.
    Booking.objects.filter(pk=booking.pk).update(sequence=booking.sequence + 1)
    send_booking_emails(booking.pk, "confirmed")
    assert len(smtp_mailbox.messages) == 6
    assert not {str(m["Message-ID"]) for m in smtp_mailbox.messages[4:]} & set(first)


def test_a_failed_send_fails_the_job_and_a_retry_delivers(intro, bob, smtp_mailbox, settings):
    booking = make_booking(intro, bob, START)
    real_port = settings.EMAIL_PORT
    settings.EMAIL_PORT = 1  # nothing listens there
    with pytest.raises(BookingEmailsFailed):
        send_booking_emails(booking.pk, "confirmed")
    assert smtp_mailbox.messages == []

    settings.EMAIL_PORT = real_port
    send_booking_emails(booking.pk, "confirmed")
    smtp_mailbox.wait_for("alice@example.com", subject="Confirmed")
    smtp_mailbox.wait_for("bob@example.com", subject="Confirmed")


def test_the_task_sends_the_emails(intro, bob, smtp_mailbox, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    booking = make_booking(intro, bob, START)
    booking_changed_task.enqueue(booking.pk, "rescheduled", (START - timedelta(days=1)).isoformat())
    to_bob = smtp_mailbox.wait_for("bob@example.com", subject="Rescheduled")
    both_say(to_bob, "Tuesday 2 March 2027, 04:00–05:00 (America/New_York)", BOB_WHEN)
