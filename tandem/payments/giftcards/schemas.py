"""Schemas of the gift card API. Every field is described: the OpenAPI document is the manual."""

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

from tandem.core.schemas import InputSchema

CodeField = Field(
    description="The card's code, e.g. `ABCD-EFGH-JKMN-PQRS-T`; case, spaces and dashes do "
    "not matter, O reads as 0 and I or L as 1. A wrong check symbol answers 400 "
    "`invalid_gift_card_code` without looking the code up.",
    max_length=64,
)


class GiftCardBuyIn(InputSchema):
    amount: str = Field(
        description="Value in major units of the currency, e.g. `50.00` (5.00 to 1000.00).",
        max_length=20,
    )
    currency: str = Field(description="ISO 4217 code, e.g. `EUR`.", max_length=3)
    recipient_email: str = Field(
        default="",
        max_length=254,
        description="Who receives the code by email once paid; empty: yourself.",
    )
    message: str = Field(default="", max_length=500, description="A note for the recipient.")
    use_credit: bool = Field(default=True, description="Use your account credit first.")
    provider: str | None = Field(
        default=None,
        max_length=10,
        description="`manual` (an invoice) or `stripe` (a card); default: the platform's.",
    )


class GiftCardIssueIn(InputSchema):
    amount: str = Field(description="Value in major units, e.g. `25.00`.", max_length=20)
    currency: str = Field(description="ISO 4217 code.", max_length=3)
    recipient_email: str = Field(max_length=254, description="Who receives the code by email.")
    message: str = Field(default="", max_length=500, description="A note for the recipient.")
    expires_at: datetime | None = Field(
        default=None, description="When it expires; default: TANDEM_GIFT_CARD_VALID_DAYS."
    )


class CodeIn(InputSchema):
    code: str = CodeField


class TransferIn(InputSchema):
    to_email: str = Field(max_length=254, description="The new recipient's email address.")


class BalanceOut(Schema):
    balance: str = Field(description="What is left, in major units.")
    balance_minor: int = Field(description="What is left, in minor units.")
    currency: str = Field(description="ISO 4217 code.")
    expires_at: datetime = Field(description="When it expires (UTC).")
    status: str = Field(description="awaiting_payment, active, expired or void.")
    last4: str = Field(description="The code's last four symbols.")


class GiftCardEventOut(Schema):
    kind: str = Field(description="issued, purchased, redeemed, restored, transferred or expired.")
    amount: int = Field(description="Minor units involved (0 for a transfer).")
    detail: str = Field(description="More about it, in words.")
    at: datetime = Field(description="When it happened.")


class LedgerLineOut(Schema):
    at: datetime = Field(description="When the money moved.")
    reason: str = Field(description="Why (payment_take, payment_earn, gift_card_issue, ...).")
    amount: int = Field(description="Minor units onto (+) or off (-) the card.")
    balance: int = Field(description="The card's balance after this line, in minor units.")


class GiftCardOut(Schema):
    id: UUID = Field(description="The card's public id.")
    code: str = Field(
        description="Masked (`••••-••••-••••-•XYZ-C`); the full code only in the purchase "
        "answer and in the recipient's email."
    )
    last4: str = Field(description="The code's last four symbols.")
    status: str = Field(description="awaiting_payment, active, expired or void.")
    currency: str = Field(description="ISO 4217 code.")
    initial_amount: int = Field(description="Value when bought or issued, in minor units.")
    balance: int = Field(description="What is left, in minor units.")
    balance_display: str = Field(description="What is left, formatted with its currency.")
    recipient_email: str = Field(description="Who the card is addressed to.")
    message: str = Field(description="The note for the recipient.")
    expires_at: datetime = Field(description="When it expires (UTC).")
    created_at: datetime = Field(description="When it was bought or issued (UTC).")
    purchased_by_you: bool = Field(description="You bought it.")
    held_by_you: bool = Field(description="It is in your account.")
    can_transfer: bool = Field(description="You may pass it on to another email.")


class GiftCardDetailOut(GiftCardOut):
    events: list[GiftCardEventOut] = Field(description="The card's history, oldest first.")
    ledger: list[LedgerLineOut] = Field(description="Money on and off the card, oldest first.")


class GiftCardListOut(Schema):
    items: list[GiftCardOut] = Field(description="Cards you hold or bought, newest first.")


class PaymentRefOut(Schema):
    id: UUID = Field(description="The payment's public id.")
    status: str = Field(
        description="awaiting_invoice (manual provider), requires_payment (card), succeeded."
    )
    amount: int = Field(description="Minor units.")
    currency: str = Field(description="ISO 4217 code.")
    client_secret: str = Field(description="For Stripe.js when status is requires_payment.")


class GiftCardPurchaseOut(GiftCardOut):
    full_code: str | None = Field(
        description="The full code, grouped, in the first answer only: it is not stored (a "
        "replay with the same Idempotency-Key answers null). Keep it safe: it is a secret."
    )
    payment: PaymentRefOut = Field(description="The payment for the card.")
