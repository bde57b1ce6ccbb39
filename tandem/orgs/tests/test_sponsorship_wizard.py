"""The booking wizard for a participant, with the real sponsor port: step 1 says which session
types the programme would pay for ("Covered by Northwind Traders (Leadership 2030)" under the
price, asked once for all the types), and the review step's Payment box does not offer Bob's
account credit or a gift card as if they were used while the programme covers the session.

Bob holds a seat in Northwind's "Leadership 2030" (funded, sessions up to 60 minutes) with
coach Alice; Charlie has no programme. NOW is Wednesday 6 March 2030, 10:00 UTC.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.booking.models import Booking
from tandem.booking.tests.conftest import make_coach, make_type
from tandem.coaches.models import CoachProfile, SessionType
from tandem.orgs.models import Participant, Programme, SponsoredSession
from tandem.orgs.sponsorship.port import sponsor_port
from tandem.orgs.tests.conftest import NOW, seat
from tandem.orgs.tests.test_sponsorship_port import PRICE, fund
from tandem.payments.giftcards import services as giftcards
from tandem.payments.ledger import accounts
from tandem.payments.models import GiftCard, Payment, PaymentSource
from tandem.payments.sponsors.port import SponsorAsk
from tandem.payments.sponsors.selectors import budget
from tandem.payments.tests.conftest import stripe_standin  # noqa: F401 (a fixture)
from tandem.payments.tests.test_booking_pages_payment import (
    give_credit,
    review,
    signed_in,
    text_of,
)

pytestmark = pytest.mark.django_db

COVERED = "Covered by Northwind Traders (Leadership 2030)"
START = NOW + timedelta(days=3)  # 13:00 in Berlin: inside Alice's hours
Kind = PaymentSource.Kind


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def funded(programme: Programme) -> Programme:
    Programme.objects.filter(pk=programme.pk).update(max_session_minutes=60)
    programme.refresh_from_db()
    fund(programme, 15_000)  # 150.00 EUR
    return programme


@pytest.fixture
def bob_seat(funded: Programme, bob: Any, coach: CoachProfile) -> Participant:
    return seat(funded, bob, coach=coach)


@pytest.fixture
def types(coach: CoachProfile, session_type: SessionType) -> list[SessionType]:
    """Alice's session types: two the programme pays for, one too long, one above the budget."""
    return [
        session_type,  # "Coaching session", 60 min, 80.00 EUR
        make_type(coach, name="Intro call", duration_minutes=30, price=Decimal("40.00")),
        make_type(coach, name="Deep dive", duration_minutes=90, price=Decimal("120.00")),
        make_type(coach, name="Team day", duration_minutes=60, price=Decimal("200.00")),
    ]


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def cards(html: str) -> dict[str, str]:
    """Each session type's card on step 1, as text, by its name."""
    out = {}
    for article in re.findall(r"<article\b.*?</article>", html, flags=re.S):
        text = plain(article)
        name = re.search(r"<h2[^>]*>([^<]+)</h2>", article)
        assert name is not None
        out[name.group(1)] = text
    return out


# --- step 1: which session types the programme covers ------------------------------------------


def test_step_one_says_which_types_the_programme_covers_and_keeps_the_prices(bob, bob_seat, types):
    page = signed_in(bob).get("/book/alice/")
    assert page.templates[0].name == "booking/wizard_type.html"
    shown = cards(page.content.decode())
    assert COVERED in shown["Coaching session"] and "80.00 EUR" in shown["Coaching session"]
    assert COVERED in shown["Intro call"] and "40.00 EUR" in shown["Intro call"]
    # Longer than the programme allows; more than its budget holds: the usual price only.
    assert "Covered by" not in shown["Deep dive"] and "120.00 EUR" in shown["Deep dive"]
    assert "Covered by" not in shown["Team day"] and "200.00 EUR" in shown["Team day"]


def test_nothing_changes_for_a_client_without_a_programme(charlie, bob_seat, types):
    page = signed_in(charlie).get("/book/alice/")
    assert page.status_code == 200
    assert "Covered by" not in text_of(page)
    assert "80.00 EUR" in text_of(page) and "120.00 EUR" in text_of(page)


@pytest.mark.parametrize("change", ["paused", "another coach"])
def test_a_paused_seat_or_another_chosen_coach_shows_no_cover(
    bob, bob_seat, types, change, charlie
):
    if change == "paused":
        Participant.objects.filter(pk=bob_seat.pk).update(status=Participant.Status.PAUSED)
    else:
        other = make_coach(charlie, slug="charlie")
        Participant.objects.filter(pk=bob_seat.pk).update(coach=other)
    assert "Covered by" not in text_of(signed_in(bob).get("/book/alice/"))


def test_step_one_agrees_with_offer_for_each_type(bob, bob_seat, types):
    asks = [SponsorAsk(t, int(t.price * 100), t.currency) for t in types]
    together = sponsor_port.offer_all(client=bob, coach=bob_seat.coach, asks=asks, now=NOW)
    one_by_one = [
        sponsor_port.offer(
            client=bob,
            coach=bob_seat.coach,
            session_type=a.session_type,
            price=a.price,
            currency=a.currency,
            now=NOW,
        )
        for a in asks
    ]
    assert together == one_by_one
    assert [o is not None for o in together] == [True, True, False, False]


def test_step_one_asks_the_port_in_queries_that_do_not_grow_with_the_types(
    bob, bob_seat, coach, session_type, django_assert_num_queries
):
    """Measured: the port answers for any number of types in 4 queries for Bob's one seat
    (his seats, his sessions used, the budget's two sums); `offer` per type takes 4 each."""
    make_type(coach, name="Intro call", duration_minutes=30, price=Decimal("40.00"))
    client = signed_in(bob)
    with CaptureQueriesContext(connection) as two:
        assert COVERED in text_of(client.get("/book/alice/"))
    for i in range(6):
        make_type(coach, name=f"Extra {i}", duration_minutes=45)
    with django_assert_num_queries(len(two.captured_queries)):
        assert text_of(client.get("/book/alice/")).count(COVERED) == 8

    types = list(SessionType.objects.filter(coach=coach))
    asks = [SponsorAsk(t, int(t.price * 100), t.currency) for t in types]
    with django_assert_num_queries(4):
        sponsor_port.offer_all(client=bob, coach=coach, asks=asks, now=NOW)
    with CaptureQueriesContext(connection) as per_type:
        for a in asks:
            sponsor_port.offer(client=bob, coach=coach, session_type=a.session_type,
                               price=a.price, currency=a.currency, now=NOW)  # fmt: skip
    assert len(per_type.captured_queries) == 4 * len(asks)


def test_step_one_for_charlie_asks_once_too(charlie, coach, session_type,
                                            django_assert_num_queries):  # fmt: skip
    make_type(coach, name="Intro call", duration_minutes=30)
    asks = [SponsorAsk(t, 8000, "EUR") for t in SessionType.objects.filter(coach=coach)]
    with django_assert_num_queries(1):  # his seats: none
        assert sponsor_port.offer_all(client=charlie, coach=coach, asks=asks, now=NOW) == [
            None,
            None,
        ]


# --- the review step's Payment box -------------------------------------------------------------


def _gift_card(staff: Any, bob: Any, amount: int) -> str:
    card = giftcards.giftcard_issue(
        staff=staff, amount=amount, currency="EUR", recipient_email=bob.email
    )
    return str(card.issued_code)


def test_while_the_programme_covers_it_credit_and_gift_card_are_said_unused(
    bob, bob_seat, session_type, coach, staff_user
):
    give_credit(bob, 2500)
    code = _gift_card(staff_user, bob, 3000)
    client = signed_in(bob)
    url, page, key = review(client, coach, session_type, bob, START)
    text = text_of(page)
    html = page.content.decode()
    assert "Nothing left to pay: covered by Northwind Traders (Leadership 2030)." in text
    assert (
        "While Northwind Traders (Leadership 2030) covers this session, no gift card or "
        "account credit is used. Untick it to pay with them instead." in text
    )
    assert 'aria-describedby="pay-others-note"' in html
    # What unticking would leave to pay is rendered for booking.js, inert and out of the text.
    other = re.search(r"<template data-pay-other>(.*?)</template>", html, flags=re.S)
    assert other is not None
    assert "Left to pay after 25.00 EUR of account credit: 55.00 EUR" in plain(other.group(1))
    assert "Left to pay" not in text

    # Sent with the code typed and the credit ticked: the programme pays, nothing else moves.
    answer = client.post(
        url,
        {
            "idempotency_key": key,
            "use_sponsor": "on",
            "use_credit": "on",
            "gift_card_code": code,
        },
    )
    booking = Booking.objects.get()
    assert answer.status_code == 302 and answer["Location"] == f"/sessions/{booking.public_id}/"
    payment = Payment.objects.get(booking=booking)
    assert [(s.kind, s.amount) for s in payment.sources.all()] == [(Kind.SPONSOR, PRICE)]
    assert accounts.client_credit_balance(bob, "EUR") == 2500
    assert accounts.gift_card_balance(GiftCard.objects.get()) == 3000
    assert SponsoredSession.objects.filter(booking=booking).count() == 1


def test_unticked_the_gift_card_then_the_credit_pay_as_before(
    bob, bob_seat, funded, session_type, coach, staff_user
):
    give_credit(bob, 2500)
    code = _gift_card(staff_user, bob, 3000)
    client = signed_in(bob)
    url, _, key = review(client, coach, session_type, bob, START)
    shown = client.post(
        url,
        {
            "idempotency_key": key,
            "notes": "x" * 2001,
            "use_credit": "on",
            "gift_card_code": code,
        },
    )
    assert shown.status_code == 400
    text = text_of(shown)
    assert (
        "Left to pay after 30.00 EUR from your gift card and 25.00 EUR of account credit: "
        "25.00 EUR" in text
    )
    html = shown.content.decode()
    note = re.search(r'<p [^>]*id="pay-others-note"[^>]*>', html)
    assert note is not None and " hidden" in note.group(0)  # the box unticked: no note
    other = re.search(r"<template data-pay-other>(.*?)</template>", html, flags=re.S)
    assert other is not None
    assert "Nothing left to pay: covered by Northwind Traders" in plain(other.group(1))

    answer = client.post(url, {"idempotency_key": key, "use_credit": "on", "gift_card_code": code})
    assert answer.status_code == 302
    payment = Payment.objects.get(booking__isnull=False)
    assert [(s.kind, s.amount) for s in payment.sources.all()] == [
        (Kind.GIFT_CARD, 3000),
        (Kind.CREDIT, 2500),
        (Kind.INVOICE, 2500),
    ]
    assert accounts.client_credit_balance(bob, "EUR") == 0
    assert not SponsoredSession.objects.exists()
    assert budget(funded.budget_owner, "EUR").balance == 15_000


def test_unticked_with_stripe_the_credit_then_a_card_pay(
    bob,
    bob_seat,
    funded,
    session_type,
    coach,
    stripe_standin,  # noqa: F811
):
    give_credit(bob, 2500)
    client = signed_in(bob)
    url, page, key = review(client, coach, session_type, bob, START)
    html = page.content.decode()
    assert re.search(r'data-pay-label-other="Continue to payment"[^>]*>\s*Book session', html)
    answer = client.post(url, {"idempotency_key": key, "use_credit": "on"})
    payment = Payment.objects.get()
    assert answer.status_code == 302
    assert answer["Location"] == f"/payments/{payment.public_id}/pay/"
    assert [(s.kind, s.amount) for s in payment.sources.all()] == [
        (Kind.CREDIT, 2500),
        (Kind.CARD, 5500),
    ]
    assert not SponsoredSession.objects.exists()
    assert budget(funded.budget_owner, "EUR").balance == 15_000


@pytest.mark.parametrize("change", ["paused", "ended"])
def test_ticked_but_no_longer_covered_is_refused_and_nothing_else_pays(
    bob, bob_seat, funded, session_type, coach, staff_user, change
):
    # The review step offered the programme; before Bob confirms, his seat is paused or the
    # programme is cut short to end the day before the session. He ticked the box with a gift
    # card typed and credit ticked (hidden while the box is ticked): the booking is refused,
    # and neither of them is used.
    give_credit(bob, 2500)
    code = _gift_card(staff_user, bob, 3000)
    client = signed_in(bob)
    url, _, key = review(client, coach, session_type, bob, START)
    if change == "paused":
        Participant.objects.filter(pk=bob_seat.pk).update(status=Participant.Status.PAUSED)
    else:
        Programme.objects.filter(pk=funded.pk).update(ends_on=(START - timedelta(days=1)).date())
    answer = client.post(
        url,
        {"idempotency_key": key, "use_sponsor": "on", "use_credit": "on", "gift_card_code": code},
    )
    assert answer.status_code == 409
    text = text_of(answer)
    assert "Your programme does not cover this session any more" in text
    assert "Choose how to pay below." in text and "Use my sponsor" not in text
    assert not Booking.objects.exists() and not Payment.objects.exists()
    assert accounts.client_credit_balance(bob, "EUR") == 2500
    assert accounts.gift_card_balance(GiftCard.objects.get()) == 3000
    assert not SponsoredSession.objects.exists()
