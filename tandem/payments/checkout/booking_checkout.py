"""Booking checkout: booking and paying in one step (`checkout_booking`), whether a booking
would wait for a card (`needs_card`), and paying for every booking just created
(`on_booked`, booking's payments_hook.booked)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.booking.models import Booking
from tandem.booking.selectors import hold_of_client
from tandem.booking.services import BookingRequest, booking_create, hold_create
from tandem.booking.services.errors import HoldExpired
from tandem.booking.services.locking import lock_coach
from tandem.core.errors import InvalidInput
from tandem.core.idempotency import checked_key

from ..errors import PaymentRequired
from ..ledger.money import to_minor
from ..models import Payment
from .coverage import ReadBalances, cover, sponsor_offer
from .errors import not_covered
from .opening import payment_open
from .replay import replay
from .terms import (
    DEFAULT_TERMS,
    CheckoutOutcome,
    PayWith,
    SessionPayment,
    provider_name,
    request_hash,
)

if TYPE_CHECKING:
    from tandem.coaches.models import CoachProfile, SessionType

Purpose = Payment.Purpose


def on_booked(booking: Booking, how: object, now: datetime) -> Payment | None:
    """Checkout for a booking just created, inside its transaction (`payments_hook.booked`).

    Every path that creates a booking comes through here exactly once (a replayed request
    creates nothing and comes through not at all): the booking's payment is opened (and,
    when credits or an invoice cover it, completed), or a free session records its price
    (0 on the booking) and pays nothing.
    """
    if how is None:
        terms = DEFAULT_TERMS
    elif isinstance(how, SessionPayment):
        terms = how
    else:
        raise TypeError(f"booking_create(payment=...) takes a SessionPayment, not {how!r}")
    if terms.paid_by is not None:
        return terms.paid_by
    price = to_minor(booking.price, booking.currency)
    if price == 0:
        return None
    return payment_open(
        client=booking.client,
        purpose=Purpose.BOOKING,
        amount=price,
        currency=booking.currency,
        pay_with=terms.pay_with,
        coach=booking.coach,
        idempotency_key=terms.idempotency_key,
        request_hash=terms.request_hash,
        booking=booking,
        session_type=booking.session_type,
        now=now,
    )


# --- booking + payment in one step ---------------------------------------------------------------


def _booking_fingerprint(request: BookingRequest, pay_with: PayWith) -> str:
    return request_hash({"booking": request.fingerprint(), "pay": pay_with.fingerprint()})


def checkout_booking(
    *,
    client: User,
    request: BookingRequest,
    pay_with: PayWith,
    idempotency_key: str | None,
    now: datetime | None = None,
    card_allowed: bool = True,
) -> CheckoutOutcome:
    """Book and pay. Free sessions, credits and invoices book at once; a card payment holds
    the slot (the hold) until the provider confirms it."""
    now = now or timezone.now()
    key = checked_key(idempotency_key)
    fingerprint = _booking_fingerprint(request, pay_with)
    hold = None
    # A request without a hold may lack them (refused below).
    session_type: SessionType | None
    coach: CoachProfile | None
    if request.hold_id is not None:
        hold = hold_of_client(client, request.hold_id)
        if hold is None:
            # Gone: it became a booking (a replay answers with it) or never was ours.
            if key and (earlier := replay(client, key, fingerprint)) is not None:
                return CheckoutOutcome(earlier, earlier.booking, replayed=True)
            outcome = booking_create(
                client=client,
                request=request,
                idempotency_key=key,
                now=now,
                payment=SessionPayment(pay_with, key, fingerprint),
            )
            return CheckoutOutcome(outcome.payment, outcome.booking, outcome.replayed)
        session_type, coach = hold.session_type, hold.coach
    else:
        session_type, coach = request.session_type, request.coach
    if session_type is None or coach is None:
        raise InvalidInput(
            "Give a hold, or coach, session_type and start.", fields={"hold": ["required"]}
        )
    price = to_minor(session_type.price, session_type.currency)
    if price == 0:
        # Nothing to pay: exactly a booking (the hot path pays for no payment look-ups;
        # on_booked records nothing for a free session).
        outcome = booking_create(client=client, request=request, idempotency_key=key, now=now)
        return CheckoutOutcome(None, outcome.booking, outcome.replayed)
    if key and (earlier := replay(client, key, fingerprint)) is not None:
        return CheckoutOutcome(earlier, earlier.booking, replayed=True)
    provider = provider_name(pay_with)
    start = hold.start if hold is not None else request.start
    if pay_with.sponsor_only and sponsor_offer(client, coach, session_type, now, start) is None:
        raise not_covered()
    needs_card = provider == "stripe" and not _covered_without_card(
        client, coach, session_type, price, pay_with, now, start
    )
    if needs_card and not card_allowed:
        raise PaymentRequired()
    try:
        return _checkout_in_transaction(
            client,
            request,
            pay_with,
            key,
            fingerprint,
            hold,
            coach,
            session_type,
            price,
            needs_card,
            now,
        )
    except IntegrityError:
        # The same Idempotency-Key committed first (unique per client): answer with it.
        if key and (earlier := replay(client, key, fingerprint)) is not None:
            return CheckoutOutcome(earlier, earlier.booking, replayed=True)
        raise


@transaction.atomic
def _checkout_in_transaction(
    client, request, pay_with, key, fingerprint, hold, coach, session_type, price, needs_card, now
) -> CheckoutOutcome:
    if needs_card:
        # Under the coach's lock a same-key request that committed meanwhile is visible:
        # answer with it instead of replacing its hold.
        lock_coach(coach.pk)
        if key and (earlier := replay(client, key, fingerprint)) is not None:
            return CheckoutOutcome(earlier, earlier.booking, replayed=True)
        if hold is None:
            hold = hold_create(
                client=client, coach=coach, session_type=session_type, start=request.start, now=now
            )
        elif hold.expires_at <= now:
            raise HoldExpired()
        payment = payment_open(
            client=client,
            purpose=Purpose.BOOKING,
            amount=price,
            currency=session_type.currency,
            pay_with=pay_with,
            coach=coach,
            idempotency_key=key,
            request_hash=fingerprint,
            hold=hold,
            session_type=session_type,
            now=now,
        )
        Payment.objects.filter(pk=payment.pk).update(booking_notes=request.notes)
        return CheckoutOutcome(payment, None, replayed=False)
    # booking_create pays through on_booked, in this transaction, with these terms.
    outcome = booking_create(
        client=client,
        request=request,
        idempotency_key=f"checkout-{key}" if key else None,
        now=now,
        payment=SessionPayment(pay_with, key, fingerprint),
    )
    if outcome.replayed:
        existing = Payment.objects.filter(booking=outcome.booking).first()
        return CheckoutOutcome(existing, outcome.booking, replayed=True)
    return CheckoutOutcome(outcome.payment, outcome.booking, replayed=False)


def needs_card(
    *,
    client: User,
    coach,
    session_type,
    pay_with: PayWith,
    now: datetime,
    start: datetime | None = None,
) -> bool:
    """Whether booking this would wait for a card (Stripe, and credits do not cover it).
    `start`: the session's start, when known (a sponsor answers for the session's date)."""
    price = to_minor(session_type.price, session_type.currency)
    return (
        price > 0
        and provider_name(pay_with) == "stripe"
        and not _covered_without_card(client, coach, session_type, price, pay_with, now, start)
    )


def _covered_without_card(client, coach, session_type, price, pay_with, now, start) -> bool:
    """Whether credits alone cover the price (then no card and no hold wait are needed)."""
    balances = ReadBalances(client, coach, session_type, pay_with.gift_card_code, now, start=start)
    return cover(price, pay_with, balances).covered_without_provider
