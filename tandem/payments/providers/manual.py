"""The manual / offline provider: no cards. What credits do not cover becomes an invoice the
coach or staff marks paid; refunds and payouts are recorded and done by hand."""

from __future__ import annotations

from ..errors import ProviderError
from .base import ProviderIntent


class ManualProvider:
    name = "manual"
    takes_cards = False

    def _refuse(self) -> ProviderError:
        return ProviderError("The manual provider takes no card payments.")

    def create_intent(self, **_: object) -> ProviderIntent:
        raise self._refuse()

    def retrieve_intent(self, ref: str) -> ProviderIntent:
        raise self._refuse()

    def cancel_intent(self, ref: str, **_: object) -> ProviderIntent:
        raise self._refuse()

    def refund(self, **_: object) -> str:
        # Recorded in the ledger; the money goes back by hand (bank transfer, cash).
        return ""

    def transfer(self, **_: object) -> str:
        return ""
