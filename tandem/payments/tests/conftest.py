"""Fixtures for the payments tests. Each area keeps its fixtures in its own marked section."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .stripe_standin import SECRET_KEY, WEBHOOK_SECRET, StripeStandin

# --- Stripe: the local stand-in ------------------------------------------------------------
# Stripe's servers cannot be reached from here: the real `stripe` library talks to a local
# HTTP stand-in of the endpoints Tandem uses (tandem/payments/tests/stripe_standin.py).


@pytest.fixture
def stripe_standin(settings) -> Iterator[StripeStandin]:
    """A running Stripe stand-in, with settings pointing the stripe provider at it."""
    with StripeStandin() as standin:
        settings.STRIPE_API_BASE = standin.url
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_tandem_standin"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.TANDEM_PAYMENT_PROVIDER = "stripe"
        yield standin


# --- end Stripe ----------------------------------------------------------------------------


# --- Packages --------------------------------------------------------------------------------
# Alice (listed coach, EUR) sells "Five sessions" of her 80.00 EUR session type for 360.00 EUR,
# valid 180 days; Charlie can be made a coach too (pk_other_coach).


@pytest.fixture
def pk_coach(alice):
    from tandem.booking.tests.conftest import make_coach

    return make_coach(alice, slug="alice")


@pytest.fixture
def pk_type(pk_coach):
    from tandem.booking.tests.conftest import make_type

    return make_type(pk_coach)


@pytest.fixture
def pk_offer(alice, pk_type):
    from tandem.payments.packages.offers import package_offer_create

    return package_offer_create(
        coach_user=alice,
        session_type_id=pk_type.public_id,
        name="Five sessions",
        sessions=5,
        price="360.00",
        valid_days=180,
    )


@pytest.fixture
def pk_other_coach(charlie):
    from tandem.booking.tests.conftest import make_coach

    return make_coach(charlie, slug="charlie")


# --- end Packages ----------------------------------------------------------------------------


# --- Earnings, payouts and documents ---------------------------------------------------------
# Alice (coach, Europe/Berlin, slug "alice"); payments made straight into the ledger the way a
# succeeded booking payment posts: Dr provider clearing / Cr coach payable + platform revenue.


@pytest.fixture
def money_coach(alice):
    from tandem.booking.tests.conftest import make_coach

    return make_coach(alice, slug="alice")


def money_paid(coach, client, *, amount: int, fee: int, at, currency: str = "EUR"):
    """A succeeded booking payment of `amount` (fee to the platform), posted at `at`."""
    from django.db import transaction

    from tandem.payments.ledger import accounts
    from tandem.payments.ledger import services as ledger
    from tandem.payments.models import Payment

    with transaction.atomic():
        payment = Payment.objects.create(
            client=client,
            coach=coach,
            purpose=Payment.Purpose.BOOKING,
            amount=amount,
            currency=currency,
            fee=fee,
            provider=Payment.Provider.MANUAL,
            status=Payment.Status.SUCCEEDED,
            created_at=at,
            succeeded_at=at,
        )
        ledger.post(
            reason="payment",
            correlation_key=f"test-payment:{payment.pk}",
            legs=[
                (accounts.provider_clearing("manual", currency), amount),
                (accounts.coach_payable(coach, currency), -(amount - fee)),
                (accounts.platform_revenue(currency), -fee),
            ],
            payment=payment,
            now=at,
        )
    return payment


def money_refund(payment, *, amount: int, fee_back: int, at):
    """Refund `amount` of a payment; the platform gives back `fee_back` of its fee."""
    from django.db import transaction

    from tandem.payments.ledger import accounts
    from tandem.payments.ledger import services as ledger
    from tandem.payments.models import Refund

    cur = payment.currency
    with transaction.atomic():
        refund = Refund.objects.create(
            payment=payment, amount=amount, currency=cur, reason=Refund.Reason.STAFF, created_at=at
        )
        ledger.post(
            reason="refund",
            correlation_key=f"test-refund:{refund.pk}",
            legs=[
                (accounts.provider_clearing("manual", cur), -amount),
                (accounts.coach_payable(payment.coach, cur), amount - fee_back),
                (accounts.platform_revenue(cur), fee_back),
            ],
            payment=payment,
            now=at,
        )
        payment.refunded += amount
        payment.status = (
            payment.Status.REFUNDED
            if payment.refunded == payment.amount
            else payment.Status.PARTIALLY_REFUNDED
        )
        payment.save(update_fields=["refunded", "status"])
    return refund


# --- end Earnings, payouts and documents -----------------------------------------------------
