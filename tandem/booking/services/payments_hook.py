"""The one seam between a booking and its money: booking's payments port.

Payments builds on booking, never the other way round (docs/architecture.md), yet every
booking must be paid for, a cancelled one must settle its money in the same transaction,
and booking's pages and API show what a session costs, how it was paid and what cancelling
gives back. So booking declares here everything it needs from money (`PaymentsPort`), and
payments registers its implementation once, at start-up (`PaymentsConfig.ready` registers
the module `tandem.payments.checkout.booking_port`). Booking never imports payments; without
payments installed nothing is registered and booking refuses to book rather than give
sessions away.

Inside a booking's own transaction (booking/services):

- `booked` runs inside `booking_create`'s transaction right after the booking is inserted,
  on every path that creates a booking (the wizard, the API, checkout, Book now, a card
  payment that books its held time): checkout happens there, exactly once per booking.
  `how` is opaque here: payments' own description of how the client pays (None: the
  default way). A replayed request (same Idempotency-Key) books nothing, so it pays nothing.
  Rescheduling moves the same booking, so its payment follows it.
- `settle` runs inside a cancellation, decline, lapse or no-show (refunds by policy).
- `moved` runs inside a reschedule, after the booking's new time is saved: the payment
  stays, but documents already issued for it (invoice, receipt) get a new version with the
  new time (payments decides how; an issued document is never rewritten).

For booking's pages and API (call `port()`); what crosses is plain data in booking's words:
`PayChoices` in, frozen dataclasses of figures and amounts already written out, or a
rendered panel, out. Payment rules (how a price is covered, refunds by policy) stay in
payments; booking only shows their answers.

- `book_and_pay`: the wizard's review step and POST /api/v1/bookings book through checkout
  (idempotent by key; credits, then an invoice or a card).
- `quote`: the review step's "how to pay" options and what would be left to pay.
- `sponsor_covers`: the first step's "Covered by ..." on each session type a client's
  sponsor would pay for (today's answer; the review step's quote has the final word).
- `payment_panel`: the session page's payment panel, rendered (payments owns its markup).
- `refund_preview` / `money_back`: what cancelling now would give back (the cancel page,
  GET /bookings/{id}) and what a cancellation just gave back (POST /bookings/{id}/cancel).
- `payment_summary`: the session's payment in the booking API.
- `gift_card_code_max_length`: the longest gift card code the review form accepts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol
from uuid import UUID

from django.http import HttpRequest

from tandem.accounts.models import User

from ..models import Booking

if TYPE_CHECKING:
    from tandem.coaches.models import CoachProfile, SessionType

    from .create import BookingRequest


@dataclass(frozen=True, slots=True)
class PayChoices:
    """How the client chose to pay on a booking form. The defaults are the default way:
    a sponsor's programme, then a package credit, then account credit, then the provider."""

    package: bool = True
    gift_card_code: str | None = None
    use_credit: bool = True
    sponsored: bool = True  # let the client's sponsor (an organisation's programme) pay
    # The client ticked the sponsor's box: only the sponsor pays. If it no longer covers the
    # session the booking is refused, never paid another way the form said was unused.
    sponsor_only: bool = False


@dataclass(frozen=True, slots=True)
class BookedAndPaid:
    """What booking and paying gave: the booking, or (a card to pay first) the pay page."""

    booking: Booking | None  # None: a card payment holds the time until it succeeds
    replayed: bool  # the same Idempotency-Key answered with what the first request made
    pay_url: str = ""  # the card payment's page, while the booking waits for it
    invoiced: bool = False  # the client pays an invoice to the coach as agreed


@dataclass(frozen=True, slots=True)
class PackageOnHand:
    left: int  # package credits the client could use for this session
    expires_at: datetime  # when the credit a booking would use expires


@dataclass(frozen=True, slots=True)
class Quote:
    """The review step's payment: what applies to this client and what would be left to
    pay with the options chosen (amounts written out: "80.00 EUR")."""

    free: bool
    price: str = ""
    package: PackageOnHand | None = None  # None: no package credit to offer
    credit_balance: str = ""  # "": no account credit to offer
    from_package: bool = False
    from_gift_card: str = ""
    from_credit: str = ""
    remaining: str = ""
    remaining_minor: int = 0
    by_card: bool = False  # what is left is paid by card on the next page
    # A sponsor that would cover the session whole: "Northwind Traders (Leadership 2026)"
    # ("" when none would), and whether it covers it with the options chosen.
    sponsor: str = ""
    from_sponsor: bool = False
    # With a sponsor: the same with its box the other way (what unticking, or ticking it
    # again, would leave to pay), for the page to show when the client flips the box.
    other: Quote | None = None


@dataclass(frozen=True, slots=True)
class MoneyBack:
    """What a cancellation gives back (or would now). `refund` goes back to the client;
    `void` is the part of an unpaid invoice cancelled (never paid, so not refunded); `kept`
    is what the coach keeps (a late cancellation)."""

    currency: str
    refund: str  # "40.00", as the API writes amounts
    void: str
    kept: str
    refund_text: str  # "40.00 EUR", as pages write them
    void_text: str  # "" when nothing is voided
    kept_text: str  # "" when nothing is kept
    summary: str  # the same in one sentence
    full: bool  # nothing is kept
    nothing_back: bool  # no money goes back
    # A sponsored session: the money goes back to this sponsor's budget, not to the client.
    sponsor: str = ""


@dataclass(frozen=True, slots=True)
class PaymentSummary:
    id: UUID
    status: str
    amount: str  # "80.00"
    currency: str
    refunded: str
    covered_by: str = ""  # the sponsor that paid: "Northwind Traders (Leadership 2026)"


class PaymentsPort(Protocol):
    """Everything booking needs from payments (see the module)."""

    def booked(self, booking: Booking, how: Any, now: datetime) -> Any: ...

    def settle(self, booking: Booking, change: str, actor: User | None, now: datetime) -> None: ...

    def moved(self, booking: Booking, previous_start: datetime, now: datetime) -> None: ...

    def book_and_pay(
        self,
        *,
        client: User,
        request: BookingRequest,
        choices: PayChoices,
        idempotency_key: str | None,
        card_allowed: bool,
    ) -> BookedAndPaid: ...

    def quote(
        self,
        *,
        client: User,
        coach: CoachProfile,
        session_type: SessionType,
        choices: PayChoices,
        now: datetime,
        start: datetime | None = None,  # the held slot's start: a sponsor answers for its date
    ) -> Quote: ...

    def sponsor_covers(
        self,
        *,
        client: User,
        coach: CoachProfile,
        session_types: list[SessionType],
        now: datetime,
    ) -> list[str]:
        """Per session type, in order: the sponsor that would cover it ("" for none)."""
        ...

    def payment_panel(self, request: HttpRequest, booking: Booking, now: datetime) -> str: ...

    def refund_preview(self, booking: Booking, actor: User, late: bool) -> MoneyBack | None: ...

    def money_back(self, booking: Booking) -> MoneyBack | None: ...

    def payment_summary(self, booking: Booking) -> PaymentSummary | None: ...

    def gift_card_code_max_length(self) -> int: ...


_port: PaymentsPort | None = None


def register(port: PaymentsPort) -> None:
    """Payments' implementation (called once, from its AppConfig.ready)."""
    global _port
    _port = port


def port() -> PaymentsPort:
    """The registered payments implementation."""
    if _port is None:
        raise RuntimeError("No payments handler is registered: install tandem.payments.")
    return _port


def booked(booking: Booking, how: Any, now: datetime) -> Any:
    """Pay for a booking just created (in its transaction); returns payments' answer."""
    return port().booked(booking, how, now)


def settle(booking: Booking, change: str, actor: User | None, now: datetime) -> None:
    """Money follows the booking: settle its payments after a cancellation, decline, lapse
    or no-show, in the same transaction as the change."""
    port().settle(booking, change, actor, now)


def moved(booking: Booking, previous_start: datetime, now: datetime) -> None:
    """The booking moved from `previous_start` to its (saved) new time, in the reschedule's
    transaction: its money stays, its issued documents are brought up to date."""
    if _port is not None:
        _port.moved(booking, previous_start, now)
