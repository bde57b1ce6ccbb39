"""Schemas of the packages API. Prices are decimal strings with the currency's digits
("240.00"); the ledger keeps integer minor units."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictBool, StrictInt

from tandem.core.schemas import InputSchema

from .offers import MAX_NAME
from .services import MAX_GIFT_CODE

_DOCS = {
    "session_type_id": "Public id of one of your session types; the package's sessions are of "
    "this type and priced in its currency.",
    "name": "What the package is called, e.g. “Five sessions”.",
    "sessions": "How many sessions the package holds (2 to 100).",
    "price": "Price of the whole package as a decimal, e.g. 360 or 359.50, in the session "
    "type's currency.",
    "valid_days": "How many days the sessions can be used after payment (1 to 3650).",
}


class OfferOut(Schema):
    id: UUID = Field(description="Public id of the offer.")
    name: str
    session_type_id: UUID = Field(description="The session type the credits book.")
    session_type_name: str
    sessions: int
    price: str = Field(description="Price of the whole package, e.g. “360.00”.")
    currency: str
    valid_days: int
    single_session_price: str = Field(description="One session of the type bought alone.")
    saving: str = Field(
        description="What the package saves against buying its sessions one by one (≥ 0)."
    )


class MyOfferOut(OfferOut):
    is_active: bool
    created_at: datetime


class OfferCreateIn(InputSchema):
    session_type_id: UUID = Field(description=_DOCS["session_type_id"])
    name: str = Field(max_length=MAX_NAME, description=_DOCS["name"])
    sessions: StrictInt = Field(description=_DOCS["sessions"])
    price: Decimal = Field(description=_DOCS["price"])
    valid_days: StrictInt = Field(description=_DOCS["valid_days"])


class OfferUpdateIn(InputSchema):
    """Only the fields you send change. Purchases already made keep their terms."""

    session_type_id: UUID | None = Field(default=None, description=_DOCS["session_type_id"])
    name: str | None = Field(default=None, max_length=MAX_NAME, description=_DOCS["name"])
    sessions: StrictInt | None = Field(default=None, description=_DOCS["sessions"])
    price: Decimal | None = Field(default=None, description=_DOCS["price"])
    valid_days: StrictInt | None = Field(default=None, description=_DOCS["valid_days"])
    is_active: StrictBool | None = Field(default=None, description="false stops selling it.")


class BuyIn(InputSchema):
    gift_card_code: str | None = Field(
        default=None,
        max_length=MAX_GIFT_CODE,
        description="Redeem (part of) a gift card towards the price.",
    )
    use_credit: StrictBool = Field(
        default=True, description="Use your account credit towards the price."
    )


class PaymentStateOut(Schema):
    id: UUID = Field(description="Public id of the payment.")
    status: str = Field(
        description="awaiting_invoice (an invoice is open), requires_payment (pay by card), "
        "succeeded, failed, cancelled, ..."
    )
    amount: str
    currency: str
    provider: str
    client_secret: str | None = Field(
        default=None, description="For a card payment: the Stripe PaymentIntent's secret."
    )
    invoice_number: int | None = None
    invoice_status: str | None = None


class PurchaseOut(Schema):
    id: UUID = Field(description="Public id of the purchase.")
    offer_id: UUID
    name: str
    coach_id: UUID
    coach_slug: str
    coach_name: str
    session_type_id: UUID
    session_type_name: str
    status: str = Field(description="awaiting_payment, active, expired, refunded or cancelled.")
    sessions: int
    credits_available: int = Field(description="Sessions left to book.")
    credits_used: int
    credits_forfeited: int
    price: str
    currency: str
    purchased_at: datetime
    expires_at: datetime = Field(
        description="When the credits expire (provisional until the payment succeeds)."
    )
    payment: PaymentStateOut | None = None


class BuyOut(PurchaseOut):
    replayed: bool = Field(description="True when an Idempotency-Key replay answered.")
