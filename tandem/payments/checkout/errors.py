"""Checkout's refusals: the ServiceError subclasses its services raise (the payment-wide ones,
such as PaymentRequired or CurrencyMismatch, are in payments/errors.py)."""

from __future__ import annotations

from tandem.core.errors import Conflict


class SponsorNotCovering(Conflict):
    """The programme no longer covers this session (its dates, limits or budget)."""

    code = "sponsor_not_covering"


def not_covered() -> SponsorNotCovering:
    return SponsorNotCovering(
        "Your programme does not cover this session (its dates, limits or budget). "
        "Untick it to pay the usual way.",
        fields={"sponsored": ["not_covered"]},
    )


class PaymentKeyReused(Conflict):
    """This Idempotency-Key was used for a different payment request."""

    code = "idempotency_key_reused"
