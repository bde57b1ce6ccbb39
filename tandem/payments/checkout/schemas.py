"""Schemas of the checkout and payment endpoints."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Field, Schema

from tandem.booking.schemas import BookingIn, BookingOut
from tandem.core.schemas import InputSchema


class PayWithIn(InputSchema):
    use_package: bool = Field(
        default=True, description="Use a package credit for this coach and type if you have one."
    )
    gift_card_code: str | None = Field(
        default=None, max_length=40, description="Redeem (part of) a gift card."
    )
    use_credit: bool = Field(default=True, description="Use your account credit.")
    sponsored: bool = Field(
        default=True,
        description="Let your sponsor (an organisation's programme you belong to) pay, when "
        "it covers this session.",
    )
    provider: str | None = Field(
        default=None,
        max_length=10,
        description="`manual` (invoice) or `stripe` (card); default: the platform's.",
    )


class CheckoutIn(BookingIn):
    payment: PayWithIn = Field(default_factory=PayWithIn)


class PaymentSourceOut(Schema):
    kind: str = Field(description="sponsor, package, gift_card, credit, card or invoice.")
    amount: str
    refunded: str
    voided: str = Field(description="Of an invoice: the part cancelled before it was paid.")


class RefundOut(Schema):
    id: UUID
    amount: str
    kept: str
    reason: str
    message: str
    created_at: datetime


class PaymentVoidOut(Schema):
    amount: str = Field(description="The part of the unpaid invoice cancelled.")
    reason: str
    message: str
    created_at: datetime


class PaymentOut(Schema):
    id: UUID
    purpose: str = Field(description="booking, package or gift_card.")
    status: str = Field(
        description="requires_payment, awaiting_invoice, succeeded, failed, cancelled, "
        "refunded, partially_refunded or voided (the unpaid invoice was cancelled: nothing "
        "was owed in the end, nothing was refunded)."
    )
    status_label: str
    amount: str = Field(description="Decimal string in the currency's units, e.g. '80.00'.")
    currency: str
    platform_fee: str | None = Field(description="Shown to the coach and staff only.")
    refunded: str = Field(description="Money given back.")
    voided: str = Field(
        description="The part of an unpaid invoice cancelled (never paid, so not refunded)."
    )
    provider: str
    sources: list[PaymentSourceOut]
    refunds: list[RefundOut]
    voids: list[PaymentVoidOut] = Field(description="Unpaid invoice parts cancelled.")
    booking: UUID | None
    client_secret: str | None = Field(
        description="For Stripe.js to confirm the card (the client only, while it is open)."
    )
    expires_at: datetime | None
    created_at: datetime


class CheckoutOut(Schema):
    payment: PaymentOut | None = Field(description="None for a free session.")
    booking: BookingOut | None = Field(description="None until a card payment succeeds.")
    next_action: str = Field(
        description="none (booked and paid), pay_invoice (booked, invoice open) or pay_card."
    )


class StaffRefundIn(InputSchema):
    amount: str = Field(max_length=20, description="In the payment's currency, e.g. '12.50'.")
    message: str = Field(max_length=500, description="Why (kept with the refund).")
