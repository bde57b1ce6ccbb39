"""Checkout's terms: how the client asked to pay (PayWith), the terms a new booking is paid
with (SessionPayment), what checkout answers (CheckoutOutcome), and the provider and request
fingerprint they resolve to."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from django.conf import settings

from tandem.booking.models import Booking
from tandem.core.errors import InvalidInput

from ..models import Payment


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
