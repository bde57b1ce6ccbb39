"""Schemas of a client's payment history (GET /api/v1/me/payments).

Money is given twice: `*_minor` integer minor units (exact) and a decimal string in major
units with its currency, exact."""

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field


class DocumentRef(Schema):
    id: UUID
    kind: str = Field(description="invoice or receipt.")
    number: str = Field(description="As printed, e.g. ALICE-000042.")
    status: str
    url: str = Field(description="The PDF.")


class PaymentHistoryRefundOut(Schema):
    id: UUID
    amount_minor: int
    amount: str
    reason: str
    created_at: datetime


class PaymentHistoryOut(Schema):
    id: UUID
    created_at: datetime
    purpose: str = Field(description="booking, package or gift_card.")
    description: str
    coach: UUID | None
    booking: UUID | None
    amount_minor: int
    amount: str
    currency: str
    status: str
    refunded_minor: int
    covered_by: str = Field(
        default="",
        description="The sponsor (an organisation's programme) that paid, or empty.",
    )
    refunds: list[PaymentHistoryRefundOut]
    document: DocumentRef | None


class PaymentListOut(Schema):
    items: list[PaymentHistoryOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for more; null at the end.")


class PaymentListQuery(Schema):
    cursor: str | None = Field(default=None, max_length=512, description="A next_cursor.")
    limit: int = Field(default=20, ge=1, le=100, description="Page size.")
