"""Random sequences of money events against the ledger's invariants: hypothesis' stateful
testing over the real services (manual provider: invoices).

Two coaches (Alice in EUR, Dave in USD; each with a one-hour session type, a request type
she or he confirms by hand, and a package offer), three clients and a staff member. The rules
give account credit (a staff promotion), buy gift cards (paid by credit and/or an invoice),
issue promotional gift cards, buy packages, book and pay with any mix of package / gift card /
credit / invoice, mark invoices paid, cancel (free and late, as client and as coach), decline
and accept requests, mark no-shows, refund by staff, let time pass (requests lapse), jump far
ahead so packages and gift cards expire, and create payouts. The clock (`now`) is the
machine's: no sleeping.

After every step:
- the ledger is sound (ledger_checks.assert_ledger_sound: every transaction balances per
  currency, all balances sum to zero, no account that may not go negative does);
- each gift card's ledger balance equals initial - redeemed + restored - expired, from its
  GiftCardEvents;
- each payment's refunded amount is at most its amount, equals the sum of its refunds, and
  no source gives back more than it gave; likewise its voided amount (an unpaid invoice
  cancelled) and its voids, refunded + voided never more than the amount;
- each coach's payable balance equals, from the domain rows alone: earned (booking payments,
  less the platform fee) - reversed (refunds and voids of them, less the fee given back) + breakage
  (what expired packages left, less the fee) - paid out (payouts not failed).

A refused step (a ServiceError: insufficient funds, slot taken, too late, not open, ...)
must not have changed a single ledger row. A 5xx ServiceError (UnbalancedTransaction) is a
bug, never a refusal.

Each example runs in a savepoint rolled back in teardown (as the booking state machine does),
so examples start from the same world.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.db.models import F, Sum
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conftest import make_user
from tandem.booking import services as booking_services
from tandem.booking.models import Booking
from tandem.booking.tests.conftest import make_coach, make_type
from tandem.core.errors import ServiceError
from tandem.payments.checkout import refunds as refund_services
from tandem.payments.checkout import services as checkout
from tandem.payments.giftcards import services as giftcards
from tandem.payments.ledger import accounts
from tandem.payments.ledger import services as ledger
from tandem.payments.ledger.money import fee_bp_for, share
from tandem.payments.models import (
    Account,
    GiftCard,
    GiftCardEvent,
    LedgerEntry,
    LedgerTransaction,
    PackageCredit,
    PackagePurchase,
    Payment,
    PaymentSource,
    PaymentVoid,
    Payout,
    Refund,
)
from tandem.payments.packages import offers as package_offers
from tandem.payments.packages import services as packages
from tandem.payments.payouts import services as payouts

from .ledger_checks import assert_ledger_sound

pytestmark = pytest.mark.django_db

# What the run exercised ("ok: rule" / "refused: rule code"), printed with -s.
SEEN: Counter[str] = Counter()
# Rules that must have succeeded at least once over the whole run.
# The clock is injected: every example starts at this fixed instant (a Monday morning, UTC),
# never at the wall clock, so a run at a month's end or late at night in some zone behaves
# like any other (slots are cut in the coaches' zones from `now`; payout periods end at it).
START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Rules every bounded run reaches many times whatever ran before (see the test).
COMMON_RULES = ("credit", "book", "mark_paid")

# The rules of the machine, for the printed report.
RULES = (
    "credit",
    "gift_card_buy",
    "gift_card_issue",
    "package_buy",
    "book",
    "mark_paid",
    "cancel_client",
    "cancel_coach",
    "staff_refund",
    "expire",
    "payout",
)

EARNED = (
    Payment.Status.SUCCEEDED,
    Payment.Status.PARTIALLY_REFUNDED,
    Payment.Status.REFUNDED,
    Payment.Status.AWAITING_INVOICE,
    Payment.Status.VOIDED,
)
ACTIVE = (Booking.Status.PENDING, Booking.Status.CONFIRMED)


@dataclass
class Coach:
    user: object
    profile: object
    zone: ZoneInfo
    currency: str
    types: list  # [hour, request]
    offer: object


@dataclass
class World:
    staff: object
    coaches: list[Coach]
    clients: list


def build_world() -> World:
    staff = make_user("sam@example.com", name="Sam Staff", is_staff=True)
    coaches = []
    for email, name, slug, zone, currency, price, offer_price, sessions in (
        # Credit values are multiples of 10 minor units so the 10 % platform fee of a
        # forfeited package is exact whichever way its forfeits are grouped.
        ("alice@example.com", "Alice Adler", "alice", "Europe/Berlin", "EUR", "80.00", "360.00", 5),
        ("dave@example.com", "Dave Diaz", "dave", "America/New_York", "USD", "60.00", "150.00", 3),
    ):
        user = make_user(email, name=name, zone=zone)
        profile = make_coach(user, slug=slug, zone=zone, cancel_free_hours=24, currency=currency)
        hour = make_type(profile, price=Decimal(price), currency=currency)
        request = make_type(
            profile,
            name="Request",
            duration_minutes=45,
            price=Decimal("50.00"),
            currency=currency,
            requires_confirmation=True,
        )
        offer = package_offers.package_offer_create(
            coach_user=user,
            session_type_id=hour.public_id,
            name="Bundle",
            sessions=sessions,
            price=offer_price,
            valid_days=10,
        )
        coaches.append(Coach(user, profile, ZoneInfo(zone), currency, [hour, request], offer))
    clients = [
        make_user(f"{who}@example.com", name=who.title(), zone="UTC")
        for who in ("bob", "erin", "frank")
    ]
    return World(staff=staff, coaches=coaches, clients=clients)


PICK = st.integers(0, 1_000_000)  # an index into whatever exists, modulo its length
COACH = st.integers(0, 1)
CLIENT = st.integers(0, 2)
CURRENCY = st.sampled_from(["EUR", "USD"])
WHOLE = st.integers(1, 120).map(lambda units: units * 100)  # whole currency units


BOOK = {
    "client": CLIENT,
    "coach": COACH,
    "request": st.booleans(),
    "day": st.integers(1, 4),
    "hour": st.integers(8, 18),
    "package": st.booleans(),
    "code": st.one_of(st.none(), PICK),
    "credit": st.booleans(),
    "pay_now": st.booleans(),
}


def ledger_state() -> tuple[int, int, int]:
    last = LedgerEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return LedgerTransaction.objects.count(), LedgerEntry.objects.count(), last


class LedgerMachine(RuleBasedStateMachine):
    world: World  # built once per test run (set by the test)

    def __init__(self) -> None:
        super().__init__()
        self._savepoint = transaction.atomic()
        self._savepoint.__enter__()
        self.now = START
        self.codes: list[str] = []  # gift card codes handed out (bought or issued)
        self.serial = 0

    def teardown(self) -> None:
        transaction.set_rollback(True)
        self._savepoint.__exit__(None, None, None)

    # --- helpers -------------------------------------------------------------------------------

    def key(self, what: str) -> str:
        self.serial += 1
        return f"{what}-{self.serial}"

    def attempt(self, rule_name: str, action) -> object:
        """Run one action; a refusal (ServiceError below 500) must leave the ledger alone."""
        before = ledger_state()
        try:
            result = action()
        except ServiceError as refused:
            if refused.status >= 500:
                raise
            assert ledger_state() == before, f"{rule_name} was refused but moved money"
            detail = f" ({str(refused)[:40]})" if refused.code == "invalid" else ""
            SEEN[f"refused: {rule_name} {refused.code}{detail}"] += 1
            return None
        SEEN[f"ok: {rule_name}"] += 1
        return result

    def pick(self, queryset, index: int):
        rows = list(queryset.order_by("pk"))
        return rows[index % len(rows)] if rows else None

    def slot(self, coach: Coach, day: int, hour: int) -> datetime:
        local = self.now.astimezone(coach.zone).date() + timedelta(days=day)
        return datetime.combine(local, time(hour), tzinfo=coach.zone).astimezone(UTC)

    def pay_with(self, package: bool, code_index: int | None, credit: bool) -> checkout.PayWith:
        code = None
        if code_index is not None and self.codes:
            code = self.codes[code_index % len(self.codes)]
        return checkout.PayWith(package=package, gift_card_code=code, use_credit=credit)

    def mark_paid(self, payment: Payment | None) -> None:
        if payment is not None and payment.status == Payment.Status.AWAITING_INVOICE:
            self.attempt(
                "mark_paid",
                lambda: checkout.invoice_mark_paid(
                    payment_id=payment.public_id, user=self.world.staff, now=self.now
                ),
            )

    # --- rules ---------------------------------------------------------------------------------

    @rule(client=CLIENT, currency=CURRENCY, amount=WHOLE)
    def give_credit(self, client: int, currency: str, amount: int) -> None:
        user = self.world.clients[client]

        def promote() -> None:
            with transaction.atomic():
                ledger.post(
                    reason="promotion",
                    correlation_key=self.key("promotion"),
                    legs=[
                        (accounts.promotions(currency), amount),
                        (accounts.client_credit(user, currency), -amount),
                    ],
                    actor=self.world.staff,
                    now=self.now,
                )

        self.attempt("credit", promote)

    @rule(
        client=CLIENT,
        to=st.one_of(st.none(), CLIENT),
        currency=CURRENCY,
        amount=st.integers(5, 200).map(lambda units: units * 100),
        credit=st.booleans(),
        pay_now=st.booleans(),
    )
    def buy_gift_card(
        self, client: int, to: int | None, currency: str, amount: int, credit: bool, pay_now: bool
    ) -> None:
        buyer = self.world.clients[client]
        recipient = self.world.clients[to].email if to is not None else ""
        bought = self.attempt(
            "gift_card_buy",
            lambda: giftcards.giftcard_buy(
                client=buyer,
                amount=amount,
                currency=currency,
                recipient_email=recipient,
                pay_with=checkout.PayWith(use_credit=credit),
                now=self.now,
            ),
        )
        if bought is not None:
            self.codes.append(bought.card.issued_code)
            if pay_now:
                self.mark_paid(bought.payment)

    @rule(to=CLIENT, currency=CURRENCY, amount=WHOLE, days=st.integers(1, 40))
    def issue_gift_card(self, to: int, currency: str, amount: int, days: int) -> None:
        card = self.attempt(
            "gift_card_issue",
            lambda: giftcards.giftcard_issue(
                staff=self.world.staff,
                amount=amount,
                currency=currency,
                recipient_email=self.world.clients[to].email,
                expires_at=self.now + timedelta(days=days),
                now=self.now,
            ),
        )
        if card is not None:
            self.codes.append(card.issued_code)

    @rule(
        client=CLIENT,
        coach=COACH,
        code=st.one_of(st.none(), PICK),
        credit=st.booleans(),
        pay_now=st.booleans(),
    )
    def buy_package(
        self, client: int, coach: int, code: int | None, credit: bool, pay_now: bool
    ) -> None:
        offer = self.world.coaches[coach].offer
        bought = self.attempt(
            "package_buy",
            lambda: packages.package_buy(
                client=self.world.clients[client],
                offer_id=offer.public_id,
                pay_with=self.pay_with(False, code, credit),
                now=self.now,
            ),
        )
        if bought is not None and pay_now:
            self.mark_paid(bought.payment)

    @rule(**BOOK)
    def book_and_pay(
        self,
        client: int,
        coach: int,
        request: bool,
        day: int,
        hour: int,
        package: bool,
        code: int | None,
        credit: bool,
        pay_now: bool,
    ) -> None:
        who = self.world.coaches[coach]
        outcome = self.attempt(
            "book",
            lambda: checkout.checkout_booking(
                client=self.world.clients[client],
                request=booking_services.BookingRequest(
                    coach=who.profile,
                    session_type=who.types[1 if request else 0],
                    start=self.slot(who, day, hour),
                ),
                pay_with=self.pay_with(package, code, credit),
                idempotency_key=None,
                now=self.now,
            ),
        )
        if outcome is not None and pay_now:
            self.mark_paid(outcome.payment)

    @rule(**BOOK)
    def book_and_pay_more(self, **args) -> None:
        """The same rule again: bookings are what most other rules act on, so weigh them."""
        self.book_and_pay(**args)

    @rule(index=PICK)
    def mark_invoice_paid(self, index: int) -> None:
        self.mark_paid(
            self.pick(Payment.objects.filter(status=Payment.Status.AWAITING_INVOICE), index)
        )

    @rule(index=PICK)
    def cancel_as_client(self, index: int) -> None:
        booking = self.pick(Booking.objects.filter(status__in=ACTIVE), index)
        if booking is not None:
            self.attempt(
                "cancel_client",
                lambda: booking_services.booking_cancel(
                    booking_id=booking.public_id,
                    user=booking.client,
                    reason_code="illness",
                    now=self.now,
                ),
            )

    @rule(index=PICK)
    def cancel_as_coach(self, index: int) -> None:
        booking = self.pick(Booking.objects.filter(status__in=ACTIVE), index)
        if booking is not None:
            self.attempt(
                "cancel_coach",
                lambda: booking_services.booking_cancel(
                    booking_id=booking.public_id,
                    user=booking.coach.user,
                    reason_code="illness",
                    now=self.now,
                ),
            )

    @rule(index=PICK, accept=st.booleans())
    def answer_request(self, index: int, accept: bool) -> None:
        booking = self.pick(Booking.objects.filter(status=Booking.Status.PENDING), index)
        if booking is None:
            return
        answer = booking_services.booking_accept if accept else booking_services.booking_decline
        self.attempt(
            "accept" if accept else "decline",
            lambda: answer(booking_id=booking.public_id, user=booking.coach.user, now=self.now),
        )

    @rule(index=PICK)
    def no_show(self, index: int) -> None:
        booking = self.pick(Booking.objects.filter(status=Booking.Status.CONFIRMED), index)
        if booking is None:
            return
        self.now = max(self.now, booking.end + timedelta(minutes=5))
        booking_services.expire_due_requests(now=self.now)
        self.attempt(
            "no_show",
            lambda: booking_services.booking_no_show(
                booking_id=booking.public_id, user=booking.coach.user, now=self.now
            ),
        )

    @rule(index=PICK, part=st.integers(1, 100))
    def staff_refund(self, index: int, part: int) -> None:
        open_ = Payment.objects.filter(status__in=EARNED, refunded__lt=F("amount") - F("voided"))
        payment = self.pick(open_, index)
        if payment is None:
            return
        left = payment.amount - payment.refunded - payment.voided
        # Whole units where possible (see build_world on exact fees); the last few cents too.
        amount = max(100, left * part // 100 // 100 * 100) if left >= 100 else left
        self.attempt(
            "staff_refund",
            lambda: refund_services.refund_staff(
                payment_id=payment.public_id,
                staff=self.world.staff,
                amount=amount,
                message="goodwill",
                now=self.now,
            ),
        )

    @rule(index=PICK, part=st.integers(1, 100))
    def staff_refund_more(self, index: int, part: int) -> None:
        self.staff_refund(index, part)

    @rule(index=PICK)
    def cancel_as_client_more(self, index: int) -> None:
        self.cancel_as_client(index)

    @rule(hours=st.sampled_from([1, 6, 20, 30]))
    def time_passes(self, hours: int) -> None:
        self.now += timedelta(hours=hours)
        lapsed = booking_services.expire_due_requests(now=self.now)
        SEEN["ok: requests lapsed"] += lapsed

    @rule(days=st.sampled_from([5, 11, 41]))
    def much_later(self, days: int) -> None:
        """Jump ahead: packages (10 days) and gift cards (1-40 days) expire."""
        self.now += timedelta(days=days)
        booking_services.expire_due_requests(now=self.now)
        expired = packages.packages_expire(now=self.now) + giftcards.giftcards_expire(now=self.now)
        SEEN["ok: expire"] += 1 if expired else 0

    @precondition(
        lambda self: any(
            accounts.coach_payable_balance(c.profile, c.currency) > 0 for c in self.world.coaches
        )
    )
    @rule()
    def pay_out(self) -> None:
        # An hour on, so the period that just ended holds what was earned so far.
        self.now += timedelta(hours=1)
        made = self.attempt(
            "payout", lambda: payouts.payouts_create(period_end=self.now, now=self.now)
        )
        if made == []:
            SEEN["ok: payout"] -= 1
            SEEN["nothing to pay out"] += 1

    # --- invariants ------------------------------------------------------------------------------

    @invariant()
    def ledger_is_sound(self) -> None:
        assert_ledger_sound()

    @invariant()
    def gift_cards_match_their_events(self) -> None:
        sign = {
            GiftCardEvent.Kind.ISSUED: 1,
            GiftCardEvent.Kind.PURCHASED: 1,
            GiftCardEvent.Kind.REDEEMED: -1,
            GiftCardEvent.Kind.RESTORED: 1,
            GiftCardEvent.Kind.REFUNDED: -1,
            GiftCardEvent.Kind.EXPIRED: -1,
        }
        for card in GiftCard.objects.all():
            expected = sum(
                sign.get(kind, 0) * amount
                for kind, amount in card.events.values_list("kind", "amount")
            )
            assert accounts.gift_card_balance(card) == expected, (card.status, expected)
            if card.status == GiftCard.Status.EXPIRED:
                assert expected == 0

    @invariant()
    def refunds_never_exceed_payments(self) -> None:
        refunded = dict(
            Refund.objects.values("payment").annotate(s=Sum("amount")).values_list("payment", "s")
        )
        voided = dict(
            PaymentVoid.objects.values("payment")
            .annotate(s=Sum("amount"))
            .values_list("payment", "s")
        )
        for payment in Payment.objects.all():
            assert 0 <= payment.refunded <= payment.amount, payment.pk
            assert payment.refunded == (refunded.get(payment.pk) or 0), payment.pk
            assert payment.voided == (voided.get(payment.pk) or 0), payment.pk
            assert payment.refunded + payment.voided <= payment.amount, payment.pk
        for source in PaymentSource.objects.all():
            assert 0 <= source.refunded <= source.amount, source.pk
            assert source.refunded + source.voided <= source.amount, source.pk

    @invariant()
    def coach_payables_match_the_domain(self) -> None:
        for coach in self.world.coaches:
            profile, currency = coach.profile, coach.currency
            bookings = Payment.objects.filter(
                coach=profile, purpose=Payment.Purpose.BOOKING, currency=currency, status__in=EARNED
            )
            earned = sum(p.amount - p.fee for p in bookings)
            mine = {
                "payment__coach": profile,
                "payment__purpose": Payment.Purpose.BOOKING,
                "payment__currency": currency,
            }
            reversed_ = sum(r.amount - r.fee_returned for r in Refund.objects.filter(**mine))
            reversed_ += sum(v.amount - v.fee_returned for v in PaymentVoid.objects.filter(**mine))
            breakage = 0
            for purchase in PackagePurchase.objects.filter(
                coach=profile, status=PackagePurchase.Status.EXPIRED
            ):
                payment = Payment.objects.filter(
                    package_purchase=purchase, purpose=Payment.Purpose.PACKAGE, status__in=EARNED
                ).first()
                if payment is None or payment.status == Payment.Status.AWAITING_INVOICE:
                    continue
                used = (
                    PackageCredit.objects.filter(
                        purchase=purchase, status=PackageCredit.Status.USED
                    ).aggregate(s=Sum("value"))["s"]
                    or 0
                )
                left = payment.amount - payment.refunded - used
                breakage += left - share(left, fee_bp_for(profile))
            paid_out = (
                Payout.objects.filter(coach=profile, currency=currency)
                .exclude(status=Payout.Status.FAILED)
                .aggregate(s=Sum("amount"))["s"]
                or 0
            )
            balance = accounts.coach_payable_balance(profile, currency)
            assert balance == earned - reversed_ + breakage - paid_out, (
                coach.currency,
                balance,
                earned,
                reversed_,
                breakage,
                paid_out,
            )
            other = "USD" if currency == "EUR" else "EUR"
            assert not Account.objects.filter(
                kind=Account.Kind.COACH_PAYABLE, coach=profile, currency=other
            ).exists()


def test_random_money_events_keep_the_ledger_sound(settings) -> None:
    settings.TANDEM_PAYMENT_PROVIDER = "manual"
    settings.TANDEM_GIFT_CARD_VALID_DAYS = 20  # bought cards expire within a run
    settings.TANDEM_PENDING_EXPIRY_HOURS = 12
    SEEN.clear()
    LedgerMachine.world = build_world()
    run_state_machine_as_test(
        LedgerMachine,
        settings=hypothesis_settings(
            max_examples=30,  # enough for every rule to run (derandomized)
            stateful_step_count=25,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[
                HealthCheck.too_slow,
                HealthCheck.function_scoped_fixture,
                HealthCheck.filter_too_much,
            ],
        ),
    )
    for name in RULES:
        SEEN[f"ok: {name}"] += 0  # list the rules this run never reached too
    print("\n".join(f"{count:5d}  {what}" for what, count in sorted(SEEN.items())))
    # Which rules a bounded run reaches is printed above, not asserted rule by rule: the
    # derandomized sequence is the same for one process state, yet the rare rules it reached
    # changed with the tests that ran before it in the same process (seen in CI: a rule
    # reached alone was missed in the full suite), which made this test fail by test order.
    # The invariants are checked after every step; each money path also has its own
    # deterministic tests (test_checkout_*, test_void_unpaid_invoice, test_earnings_money, …).
    # What must hold is that the run did real work on the common paths.
    for name in COMMON_RULES:
        assert SEEN[f"ok: {name}"] > 0, (name, SEEN)


def test_a_staff_refund_of_an_unpaid_gift_card_invoice_leaves_it_payable(bob, staff_user) -> None:
    with transaction.atomic():
        ledger.post(
            reason="promotion",
            correlation_key="unpaid-invoice-credit",
            legs=[
                (accounts.promotions("EUR"), 2000),
                (accounts.client_credit(bob, "EUR"), -2000),
            ],
        )
    payment = giftcards.giftcard_buy(
        client=bob, amount=5000, currency="EUR", recipient_email="", pay_with=None
    ).payment  # 20.00 account credit + a 30.00 invoice, awaiting payment
    entries = LedgerEntry.objects.count()
    with pytest.raises(ServiceError) as refused:
        refund_services.refund_staff(
            payment_id=payment.public_id, staff=staff_user, amount=1000, message="goodwill"
        )
    assert refused.value.code == "not_refundable"
    assert LedgerEntry.objects.count() == entries  # nothing was "returned" that never came in
    assert ledger.balance_of(Account.Kind.PROVIDER_CLEARING, "EUR", owner="manual") == 0
    checkout.invoice_mark_paid(payment_id=payment.public_id, user=staff_user)
