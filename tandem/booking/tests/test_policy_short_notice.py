"""Policy windows for short-notice bookings (Book now, or any booking inside the coach's
free-cancellation window): deadlines are never before the booking existed, a passed one is
never shown as available, and Reschedule / Cancel are offered exactly when allowed.

Every test injects "now": services take `now=`, pages and the API a frozen clock. Alice's
policy is the default: free cancellation until 24 hours before, clients reschedule until
12 hours before. Bob books at BOOKED for a session two hours later.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from tandem.booking import services
from tandem.booking.models import Booking
from tandem.booking.services import BookingRequest, TooLate, session_rights
from tandem.booking.services.policy import SHORT_NOTICE_GRACE, free_cancel_until
from tandem.booking.tests.conftest import at

pytestmark = pytest.mark.django_db

BOOKED = at(3, 9)  # 09:00 Berlin, three days ahead
SOON = at(3, 11)  # the session: 11:00-12:00 Berlin the same day
MINUTE = timedelta(minutes=1)


def book(client, coach, session_type, start: datetime, now: datetime) -> Booking:
    return services.booking_create(
        client=client,
        request=BookingRequest(coach=coach, session_type=session_type, start=start),
        now=now,
    ).booking


@pytest.fixture
def short_notice(coach, session_type, bob) -> Booking:
    return book(bob, coach, session_type, SOON, BOOKED)


@pytest.fixture
def frozen(monkeypatch):
    def freeze(moment: datetime) -> datetime:
        monkeypatch.setattr(timezone, "now", lambda: moment)
        return moment

    return freeze


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def snapshot(booking: Booking) -> tuple:
    booking.refresh_from_db()
    return (booking.status, booking.start, booking.sequence, booking.late_cancellation)


# --- The rule (services/policy.py) ---------------------------------------------------------------


def test_a_short_notice_booking_gets_a_grace_period_to_cancel_for_free(short_notice, bob):
    assert short_notice.created_at == BOOKED
    # The regular window (24 h before 11:00) closed before the booking existed: 15 minutes.
    assert free_cancel_until(short_notice) == BOOKED + SHORT_NOTICE_GRACE
    during = session_rights(short_notice, bob, BOOKED + 5 * MINUTE)
    assert (during.can_cancel, during.cancel_is_free, during.short_notice) == (True, True, True)
    after = session_rights(short_notice, bob, BOOKED + SHORT_NOTICE_GRACE + MINUTE)
    assert (after.can_cancel, after.cancel_is_free) == (True, False)


def test_cancelling_within_the_grace_is_free_and_after_it_is_late(
    coach, session_type, bob, short_notice
):
    free = services.booking_cancel(
        booking_id=short_notice.public_id,
        user=bob,
        reason_code="work",
        now=BOOKED + SHORT_NOTICE_GRACE,
    )
    assert not free.terms.late and not free.booking.late_cancellation
    again = book(bob, coach, session_type, SOON, BOOKED)
    late = services.booking_cancel(
        booking_id=again.public_id,
        user=bob,
        reason_code="work",
        now=BOOKED + SHORT_NOTICE_GRACE + MINUTE,
    )
    assert late.terms.late and late.booking.late_cancellation


def test_the_grace_never_outlasts_the_start(coach, session_type, bob):
    start = at(3, 10)
    booking = book(bob, coach, session_type, start, start - 10 * MINUTE)
    assert free_cancel_until(booking) == start


def test_a_booking_made_in_good_time_keeps_the_regular_window(coach, session_type, bob):
    booking = book(bob, coach, session_type, SOON, SOON - timedelta(days=2))
    assert free_cancel_until(booking) == SOON - timedelta(hours=24)
    rights = session_rights(booking, bob, SOON - timedelta(days=1, hours=1))
    assert rights.short_notice is False
    assert rights.reschedule_until == SOON - timedelta(hours=12)
    assert rights.can_reschedule and rights.cancel_is_free
    # Past the cutoff the button goes, and the service refuses the same way.
    late = SOON - timedelta(hours=11)
    assert not session_rights(booking, bob, late).can_reschedule
    before = snapshot(booking)
    with pytest.raises(TooLate) as refused:
        services.booking_reschedule(
            booking_id=booking.public_id, user=bob, start=at(3, 15), now=late
        )
    assert refused.value.code == "reschedule_window_closed"
    assert snapshot(booking) == before


def test_rescheduling_is_not_available_when_booked_past_the_cutoff(short_notice, bob, alice):
    rights = session_rights(short_notice, bob, BOOKED)
    assert rights.can_reschedule is False and rights.reschedule_until is None
    before = snapshot(short_notice)
    with pytest.raises(TooLate):
        services.booking_reschedule(
            booking_id=short_notice.public_id, user=bob, start=at(3, 15), now=BOOKED + MINUTE
        )
    assert snapshot(short_notice) == before
    # The coach may still move it until it starts.
    coach_rights = session_rights(short_notice, alice, BOOKED)
    assert coach_rights.can_reschedule and coach_rights.reschedule_until == SOON


# --- The page and the API agree ---------------------------------------------------------------


def test_the_session_page_shows_only_true_deadlines_and_allowed_buttons(short_notice, bob, frozen):
    frozen(BOOKED + 5 * MINUTE)
    url = f"/sessions/{short_notice.public_id}/"
    page = signed_in(bob).get(url).content.decode()
    assert "Rescheduling is not available for this session (booked within 12 hours" in page
    assert "Reschedule until" not in page and "that has passed" not in page
    assert f'href="/sessions/{short_notice.public_id}/reschedule/"' not in page
    assert "Free cancellation until" in page and "15 minutes to change your mind" in page
    # The deadline shown is the grace's end, in Bob's zone.
    grace_end = (BOOKED + SHORT_NOTICE_GRACE).astimezone(ZoneInfo("America/New_York"))
    assert (
        f'<li data-policy="cancel">Free cancellation until <time datetime="{grace_end.isoformat()}"'
        in page
    )
    assert f'href="/sessions/{short_notice.public_id}/cancel/"' in page
    # Twenty minutes later the free cancellation has ended, and says so.
    frozen(BOOKED + 20 * MINUTE)
    page = signed_in(bob).get(url).content.decode()
    assert "Free cancellation ended" in page and "late cancellation" in page
    assert "Free cancellation until" not in page
    assert f'href="/sessions/{short_notice.public_id}/cancel/"' in page
    # The reschedule page explains instead of offering times.
    page = signed_in(bob).get(f"{url}reschedule/").content.decode()
    assert "Rescheduling is not available for this session" in page
    assert "You can move it until" not in page


def test_the_api_detail_says_what_the_page_offers(short_notice, bob, alice, frozen):
    frozen(BOOKED + 5 * MINUTE)
    api = signed_in(bob)
    body = api.get(f"/api/v1/bookings/{short_notice.public_id}").json()
    assert (body["can_reschedule"], body["can_cancel"]) == (False, True)
    policy = body["policy"]
    assert policy["reschedule_until"] is None
    assert policy["short_notice"] is True and policy["short_notice_grace_minutes"] == 15
    assert policy["free_cancel_passed"] is False and policy["cancel_now_is_late"] is False
    assert datetime.fromisoformat(policy["free_cancel_until"]) == BOOKED + SHORT_NOTICE_GRACE
    coach_body = signed_in(alice).get(f"/api/v1/bookings/{short_notice.public_id}").json()
    assert (coach_body["can_reschedule"], coach_body["can_cancel"]) == (True, True)
    # Once it has started nothing is offered.
    frozen(SOON + MINUTE)
    body = api.get(f"/api/v1/bookings/{short_notice.public_id}").json()
    assert (body["can_reschedule"], body["can_cancel"], body["policy"]) == (False, False, None)
