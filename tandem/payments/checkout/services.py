"""Checkout: paying for a session, a package or a gift card with any mix of sources.

The order in which a price is covered (the rule's one home: payments/checkout/coverage.py):
a sponsor (an organisation's programme, covering a session whole: its budget pays), then
a package credit (a session of that coach and type, covering it whole), then a gift card,
then the client's account credit, then the provider (a card through Stripe, or an invoice
with the manual provider). Every payment moves money in two steps, each a balanced ledger
transaction:

1. *take*: the credit sources (and, for an invoice, the client's receivable) are moved into
   the payment's in-flight account. The ledger refuses to overdraw a gift card, a package
   or account credit, and the source rows are locked first, so two payments racing for the
   last balance never overspend it.
2. *earn*, once the money is there (at once for credits and invoices of sessions; when the
   provider says so for cards): in-flight moves to the coach's payable account and the
   platform fee to revenue (sessions), or to the package's or the gift card's account.

A payment that fails or lapses gives every credit back and frees the held slot. A card that
succeeds after its payment lapsed is refunded in full (`Refund.Reason.UNBOOKABLE`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.booking.models import Booking, Hold
from tandem.booking.selectors import hold_of_client
from tandem.booking.services import BookingRequest, booking_create, hold_create, hold_release
from tandem.booking.services.errors import HoldExpired
from tandem.booking.services.locking import lock_coach
from tandem.core.errors import Conflict, InvalidInput, NotFound, ServiceError
from tandem.core.idempotency import checked_key
from tandem.core.outbox import enqueue_in_transaction

from ..documents import services as documents
from ..errors import CurrencyMismatch, PaymentNotOpen, PaymentRequired

# packages, giftcards and sponsors services import this module: import them as modules
# (never their names) so that either side may be imported first.
from ..giftcards import services as giftcards
from ..giftcards.codes import find_card
from ..ledger import accounts
from ..ledger import services as ledger
from ..ledger.money import fee_bp_for, share, to_minor
from ..models import (
    Account,
    GiftCard,
    GiftCardEvent,
    Invoice,
    PackageCredit,
    Payment,
    PaymentSource,
)
from ..packages import services as packages
from ..providers import IntentState, ProviderIntent, get_provider
from ..sponsors import services as sponsors
from ..sponsors.port import SponsorOffer
from ..sponsors.port import port as sponsor_port
from ..tasks import cancel_intent_task, lapse_payment_task, money_sweep_task
from .coverage import ReadBalances, cover, sponsor_offer
from .refunds import refund_late_card, release_taken, return_unearned

Purpose = Payment.Purpose
Status = Payment.Status
Source = PaymentSource.Kind


class SponsorNotCovering(Conflict):
    """The programme no longer covers this session (its dates, limits or budget)."""

    code = "sponsor_not_covering"


def _not_covered() -> SponsorNotCovering:
    return SponsorNotCovering(
        "Your programme does not cover this session (its dates, limits or budget). "
        "Untick it to pay the usual way.",
        fields={"sponsored": ["not_covered"]},
    )


class PaymentKeyReused(Conflict):
    """This Idempotency-Key was used for a different payment request."""

    code = "idempotency_key_reused"


@dataclass(frozen=True, slots=True)
class PayWith:
    package: bool = True  # use a package credit (sessions only)
    gift_card_code: str | None = None
    use_credit: bool = True
    provider: str | None = None  # "manual" | "stripe"; None: TANDEM_PAYMENT_PROVIDER
    sponsored: bool = True  # let a sponsor (a programme of the client's) pay (sessions only)
    # Only the sponsor pays (the client ticked its box): nothing else is used, and a session
    # it no longer covers is refused (SponsorNotCovering) rather than paid another way.
    sponsor_only: bool = False

    def fingerprint(self) -> dict:
        terms = {
            "sponsored": self.sponsored,
            "package": self.package,
            "gift_card": self.gift_card_code,
            "credit": self.use_credit,
            "provider": self.provider,
        }
        if self.sponsor_only:
            terms["sponsor_only"] = True
        return terms


@dataclass(frozen=True, slots=True)
class SessionPayment:
    """How a new booking is paid: checkout's terms, handed through `booking_create(payment=)`
    to `on_booked` (booking passes them on without looking)."""

    # Without terms (Book now, a direct service call) nobody is at a card form: credits
    # first, then an invoice, whatever the configured provider.
    pay_with: PayWith = PayWith(provider="manual")
    idempotency_key: str | None = None
    request_hash: str = ""
    # A card payment made for the hold this booking comes from (it attaches itself).
    paid_by: Payment | None = None


DEFAULT_TERMS = SessionPayment()


@dataclass(frozen=True, slots=True)
class CheckoutOutcome:
    payment: Payment | None  # None: a free session
    booking: Booking | None  # None until a card payment succeeds
    replayed: bool


def provider_name(pay_with: PayWith) -> str:
    name = pay_with.provider or settings.TANDEM_PAYMENT_PROVIDER
    if name not in ("manual", "stripe"):
        raise InvalidInput("Unknown payment provider.", fields={"provider": ["invalid"]})
    if name == "stripe" and not settings.STRIPE_SECRET_KEY:
        raise InvalidInput("Card payments are not configured.", fields={"provider": ["invalid"]})
    return name


def request_hash(body: dict) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()


# --- opening a payment ---------------------------------------------------------------------


def _replay(client: User, key: str | None, fingerprint: str) -> Payment | None:
    if not key:
        return None
    found = Payment.objects.filter(client=client, idempotency_key=key).first()
    if found is not None and found.request_hash != fingerprint:
        raise PaymentKeyReused()
    return found


def _lock_row(model, pk: int):
    """Re-read a row under a lock (PostgreSQL; SQLite's IMMEDIATE transaction already has one)."""
    queryset = model.objects.filter(pk=pk)
    if connection.vendor == "postgresql":
        queryset = queryset.select_for_update()
    return queryset.get()


def _find_gift_card(code: str, currency: str, now: datetime) -> GiftCard:
    card = _lock_row(GiftCard, find_card(code).pk)
    if card.status != GiftCard.Status.ACTIVE or card.expires_at <= now:
        raise InvalidInput(
            "This gift card cannot be used.", code="gift_card_unusable", fields={"gift_card": []}
        )
    if card.currency != currency:
        raise CurrencyMismatch(
            f"This gift card is in {card.currency}; this price is in {currency}.",
            fields={"gift_card": ["currency"]},
        )
    return card


def _claim_package_credit(client: User, coach, session_type, now: datetime):
    """An available credit for this coach and type, claimed (conditional UPDATE) or None."""
    candidates = (
        PackageCredit.objects.filter(
            purchase__client=client,
            purchase__coach=coach,
            purchase__session_type=session_type,
            purchase__status="active",
            purchase__expires_at__gt=now,
            status=PackageCredit.Status.AVAILABLE,
        )
        .select_related("purchase")
        .order_by("purchase__expires_at", "purchase_id", "index")
    )
    for credit in candidates[:5]:
        claimed = PackageCredit.objects.filter(
            pk=credit.pk, status=PackageCredit.Status.AVAILABLE
        ).update(status=PackageCredit.Status.USED, used_at=now)
        if claimed:
            credit.status = PackageCredit.Status.USED
            return credit
    return None


@dataclass(slots=True)
class _Taking:
    """payment_open's side of the coverage rule (checkout/coverage.py): what it reads, it
    takes: the sponsor's cover is claimed (orgs locks the programme and records the sponsored
    session), the package credit is claimed, the gift card and the account credit are locked."""

    client: User
    coach: Any
    session_type: Any  # None: not a session (a package or gift card purchase)
    currency: str
    gift_card_code: str | None
    now: datetime
    booking: Booking | None = None
    price: int = 0
    sponsor_declined: bool = False  # the port was asked to claim and said no
    package_credit: PackageCredit | None = None
    card: GiftCard | None = None
    credit_account: Account | None = None

    def sponsor_covers(self) -> SponsorOffer | None:
        # Only a booking already made is claimed (a card payment's hold is never sponsored:
        # a sponsored session needs no card, so it books at once).
        port = sponsor_port()
        if port is None or self.session_type is None or self.booking is None or not self.price:
            return None
        offer = port.claim(
            client=self.client,
            coach=self.coach,
            session_type=self.session_type,
            booking=self.booking,
            price=self.price,
            currency=self.currency,
            now=self.now,
        )
        self.sponsor_declined = offer is None
        if offer is not None and offer.currency != self.currency:
            raise CurrencyMismatch(
                f"The programme's budget is in {offer.currency}; this price is in {self.currency}.",
                fields={"sponsored": ["currency"]},
            )
        return offer

    def package_covers(self) -> bool:
        if self.session_type is None:
            return False
        self.package_credit = _claim_package_credit(
            self.client, self.coach, self.session_type, self.now
        )
        return self.package_credit is not None

    def gift_card(self) -> int:
        self.card = _find_gift_card(self.gift_card_code or "", self.currency, self.now)
        return accounts.gift_card_balance(self.card)

    def account_credit(self) -> int:
        self.credit_account = accounts.client_credit(self.client, self.currency)
        _lock_row(Account, self.credit_account.pk)
        return ledger.balance(self.credit_account)


def payment_open(
    *,
    client: User,
    purpose: str,
    amount: int,
    currency: str,
    pay_with: PayWith,
    coach=None,
    idempotency_key: str | None = None,
    request_hash: str = "",
    booking: Booking | None = None,
    hold: Hold | None = None,
    session_type=None,
    package_purchase=None,
    gift_card: GiftCard | None = None,
    now: datetime | None = None,
) -> Payment:
    """Open (and, when credits or an invoice cover it, complete) a payment. See the module."""
    if not connection.in_atomic_block:
        raise RuntimeError("payment_open must run inside the caller's transaction")
    now = now or timezone.now()
    key = checked_key(idempotency_key)
    if (earlier := _replay(client, key, request_hash)) is not None:
        return earlier
    provider = provider_name(pay_with)
    payment = Payment.objects.create(
        client=client,
        coach=coach,
        purpose=purpose,
        booking=booking,
        hold_public_id=hold.public_id if hold else None,
        session_type=session_type,
        booking_start=hold.start if hold else None,
        package_purchase=package_purchase,
        gift_card=gift_card,
        amount=amount,
        currency=currency,
        status=Status.REQUIRES_PAYMENT,
        idempotency_key=key or "",
        request_hash=request_hash if key else "",
        expires_at=hold.expires_at if hold else None,
        created_at=now,
        updated_at=now,
    )
    in_flight = accounts.in_flight(payment)
    legs: list[tuple[Account, int]] = []
    taking = _Taking(
        client=client,
        coach=coach,
        session_type=session_type if purpose == Purpose.BOOKING else None,
        currency=currency,
        gift_card_code=pay_with.gift_card_code,
        now=now,
        booking=booking,
        price=amount,
    )
    coverage = cover(amount, pay_with, taking)
    if pay_with.sponsor_only and coverage.sponsor is None and booking is not None:
        # The client chose the sponsor, which said no at the claim (a limit was reached
        # since the review step): the booking rolls back; nothing else pays in its place.
        raise _not_covered()
    if (
        coverage.rest
        and provider == "stripe"
        and booking is not None
        and taking.sponsor_declined
        and sponsor_offer(client, coach, session_type, now, booking.start) is not None
    ):
        # Booked without a card because the sponsor would pay, but its claim said no (a
        # limit was reached meanwhile: a pause, the last session or budget taken): refuse
        # (the booking rolls back) rather than leave a booked session waiting for a card.
        raise _not_covered()

    if coverage.sponsor is not None:
        offer = coverage.sponsor
        # The programme's budget pays the whole price (the ledger refuses to overdraw it).
        PaymentSource.objects.create(
            payment=payment,
            kind=Source.SPONSOR,
            amount=amount,
            sponsor_owner=offer.budget_owner,
            sponsor_name=offer.covered_by[:300],
        )
        legs += [(accounts.sponsor_budget(offer.budget_owner, currency), amount)]

    if coverage.package and taking.package_credit is not None:
        credit = taking.package_credit
        # A package credit covers the session whole; the payment is worth the credit.
        payment.amount = amount = credit.value
        PaymentSource.objects.create(
            payment=payment, kind=Source.PACKAGE, amount=credit.value, package_credit=credit
        )
        if booking is not None:
            PackageCredit.objects.filter(pk=credit.pk).update(booking=booking)
        if credit.value:
            legs += [(accounts.package(credit.purchase), credit.value)]

    if coverage.gift_card and taking.card is not None:
        PaymentSource.objects.create(
            payment=payment, kind=Source.GIFT_CARD, amount=coverage.gift_card, gift_card=taking.card
        )
        legs.append((accounts.gift_card(taking.card), coverage.gift_card))
        _gift_card_event(taking.card, "redeemed", coverage.gift_card, client, payment, now)

    if coverage.credit and taking.credit_account is not None:
        PaymentSource.objects.create(payment=payment, kind=Source.CREDIT, amount=coverage.credit)
        legs.append((taking.credit_account, coverage.credit))

    remaining = coverage.rest
    if remaining and provider == "manual":
        PaymentSource.objects.create(payment=payment, kind=Source.INVOICE, amount=remaining)
        if purpose == Purpose.BOOKING:
            # A session is invoiced: the client owes it now, the coach has earned it.
            legs.append((accounts.receivable(client, currency), remaining))
            remaining = 0
    elif remaining:
        PaymentSource.objects.create(payment=payment, kind=Source.CARD, amount=remaining)

    taken = sum(value for _, value in legs)
    if taken:
        legs.append((in_flight, -taken))
        ledger.post(
            reason="payment_take",
            correlation_key=f"payment:{payment.pk}:take",
            legs=legs,
            payment=payment,
            booking=booking,
            actor=client,
            now=now,
        )
    if purpose == Purpose.BOOKING:
        payment.fee = share(amount, _fee_bp(coach))
    payment.provider = (
        provider if Source.INVOICE in _kinds(payment) or Source.CARD in _kinds(payment) else "none"
    )
    payment.save(update_fields=["amount", "fee", "provider"])

    kinds = _kinds(payment)
    if Source.CARD in kinds:
        transaction.on_commit(lambda: _start_card_after_commit(payment.pk))
        _schedule_lapse(payment)
    elif Source.INVOICE in kinds:
        payment.status = Status.AWAITING_INVOICE
        payment.save(update_fields=["status"])
        if purpose == Purpose.BOOKING:
            _earn(payment, now)
        _issue_document(payment, "invoice", now)
    else:
        _succeed(payment, now)
    return payment


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


def _schedule_lapse(payment: Payment) -> None:
    """Lapse the payment on time if the card never succeeds (the sweep is the backstop)."""
    if payment.expires_at is None:
        return

    payment_pk, run_after = payment.pk, payment.expires_at
    enqueue_in_transaction(
        lambda: lapse_payment_task.using(run_after=run_after).enqueue(payment_pk)
    )


def schedule_expiry_sweep(at: datetime) -> None:
    """Run the money sweep when a package or gift card expires (forfeits posted on time)."""
    enqueue_in_transaction(lambda: money_sweep_task.using(run_after=at).enqueue())


def _kinds(payment: Payment) -> set[str]:
    return set(payment.sources.values_list("kind", flat=True))


def _fee_bp(coach) -> int:
    return fee_bp_for(coach)


def _gift_card_event(card: GiftCard, kind: str, amount: int, actor, payment, now) -> None:
    GiftCardEvent.objects.create(
        card=card, kind=kind, amount=amount, actor=actor, payment=payment, at=now
    )


def _issue_document(payment: Payment, kind: str, now: datetime) -> None:
    """An invoice (manual provider) or a receipt, numbered per coach (documents/services.py)."""
    if payment.coach is None:
        return

    if kind == "invoice":
        documents.invoice_issue(payment, now)
    else:
        documents.receipt_issue(payment, now)


# --- success and failure ---------------------------------------------------------------------


def _earn(payment: Payment, now: datetime) -> None:
    """Move the payment's money from in-flight to where it belongs (once: correlation key)."""
    in_flight = accounts.in_flight(payment)
    amount = payment.amount
    if amount == 0:
        return
    if payment.purpose == Purpose.BOOKING:
        legs = [(in_flight, amount)]
        if amount - payment.fee:
            legs.append(
                (accounts.coach_payable(payment.coach, payment.currency), -(amount - payment.fee))
            )
        if payment.fee:
            legs.append((accounts.platform_revenue(payment.currency), -payment.fee))
    elif payment.purpose == Purpose.PACKAGE:
        legs = [(in_flight, amount), (accounts.package(payment.package_purchase), -amount)]
    else:
        legs = [(in_flight, amount), (accounts.gift_card(payment.gift_card), -amount)]
    ledger.post(
        reason="payment_earn",
        correlation_key=f"payment:{payment.pk}:earn",
        legs=legs,
        payment=payment,
        booking=payment.booking,
        now=now,
    )


def _succeed(payment: Payment, now: datetime, *, receipt: bool = True) -> None:
    """Everything is paid: earn, fulfil (book the held time, activate a package or card)."""
    if payment.purpose == Purpose.BOOKING and payment.booking_id is None:
        booking = _book_paid_session(payment, now)
        if booking is None:
            return
    payment.status = Status.SUCCEEDED
    payment.succeeded_at = now
    payment.updated_at = now
    payment.save(update_fields=["status", "succeeded_at", "updated_at"])
    if payment.purpose == Purpose.SPONSOR_FUNDING:
        # A programme's budget paid by card: in-flight → the budget (sponsors/services.py).
        sponsors.on_card_paid(payment, now=now)
        return
    _earn(payment, now)
    if payment.purpose == Purpose.PACKAGE:
        purchase = packages.on_paid(payment.package_purchase, now=now)
        schedule_expiry_sweep(purchase.expires_at)
    elif payment.purpose == Purpose.GIFT_CARD:
        giftcards.on_paid(payment.gift_card, payment=payment, now=now)
        card = GiftCard.objects.get(pk=payment.gift_card_id)
        schedule_expiry_sweep(card.expires_at)
    if receipt and payment.amount:
        _issue_document(payment, "receipt", now)


def _book_paid_session(payment: Payment, now: datetime) -> Booking | None:
    """Book the time a card payment was for. If it is gone, refund in full (None)."""
    request = BookingRequest(hold_id=payment.hold_public_id, notes=payment.booking_notes)
    try:
        with transaction.atomic():
            outcome = booking_create(
                client=payment.client,
                request=request,
                idempotency_key=f"payment-{payment.public_id}",
                now=now,
                payment=SessionPayment(paid_by=payment),
            )
    except (HoldExpired, NotFound):
        # The hold lapsed while the client paid: book the same time directly if it is free.
        if payment.booking_start is None:
            _refund_unbookable(payment, now)
            return None
        try:
            with transaction.atomic():
                outcome = booking_create(
                    client=payment.client,
                    request=BookingRequest(
                        coach=payment.coach,
                        session_type=payment.session_type,
                        start=payment.booking_start,
                        notes=payment.booking_notes,
                    ),
                    idempotency_key=f"payment-{payment.public_id}-direct",
                    now=now,
                    payment=SessionPayment(paid_by=payment),
                )
        except ServiceError:  # taken, too late, or the coach stopped taking bookings
            _refund_unbookable(payment, now)
            return None
    except ServiceError:
        _refund_unbookable(payment, now)
        return None
    payment.booking = outcome.booking
    payment.save(update_fields=["booking"])
    PackageCredit.objects.filter(
        pk__in=payment.sources.filter(kind=Source.PACKAGE).values("package_credit")
    ).update(booking=outcome.booking)
    return outcome.booking


def _refund_unbookable(payment: Payment, now: datetime) -> None:
    """Paid, but the time is gone: the money (card and credits) goes back in full."""
    return_unearned(payment, reason="unbookable", now=now)
    payment.status = Status.REFUNDED
    payment.refunded = payment.amount
    payment.failure_reason = "The time was no longer free when the payment arrived."
    payment.updated_at = now
    payment.save(update_fields=["status", "refunded", "failure_reason", "updated_at"])


def payment_fail(
    payment: Payment, *, reason: str, status: str = Status.FAILED, now=None
) -> Payment:
    """An open payment failed or lapsed: credits go back, the held slot is freed."""
    now = now or timezone.now()
    payment = _lock_row(Payment, payment.pk)
    if payment.status not in Payment.OPEN_STATUSES:
        return payment

    release_taken(payment, now=now)
    payment.status = status
    payment.failure_reason = reason[:200]
    payment.updated_at = now
    payment.save(update_fields=["status", "failure_reason", "updated_at"])
    if payment.purpose == Purpose.BOOKING and payment.hold_public_id:
        # The slot goes back; a hold already gone (expired, swept) is fine.
        with contextlib.suppress(NotFound):
            hold_release(client=payment.client, hold_id=payment.hold_public_id)
    elif payment.purpose == Purpose.PACKAGE:
        packages.on_failed(payment.package_purchase)
    elif payment.purpose == Purpose.GIFT_CARD:
        giftcards.on_failed(payment.gift_card)
    elif payment.purpose == Purpose.SPONSOR_FUNDING:
        sponsors.on_card_failed(payment)
    return payment


# --- cards -----------------------------------------------------------------------------------


def _start_card_after_commit(payment_pk: int) -> None:
    payment = Payment.objects.get(pk=payment_pk)
    try:
        payment_start_card(payment)
    except Exception:  # the client retries (same Idempotency-Key) or the sweep lapses it
        import logging

        logging.getLogger(__name__).exception("could not create the PaymentIntent")


def payment_start_card(payment: Payment) -> Payment:
    """Create the provider's PaymentIntent for the card part (idempotent: keyed by payment)."""
    if payment.provider_ref or payment.status != Status.REQUIRES_PAYMENT:
        return payment
    card = payment.sources.get(kind=Source.CARD)
    intent = get_provider(payment.provider).create_intent(
        amount=card.amount,
        currency=payment.currency,
        idempotency_key=f"payment-{payment.public_id}",
        metadata={"payment": str(payment.public_id), "purpose": payment.purpose},
    )
    Payment.objects.filter(pk=payment.pk, provider_ref="").update(
        provider_ref=intent.ref, client_secret=intent.client_secret
    )
    payment.refresh_from_db()
    return payment


@transaction.atomic
def payment_apply_intent(
    *, payment: Payment, intent: ProviderIntent, now: datetime | None = None
) -> Payment:
    """Apply the provider's (re-read) state of the payment's intent. Safe to repeat."""
    now = now or timezone.now()
    payment = _lock_row(Payment, payment.pk)
    if intent.state == IntentState.SUCCEEDED:
        if payment.status == Status.REQUIRES_PAYMENT:
            card = payment.sources.get(kind=Source.CARD)
            ledger.post(
                reason="card_received",
                correlation_key=f"payment:{payment.pk}:card",
                legs=[
                    (accounts.provider_clearing(payment.provider, payment.currency), card.amount),
                    (accounts.in_flight(payment), -card.amount),
                ],
                payment=payment,
                now=now,
            )
            _succeed(payment, now)
        elif payment.status in (Status.FAILED, Status.CANCELLED):
            _refund_late_card(payment, now)
    elif (
        intent.state in (IntentState.FAILED, IntentState.CANCELED)
        and payment.status == Status.REQUIRES_PAYMENT
    ):
        payment_fail(
            payment,
            reason=intent.failure_reason or "The card payment did not go through.",
            status=Status.FAILED if intent.state == IntentState.FAILED else Status.CANCELLED,
            now=now,
        )
    payment.refresh_from_db()
    return payment


def _refund_late_card(payment: Payment, now: datetime) -> None:
    """The card succeeded after the payment lapsed: take the money in, send it straight back."""
    refund_late_card(payment, now=now)


def payments_sweep(*, now: datetime | None = None) -> int:
    """Lapse card payments whose hold expired unpaid (and cancel their intents)."""
    now = now or timezone.now()
    lapsed = 0
    for payment in Payment.objects.filter(status=Status.REQUIRES_PAYMENT, expires_at__lte=now):
        with transaction.atomic():
            done = payment_fail(
                payment, reason="Not paid in time.", status=Status.CANCELLED, now=now
            )
        if done.status == Status.CANCELLED:
            lapsed += 1
            if done.provider_ref:
                cancel_intent_task.enqueue(done.pk)
    return lapsed


# --- invoices ----------------------------------------------------------------------------------


@transaction.atomic
def invoice_mark_paid(*, payment_id: uuid.UUID, user: User, now: datetime | None = None) -> Payment:
    """The coach of the payment (or staff) records that its invoice was paid."""
    now = now or timezone.now()
    found = Payment.objects.filter(public_id=payment_id).select_related("coach").first()
    if found is None or not (
        user.is_staff or (found.coach is not None and found.coach.user_id == user.pk)
    ):
        raise NotFound("No such payment.")
    payment = _lock_row(Payment, found.pk)
    if payment.status != Status.AWAITING_INVOICE:
        raise PaymentNotOpen()
    invoice = payment.sources.get(kind=Source.INVOICE)
    invoice_part = invoice.amount - invoice.refunded - invoice.voided  # a void is not owed
    clearing = accounts.provider_clearing("manual", payment.currency)
    if payment.purpose == Purpose.BOOKING:
        # Earned already; the client's debt is settled.
        legs = [
            (clearing, invoice_part),
            (accounts.receivable(payment.client, payment.currency), -invoice_part),
        ]
    else:
        legs = [(clearing, invoice_part), (accounts.in_flight(payment), -invoice_part)]
    ledger.post(
        reason="invoice_paid",
        correlation_key=f"payment:{payment.pk}:invoice_paid",
        legs=legs,
        payment=payment,
        actor=user,
        now=now,
    )
    if payment.purpose == Purpose.BOOKING:
        payment.status = Status.SUCCEEDED
        payment.succeeded_at = now
        payment.updated_at = now
        payment.save(update_fields=["status", "succeeded_at", "updated_at"])
    else:
        _succeed(payment, now, receipt=False)  # earns and fulfils (the paid invoice is the record)

    Invoice.objects.filter(
        payment=payment, status=Invoice.Status.OPEN, superseded_at__isnull=True
    ).update(status=Invoice.Status.PAID, paid_at=now)
    return payment


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
    if request.hold_id is not None:
        hold = hold_of_client(client, request.hold_id)
        if hold is None:
            # Gone: it became a booking (a replay answers with it) or never was ours.
            if key and (earlier := _replay(client, key, fingerprint)) is not None:
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
    if key and (earlier := _replay(client, key, fingerprint)) is not None:
        return CheckoutOutcome(earlier, earlier.booking, replayed=True)
    provider = provider_name(pay_with)
    start = hold.start if hold is not None else request.start
    if pay_with.sponsor_only and sponsor_offer(client, coach, session_type, now, start) is None:
        raise _not_covered()
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
        if key and (earlier := _replay(client, key, fingerprint)) is not None:
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
        if key and (earlier := _replay(client, key, fingerprint)) is not None:
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
