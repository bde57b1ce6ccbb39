"""The provider interface. Every call that creates something takes an idempotency key, so a
retried request (after a timeout, a crash or a duplicate job) never charges twice."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class IntentState(StrEnum):
    REQUIRES_ACTION = "requires_action"  # the client still has to pay
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"  # the card was refused; the client may not retry this intent
    CANCELED = "canceled"


@dataclass(frozen=True, slots=True)
class ProviderIntent:
    ref: str  # the provider's id ("pi_...")
    state: IntentState
    amount: int  # minor units
    currency: str  # ISO, upper case
    client_secret: str = ""
    failure_reason: str = ""


class CardProvider(Protocol):
    name: str
    # False for the manual provider: the remainder becomes an invoice a person marks paid.
    takes_cards: bool

    def create_intent(
        self, *, amount: int, currency: str, idempotency_key: str, metadata: dict[str, str]
    ) -> ProviderIntent: ...

    def retrieve_intent(self, ref: str) -> ProviderIntent:
        """The intent's current state, read from the provider (never from a webhook body)."""
        ...

    def cancel_intent(self, ref: str, *, idempotency_key: str) -> ProviderIntent: ...

    def refund(self, *, ref: str, amount: int, idempotency_key: str) -> str:
        """Refund `amount` of the intent `ref`; returns the provider's refund id."""
        ...

    def transfer(
        self, *, destination: str, amount: int, currency: str, idempotency_key: str
    ) -> str:
        """Pay a coach's connected account; returns the provider's transfer id."""
        ...
