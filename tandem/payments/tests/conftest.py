"""Fixtures for the payments tests. Each area keeps its fixtures in its own marked section."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .stripe_standin import SECRET_KEY, WEBHOOK_SECRET, StripeStandin

# --- Stripe: the local stand-in ------------------------------------------------------------
# Stripe's servers cannot be reached from here: the real `stripe` library talks to a local
# HTTP stand-in of the endpoints Tandem uses (tandem/payments/tests/stripe_standin.py).


@pytest.fixture
def stripe_standin(settings) -> Iterator[StripeStandin]:  # type: ignore[no-untyped-def]
    """A running Stripe stand-in, with settings pointing the stripe provider at it."""
    with StripeStandin() as standin:
        settings.STRIPE_API_BASE = standin.url
        settings.STRIPE_SECRET_KEY = SECRET_KEY
        settings.STRIPE_PUBLISHABLE_KEY = "pk_test_tandem_standin"
        settings.STRIPE_WEBHOOK_SECRET = WEBHOOK_SECRET
        settings.TANDEM_PAYMENT_PROVIDER = "stripe"
        yield standin


# --- end Stripe ----------------------------------------------------------------------------
