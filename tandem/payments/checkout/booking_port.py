"""Payments' side of booking's payments port (tandem/booking/services/payments_hook.py).

`PaymentsConfig.ready` registers this module as booking's `PaymentsPort`: every function
here is one of the port's and answers in booking's words (payments_hook's dataclasses,
amounts already written out). Thin: each calls payments' own services and selectors; the
rules stay in them (how a price is covered: coverage.py; refunds by policy: refunds.py).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from django.conf import settings
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.urls import reverse

from tandem.accounts.models import User
from tandem.booking.models import Booking
from tandem.booking.services import BookingRequest
from tandem.booking.services.payments_hook import (
    BookedAndPaid,
    MoneyBack,
    PackageOnHand,
    PayChoices,
    PaymentSummary,
    Quote,
)
from tandem.coaches.models import CoachProfile, SessionType

from ..documents.services import on_booking_moved
from ..ledger import accounts
from ..ledger.money import format_minor, from_minor, to_minor
from ..models import Payment, PaymentVoid, Refund
from ..packages.selectors import available_credit, credits_left
from ..packages.services import MAX_GIFT_CODE
from ..sponsors.port import SponsorOffer
from . import booking_checkout, refunds, selectors, terms
from .coverage import ReadBalances, cover, sponsor_offer, sponsor_offers
from .session_panel import payment_panel as panel_data

# --- in booking's transactions ---------------------------------------------------------------

booked = booking_checkout.on_booked
settle = refunds.on_booking_settle
moved = on_booking_moved


# --- booking and paying ----------------------------------------------------------------------


def pay_with(choices: PayChoices) -> terms.PayWith:
    """Booking's form choices as checkout's terms (the provider: the configured one)."""
    return terms.PayWith(
        package=choices.package,
        gift_card_code=choices.gift_card_code or None,
        use_credit=choices.use_credit,
        sponsored=choices.sponsored,
        sponsor_only=choices.sponsor_only,
    )


def book_and_pay(
    *,
    client: User,
    request: BookingRequest,
    choices: PayChoices,
    idempotency_key: str | None,
    card_allowed: bool,
) -> BookedAndPaid:
    outcome = booking_checkout.checkout_booking(
        client=client,
        request=request,
        pay_with=pay_with(choices),
        idempotency_key=idempotency_key,
        card_allowed=card_allowed,
    )
    payment = outcome.payment
    waits_for_card = outcome.booking is None and payment is not None
    return BookedAndPaid(
        booking=outcome.booking,
        replayed=outcome.replayed,
        pay_url=reverse("payment_pay", kwargs={"payment_id": payment.public_id})
        if waits_for_card and payment is not None
        else "",
        invoiced=payment is not None and payment.status == Payment.Status.AWAITING_INVOICE,
    )


@dataclass(slots=True)
class _OnHand:
    """The quote's balances: what it has read already, and the gift card when it is asked
    (read once, however many splits ask)."""

    has_package: bool
    credit: int
    reader: ReadBalances
    sponsor: SponsorOffer | None = None
    card: int | None = None

    def sponsor_covers(self) -> SponsorOffer | None:
        return self.sponsor

    def package_covers(self) -> bool:
        return self.has_package

    def gift_card(self) -> int:
        if self.card is None:
            self.card = self.reader.gift_card()
        return self.card

    def account_credit(self) -> int:
        return self.credit


def quote(
    *,
    client: User,
    coach: CoachProfile,
    session_type: SessionType,
    choices: PayChoices,
    now: datetime,
    start: datetime | None = None,
) -> Quote:
    """The review step's payment, split by the same rule checkout pays by (coverage.cover).
    `start`: the held slot's start (a sponsor answers for the session's own date). When a
    sponsor would cover it, `Quote.other` is the split with the sponsor's box the other way
    (the page shows it when the client flips the box)."""
    currency = session_type.currency
    price = to_minor(session_type.price, currency)
    if price == 0:
        return Quote(free=True)
    credit = available_credit(client=client, coach=coach, session_type=session_type, now=now)
    package = None
    if credit is not None:
        package = PackageOnHand(
            left=credits_left(client, coach, session_type, now),
            expires_at=credit.purchase.expires_at,
        )
    balance = accounts.client_credit_balance(client, currency)
    # Asked whatever the choice: the form offers the sponsor's cover to switch off.
    sponsor = sponsor_offer(client, coach, session_type, now, start)
    # A code that finds no usable card pays nothing here; the form says why on submit.
    reader = ReadBalances(
        client, coach, session_type, choices.gift_card_code, now, lenient=True, start=start
    )
    on_hand = _OnHand(package is not None, balance, reader, sponsor)

    def written(amount: int) -> str:
        return format_minor(amount, currency) if amount else ""

    def split_for(chosen: PayChoices) -> Quote:
        split = cover(price, pay_with(chosen), on_hand)
        return Quote(
            free=False,
            price=format_minor(price, currency),
            package=package,
            credit_balance=written(max(balance, 0)),
            from_package=split.package,
            from_gift_card=written(split.gift_card),
            from_credit=written(split.credit),
            remaining=format_minor(split.rest, currency),
            remaining_minor=split.rest,
            by_card=settings.TANDEM_PAYMENT_PROVIDER == "stripe",
            sponsor=sponsor.covered_by if sponsor is not None else "",
            from_sponsor=split.sponsored,
        )

    answer = split_for(choices)
    if sponsor is None:
        return answer
    return replace(answer, other=split_for(replace(choices, sponsored=not choices.sponsored)))


def sponsor_covers(
    *, client: User, coach: CoachProfile, session_types: list[SessionType], now: datetime
) -> list[str]:
    """For each session type, in order, the sponsor that would cover it today ("Northwind
    Traders (Leadership 2026)"; "" for none), asked of the sponsor port at once. The review
    step's quote asks again for the slot's own date."""
    offers = sponsor_offers(client, coach, session_types, now)
    return [offer.covered_by if offer is not None else "" for offer in offers]


def gift_card_code_max_length() -> int:
    return MAX_GIFT_CODE


# --- the session page ------------------------------------------------------------------------


def payment_panel(request: HttpRequest, booking: Booking, now: datetime) -> str:
    """The session's payment panel, rendered ("" for a session without a payment)."""
    panel = panel_data(booking, request.user, now)
    if panel is None:
        return ""
    return render_to_string(
        "payments/includes/payment_panel.html",
        {"panel": panel, "booking": booking, "csrf_token": get_token(request)},
    )


# --- what a cancellation gives back ----------------------------------------------------------


def impact_words(refund: int, void: int, kept: int, currency: str, sponsor: str = "") -> str:
    """One sentence on what a cancellation gives back: money refunded, or an unpaid invoice
    voided (nothing was paid, so nothing is refunded), and what the coach keeps. A sponsored
    session's money goes back to the sponsor's budget (`sponsor`: its name)."""
    said = []
    if refund and sponsor:
        said.append(f"{format_minor(refund, currency)} goes back to the budget of {sponsor}")
    elif refund:
        said.append(f"{format_minor(refund, currency)} is refunded")
    if void:
        said.append(
            f"the unpaid invoice of {format_minor(void, currency)} is voided (nothing to pay)"
            if not kept
            else f"{format_minor(void, currency)} of the unpaid invoice is voided"
        )
    if kept:
        said.append(f"the coach keeps {format_minor(kept, currency)} (late cancellation)")
    if not said:
        return "Nothing is given back."
    text = "; ".join(said)
    return text[0].upper() + text[1:] + "."


def _money_back(currency: str, refund: int, void: int, kept: int, sponsor: str = "") -> MoneyBack:
    return MoneyBack(
        currency=currency,
        refund=str(from_minor(refund, currency)),
        void=str(from_minor(void, currency)),
        kept=str(from_minor(kept, currency)),
        refund_text=format_minor(refund, currency),
        void_text=format_minor(void, currency) if void else "",
        kept_text=format_minor(kept, currency) if kept else "",
        summary=impact_words(refund, void, kept, currency, sponsor),
        full=not kept,
        nothing_back=refund == 0,
        sponsor=sponsor,
    )


def refund_preview(booking: Booking, actor: User, late: bool) -> MoneyBack | None:
    """What cancelling now would give back (None: nothing was paid for the session)."""
    preview = refunds.refund_preview(booking, actor=actor, late=late)
    if preview is None:
        return None
    return _money_back(
        preview["currency"], preview["refund"], preview["void"], preview["kept"], preview["sponsor"]
    )


def money_back(booking: Booking) -> MoneyBack | None:
    """What the cancellation that just happened gave back: refunded, voided, kept."""
    refunds_made = Refund.objects.filter(payment__booking=booking)
    voids = PaymentVoid.objects.filter(payment__booking=booking)
    if booking.cancelled_at is not None:
        refunds_made = refunds_made.filter(created_at__gte=booking.cancelled_at)
        voids = voids.filter(created_at__gte=booking.cancelled_at)
    refund = refunds_made.order_by("-pk").first()
    void = voids.order_by("-pk").first()
    if refund is not None:
        currency, kept = refund.currency, refund.kept
    elif void is not None:
        currency, kept = void.currency, void.kept
    else:
        return None
    paid = refund.payment if refund is not None else void.payment if void is not None else None
    return _money_back(
        currency,
        refund.amount if refund is not None else 0,
        void.amount if void is not None else 0,
        kept,
        refunds.sponsor_of(paid) if paid is not None else "",
    )


# --- the booking API -------------------------------------------------------------------------


def payment_summary(booking: Booking) -> PaymentSummary | None:
    payment = selectors.booking_payment(booking)
    if payment is None:
        return None
    return PaymentSummary(
        id=payment.public_id,
        status=payment.status,
        amount=str(from_minor(payment.amount, payment.currency)),
        currency=payment.currency,
        refunded=str(from_minor(payment.refunded, payment.currency)),
        covered_by=next((s.sponsor_name for s in payment.sources.all() if s.kind == "sponsor"), ""),
    )
