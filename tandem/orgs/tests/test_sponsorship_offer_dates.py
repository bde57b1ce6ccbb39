"""The quote knows the slot: `offer(start=...)` answers for the session's own date, by the same
date rule as the booking's `claim` (`rules.session_day`), so the review step never says
"Covered by Northwind Traders" for a session the programme then refuses to pay.

Bob lives in New York (behind UTC), Charlie in Singapore (ahead of it). NOW is Wednesday
6 March 2030, 10:00 UTC; the programme (Leadership 2030) is funded and Bob holds a seat with
coach Alice (Berlin, 08:00-20:00).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile, SessionType
from tandem.orgs.models import Participant, Programme, SponsoredSession
from tandem.orgs.sponsorship.port import sponsor_port
from tandem.orgs.tests.conftest import NOW, seat
from tandem.orgs.tests.test_sponsorship_port import PRICE, claim, fund
from tandem.payments.models import Payment, PaymentSource
from tandem.payments.sponsors.selectors import budget
from tandem.payments.tests.conftest import stripe_standin  # noqa: F401 (a fixture)
from tandem.payments.tests.test_booking_pages_payment import review, signed_in, text_of

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
SINGAPORE = ZoneInfo("Asia/Singapore")
BERLIN = ZoneInfo("Europe/Berlin")


def local(zone: ZoneInfo, day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)


def offer(client: Any, session_type: SessionType, start: datetime | None) -> Any:
    return sponsor_port.offer(
        client=client,
        coach=session_type.coach,
        session_type=session_type,
        price=PRICE,
        currency="EUR",
        now=NOW,
        start=start,
    )


def covered(client: Any, session_type: SessionType, start: datetime) -> bool:
    """The quote's answer for the slot, checked against the booking's claim: they agree."""
    quoted = offer(client, session_type, start) is not None
    claimed = claim(client, session_type, start=start) is not None
    assert quoted == claimed, f"offer says {quoted}, claim says {claimed} for {start}"
    return quoted


def dates(programme: Programme, *, starts_on: date | None = None, ends_on: date | None = None):
    Programme.objects.filter(pk=programme.pk).update(
        starts_on=starts_on or programme.starts_on, ends_on=ends_on or programme.ends_on
    )


@pytest.fixture
def funded(programme: Programme) -> Programme:
    fund(programme, 100_000)
    return programme


@pytest.fixture
def bob_seat(funded: Programme, bob: Any, coach: CoachProfile) -> Participant:
    return seat(funded, bob, coach=coach)


# --- the port -----------------------------------------------------------------------------------


def test_a_session_after_the_programme_ends_is_not_offered(bob, bob_seat, funded, session_type):
    dates(funded, ends_on=date(2030, 3, 7))
    after = local(NEW_YORK, date(2030, 3, 8), 10)
    assert not covered(bob, session_type, after)
    # Without the slot the answer is still about the programme's dates from today.
    assert offer(bob, session_type, None) is not None
    assert SponsoredSession.objects.count() == 0


def test_a_session_inside_the_dates_is_offered_by_the_programme_that_pays(
    bob, bob_seat, funded, session_type
):
    quoted = offer(bob, session_type, local(NEW_YORK, date(2030, 3, 8), 10))
    assert quoted is not None and quoted.programme_id == funded.public_id
    assert quoted.covered_by == "Northwind Traders (Leadership 2030)"
    assert covered(bob, session_type, local(NEW_YORK, date(2030, 12, 31), 9))


def test_a_session_before_a_later_start_is_not_offered(bob, bob_seat, funded, session_type):
    dates(funded, starts_on=date(2030, 3, 10))
    assert not covered(bob, session_type, local(NEW_YORK, date(2030, 3, 8), 10))
    assert covered(bob, session_type, local(NEW_YORK, date(2030, 3, 11), 10))


def test_a_session_on_a_date_already_past_is_not_offered(bob, bob_seat, session_type):
    yesterday = local(NEW_YORK, date(2030, 3, 5), 10)
    assert offer(bob, session_type, yesterday) is None


def test_23_30_on_the_last_day_in_the_clients_zone_is_covered(bob, bob_seat, funded, session_type):
    dates(funded, ends_on=date(2030, 3, 10))
    late = local(NEW_YORK, date(2030, 3, 10), 23, 30)
    assert late.astimezone(ZoneInfo("UTC")).date() == date(2030, 3, 11)  # the next day in UTC
    assert covered(bob, session_type, late)
    assert not covered(bob, session_type, late + timedelta(hours=1))  # 00:30 on 11 March there


def test_23_30_the_day_before_the_start_in_the_clients_zone_is_not_covered(
    bob, bob_seat, funded, session_type
):
    dates(funded, starts_on=date(2030, 3, 10))
    late = local(NEW_YORK, date(2030, 3, 9), 23, 30)
    assert late.astimezone(ZoneInfo("UTC")).date() == date(2030, 3, 10)  # the start, in UTC
    assert not covered(bob, session_type, late)
    assert covered(bob, session_type, late + timedelta(minutes=30))  # 10 March there


def test_ahead_of_utc_the_day_after_the_end_is_not_covered(charlie, funded, coach, session_type):
    seat(funded, charlie, coach=coach)
    dates(funded, ends_on=date(2030, 3, 10))
    early = local(SINGAPORE, date(2030, 3, 11), 0, 30)
    assert early.astimezone(ZoneInfo("UTC")).date() == date(2030, 3, 10)  # the last day in UTC
    assert not covered(charlie, session_type, early)
    assert covered(charlie, session_type, early - timedelta(hours=1))  # 23:30 on the 10th


# --- the review step and the booking API --------------------------------------------------------


@pytest.fixture
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def test_the_review_step_for_a_session_after_the_end_offers_the_usual_payment(
    frozen,
    bob,
    bob_seat,
    funded,
    coach,
    session_type,
    stripe_standin,  # noqa: F811
):
    dates(funded, ends_on=date(2030, 3, 7))
    client = signed_in(bob)
    url, page, key = review(client, coach, session_type, bob, local(BERLIN, date(2030, 3, 8), 13))
    text = text_of(page)
    assert "Covered by" not in text
    assert 'name="use_sponsor"' not in page.content.decode()
    assert "Left to pay" in text and "80.00 EUR" in text
    assert "Continue to payment" in text

    # Booking it goes to the card, as the page said (no 409 sponsor_not_covering).
    paid = client.post(url, {"idempotency_key": key})
    assert paid.status_code == 302 and paid["Location"].startswith("/payments/")
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.REQUIRES_PAYMENT
    assert [s.kind for s in payment.sources.all()] == [PaymentSource.Kind.CARD]
    assert not Booking.objects.exists()  # held for the card
    assert SponsoredSession.objects.count() == 0
    assert budget(funded.budget_owner, "EUR").balance == 100_000


def test_the_review_step_for_a_session_inside_the_dates_says_covered_and_books(
    frozen,
    bob,
    bob_seat,
    funded,
    coach,
    session_type,
    stripe_standin,  # noqa: F811
):
    dates(funded, ends_on=date(2030, 3, 8))
    client = signed_in(bob)
    url, page, key = review(client, coach, session_type, bob, local(BERLIN, date(2030, 3, 8), 13))
    text = text_of(page)
    assert "Covered by Northwind Traders (Leadership 2030)" in text
    assert "Continue to payment" not in text

    booked = client.post(url, {"idempotency_key": key, "use_sponsor": "on"})
    booking = Booking.objects.get()
    assert booked.status_code == 302 and booked["Location"] == f"/sessions/{booking.public_id}/"
    assert SponsoredSession.objects.get().booking_id == booking.pk
    assert budget(funded.budget_owner, "EUR").balance == 100_000 - PRICE


def test_the_booking_api_asks_for_a_card_for_a_session_after_the_end(
    frozen,
    bob,
    bob_seat,
    funded,
    coach,
    session_type,
    stripe_standin,  # noqa: F811
):
    """It used to book without a card on the quote's word and then refuse (409
    sponsor_not_covering); now it answers that the session is paid by card."""
    dates(funded, ends_on=date(2030, 3, 7))
    client = signed_in(bob)
    answer = client.post(
        "/api/v1/bookings",
        data={
            "coach": str(coach.public_id),
            "session_type": str(session_type.public_id),
            "start": local(BERLIN, date(2030, 3, 8), 13).isoformat(),
        },
        content_type="application/json",
    )
    assert answer.status_code == 402, answer.content
    assert answer.json()["error"]["code"] == "payment_required"
    assert not Booking.objects.exists() and not Payment.objects.exists()
    assert SponsoredSession.objects.count() == 0
