"""Schemas of the earnings and payouts API.

Money is given twice: `*_minor` integer minor units (exact) and a decimal string in major
units with its currency, exact."""

from datetime import date, datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

from tandem.core.schemas import InputSchema


class EarningsQuery(Schema):
    period: str = Field(default="month", pattern="^(month|week)$", description="month or week.")
    count: int = Field(default=12, ge=1, le=60, description="How many periods, this one last.")


class FiguresOut(Schema):
    currency: str
    gross_minor: int = Field(description="Charged to clients for your sessions in the period.")
    fees_minor: int = Field(description="The platform's fees, net of fees returned.")
    refunds_minor: int = Field(description="Given back to clients (your share and the fee).")
    net_minor: int = Field(description="Your earnings: gross - fees - refunds.")
    gross: str
    fees: str
    refunds: str
    net: str


class PeriodOut(Schema):
    start: date = Field(description="First day of the period in the coach's zone.")
    label: str
    figures: list[FiguresOut]


class TotalsOut(Schema):
    """All time. gross - fees - refunds = net = paid_out + in_progress + pending."""

    currency: str
    gross_minor: int
    fees_minor: int
    refunds_minor: int
    net_minor: int
    pending_minor: int = Field(
        description="Earned and not in a payout (the ledger balance); below zero only when "
        "money was refunded after it was paid out (you owe it; the next payout nets it)."
    )
    awaiting_client_minor: int = Field(
        description="The part of pending that clients have not paid yet (open invoices); "
        "payouts wait for it."
    )
    in_progress_minor: int = Field(description="Payouts created and not yet paid.")
    paid_out_minor: int = Field(description="Payouts paid.")
    net: str
    pending: str
    in_progress: str
    paid_out: str


class EarningsOut(Schema):
    period: str
    timezone: str = Field(description="Periods are cut in this zone (the coach's).")
    start: datetime
    end: datetime
    periods: list[PeriodOut]
    totals: list[TotalsOut]


class PayoutOut(Schema):
    id: UUID
    coach: UUID = Field(description="The coach's public id.")
    coach_name: str
    amount_minor: int
    amount: str
    currency: str
    period_start: datetime
    period_end: datetime = Field(description="Exclusive end of the period (UTC).")
    method: str = Field(description="manual or stripe_connect.")
    status: str = Field(description="pending, paid or failed.")
    provider_ref: str
    created_at: datetime
    paid_at: datetime | None


class PayoutListOut(Schema):
    items: list[PayoutOut]


class PayoutCreateIn(InputSchema):
    period_end: date = Field(
        description="The period's last day (YYYY-MM-DD); ends at midnight UTC."
    )
    method: str | None = Field(
        default=None,
        pattern="^(manual|stripe_connect)$",
        description="Force a method; default: Stripe Connect where configured, else manual.",
    )


class StaffPayoutQuery(Schema):
    period_end: date | None = Field(default=None, description="Only this period's payouts.")
