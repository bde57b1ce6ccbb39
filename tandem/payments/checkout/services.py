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

Where each step lives (this module re-exports the public names, so callers outside payments
keep importing them from here; code inside payments imports the module that does the work):

- `terms.py`: how the client pays (`PayWith`), a new booking's terms (`SessionPayment`),
  what checkout answers (`CheckoutOutcome`), the provider and the request fingerprint;
- `errors.py`: checkout's refusals (`SponsorNotCovering`, `PaymentKeyReused`);
- `replay.py`: a request's Idempotency-Key answered with the payment it opened;
- `locking.py`: rows re-read under a lock;
- `coverage.py`: the coverage rule; `taking.py`: what a payment takes its sources from;
- `opening.py`: `payment_open` (the take, and completing what credits or an invoice cover);
- `completion.py`: the earn, fulfilling what was paid for, receipts and invoices;
- `failure.py`: `payment_fail` (credits back, the held slot freed);
- `cards.py`: the PaymentIntent, the provider's state (`payment_apply_intent`), lapsing
  (`payments_sweep`);
- `invoices.py`: `invoice_mark_paid`;
- `booking_checkout.py`: `checkout_booking`, `needs_card` and `on_booked`;
- `refunds.py`: refunds and voids.
"""

from __future__ import annotations

from .booking_checkout import checkout_booking, needs_card, on_booked
from .cards import payment_apply_intent, payment_start_card, payments_sweep
from .completion import schedule_expiry_sweep
from .errors import PaymentKeyReused, SponsorNotCovering
from .failure import payment_fail
from .invoices import invoice_mark_paid
from .opening import payment_open
from .terms import (
    DEFAULT_TERMS,
    CheckoutOutcome,
    PayWith,
    SessionPayment,
    provider_name,
    request_hash,
)

__all__ = [
    "DEFAULT_TERMS",
    "CheckoutOutcome",
    "PayWith",
    "PaymentKeyReused",
    "SessionPayment",
    "SponsorNotCovering",
    "checkout_booking",
    "invoice_mark_paid",
    "needs_card",
    "on_booked",
    "payment_apply_intent",
    "payment_fail",
    "payment_open",
    "payment_start_card",
    "payments_sweep",
    "provider_name",
    "request_hash",
    "schedule_expiry_sweep",
]
