"""Payment providers behind one interface: `manual` (invoices marked paid by a person; the
embedded default) and `stripe` (the official library; PaymentIntents, refunds, Connect
transfers). `get_provider()` returns the configured one."""

from __future__ import annotations

from django.conf import settings

from .base import CardProvider, IntentState, ProviderIntent


def get_provider(name: str | None = None) -> CardProvider:
    name = name or settings.TANDEM_PAYMENT_PROVIDER
    if name == "stripe":
        from .stripe import StripeProvider

        return StripeProvider()
    from .manual import ManualProvider

    return ManualProvider()


__all__ = ["CardProvider", "IntentState", "ProviderIntent", "get_provider"]
