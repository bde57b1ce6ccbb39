"""Payments: the double-entry ledger and everything that posts to it.

Amounts are integer minor units (`BigIntegerField`) with an ISO currency; no float anywhere.
"""

from .giftcards import GiftCard, GiftCardEvent
from .invoices import Invoice, InvoiceSequence
from .ledger import Account, LedgerEntry, LedgerTransaction
from .packages import PackageCredit, PackageOffer, PackagePurchase
from .payments import (
    CoachPaymentSettings,
    Payment,
    PaymentSource,
    PaymentVoid,
    ProviderEvent,
    Refund,
)
from .payouts import Payout
from .sponsors import SponsorFunding

__all__ = [
    "Account",
    "CoachPaymentSettings",
    "GiftCard",
    "GiftCardEvent",
    "Invoice",
    "InvoiceSequence",
    "LedgerEntry",
    "LedgerTransaction",
    "PackageCredit",
    "PackageOffer",
    "PackagePurchase",
    "Payment",
    "PaymentSource",
    "PaymentVoid",
    "Payout",
    "ProviderEvent",
    "Refund",
    "SponsorFunding",
]
