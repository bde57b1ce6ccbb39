"""Schemas of the booking API. Every field is described: the OpenAPI document is the manual."""

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field

from tandem.core.schemas import InputSchema

from .selectors import DEFAULT_LIMIT, MAX_LIMIT

CoachRef = Field(description="The coach's public id or booking-page slug.", max_length=100)


class HoldIn(InputSchema):
    coach: str = CoachRef
    session_type: UUID = Field(description="Public id of one of the coach's session types.")
    start: datetime = Field(description="A slot start from /slots, with a zone offset.")


class HoldOut(Schema):
    id: UUID = Field(description="Pass as `hold` to POST /bookings.")
    start: datetime = Field(description="Session start (UTC).")
    end: datetime = Field(description="Session end (UTC).")
    expires_at: datetime = Field(description="After this the slot is free for anyone again.")


class BookingIn(InputSchema):
    hold: UUID | None = Field(
        default=None, description="A live hold of yours; or give the next three."
    )
    coach: str | None = Field(default=None, description="Coach public id or slug.", max_length=100)
    session_type: UUID | None = Field(default=None, description="Session type public id.")
    start: datetime | None = Field(default=None, description="Slot start, with a zone offset.")
    notes: str = Field(
        default="", max_length=2000, description="What you'd like to work on (for the coach)."
    )


class BookingPartyOut(Schema):
    id: UUID = Field(description="Public id of the person.")
    name: str = Field(description="Display name.")
    timezone: str = Field(description="Their IANA zone, to show times in it.")


class BookingCoachOut(BookingPartyOut):
    slug: str = Field(description="Booking-page slug (/c/<slug>/).")


class BookedSessionTypeOut(Schema):
    id: UUID = Field(description="Public id of the session type.")
    name: str = Field(description="What the session is called.")
    duration_minutes: int = Field(description="Length in minutes.")


class CancellationOut(Schema):
    at: datetime = Field(description="When it was cancelled.")
    by: str = Field(description="“client” or “coach”.")
    reason_code: str = Field(description="One of the predefined reason codes, or “other”.")
    reason: str = Field(description="The reason in words.")
    message: str = Field(description="What the person who cancelled wrote.")
    late: bool = Field(description="Cancelled by the client after the free-cancellation window.")


class BookingPolicyOut(Schema):
    free_cancel_until: datetime = Field(
        description="A client may cancel free of charge until then: `cancel_free_hours` before "
        "the start, or for a booking made after that, `short_notice_grace_minutes` after "
        "booking (at most until the start). Never before the booking was made."
    )
    free_cancel_passed: bool = Field(description="`free_cancel_until` is in the past.")
    cancel_now_is_late: bool = Field(description="Cancelling now would be a late cancellation.")
    short_notice: bool = Field(
        description="Booked after the coach's regular free-cancellation window had closed."
    )
    short_notice_grace_minutes: int = Field(
        description="Free cancellation after a short-notice booking lasts this long."
    )
    reschedule_until: datetime | None = Field(
        description="You may move the session until then; null when rescheduling was never "
        "available to you (booked within `reschedule_min_hours` of its start)."
    )
    reschedule_passed: bool = Field(description="`reschedule_until` is in the past.")
    reschedule_min_hours: int = Field(
        description="The coach's cutoff: clients may move a session until this many hours "
        "before it starts."
    )
    impact: str = Field(description="Short-notice impact of a change now: high, medium or low.")


class BookingEventOut(Schema):
    kind: str = Field(
        description="requested, booked, accepted, declined, expired, rescheduled, cancelled, "
        "completed or no_show."
    )
    at: datetime = Field(description="When it happened.")
    by: str | None = Field(description="Who: “client”, “coach”, or null for the system.")
    from_status: str = Field(description="Status before (empty for the first event).")
    to_status: str = Field(description="Status after.")
    from_start: datetime | None = Field(description="Start before (reschedules).")
    to_start: datetime | None = Field(description="Start after.")
    reason_code: str = Field(description="Cancellation reason code, if any.")
    message: str = Field(description="Reason or message given, if any.")


class BookingOut(Schema):
    id: UUID
    status: str = Field(
        description="pending, confirmed, cancelled, declined, expired, completed or no_show."
    )
    status_label: str = Field(description="The status in words.")
    role: str = Field(description="Your part in it: “client” or “coach”.")
    start: datetime = Field(description="Session start (UTC).")
    end: datetime = Field(description="Session end (UTC).")
    coach: BookingCoachOut = Field(description="The coach.")
    client: BookingPartyOut = Field(description="The client.")
    session_type: BookedSessionTypeOut = Field(description="What was booked.")
    notes: str = Field(description="The client's notes for the coach.")
    price: str = Field(description="Price agreed at booking, decimal string, e.g. “80.00”.")
    currency: str = Field(description="ISO 4217 currency of the price.")
    meeting_url: str = Field(description="Shown only to the participants.")
    pending_expires_at: datetime | None = Field(
        description="A pending request lapses then unless the coach accepts it."
    )
    sequence: int = Field(description="Calendar revision (iCalendar SEQUENCE).")
    cancellation: CancellationOut | None = Field(description="Set when cancelled.")
    can_reschedule: bool = Field(
        description="You may move this session now (its policy's deadline included); the "
        "session page shows Reschedule exactly then."
    )
    can_cancel: bool = Field(
        description="You may cancel it now (active and not started); `policy."
        "cancel_now_is_late` says whether that is free."
    )
    policy: BookingPolicyOut | None = Field(description="For upcoming active bookings.")
    created_at: datetime = Field(description="When it was booked.")
    updated_at: datetime = Field(description="Last change.")


class MoneyImpactOut(Schema):
    currency: str
    refund: str = Field(description="Money that goes back to the client, e.g. '40.00'.")
    void: str = Field(
        description="The part of an unpaid invoice cancelled: never paid, so not refunded "
        "(the client simply no longer owes it), e.g. '120.00'."
    )
    kept: str = Field(
        description="What the coach keeps (a late cancellation's fee); with an open invoice, "
        "what the client still owes."
    )
    summary: str = Field(description="The same in one sentence, as the pages say it.")


class BookingPaymentOut(Schema):
    id: UUID = Field(description="The payment (GET /api/v1/payments/{id} for the detail).")
    status: str
    amount: str
    currency: str
    refunded: str
    covered_by: str = Field(
        default="",
        description="The sponsor (an organisation's programme) that paid the session, or empty.",
    )


class BookingDetailOut(BookingOut):
    history: list[BookingEventOut] = Field(description="Every change, oldest first.")
    payment: BookingPaymentOut | None = Field(
        default=None, description="How the session is paid (none for a free session)."
    )
    refund_if_cancelled_now: MoneyImpactOut | None = Field(
        default=None,
        description="What cancelling now would give back (for you), when the session is paid.",
    )


class BookingListQuery(Schema):
    scope: str = Field(
        default="upcoming",
        pattern="^(upcoming|past|cancelled)$",
        description="upcoming, past or cancelled.",
    )
    role: str = Field(
        default="any", pattern="^(any|client|coach)$", description="any, client or coach."
    )
    cursor: str | None = Field(default=None, max_length=512, description="A next_cursor.")
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size.")


class BookingListOut(Schema):
    items: list[BookingOut] = Field(description="This page of sessions.")
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class RescheduleIn(InputSchema):
    start: datetime = Field(description="The new slot start, with a zone offset.")
    reason: str = Field(default="", max_length=2000, description="Why (shown to the other side).")


class CancelIn(InputSchema):
    reason_code: str = Field(
        max_length=32,
        description="schedule_conflict, illness, emergency, work, travel, technical, "
        "financial, no_longer_needed, or other (then `message` is required).",
    )
    message: str = Field(default="", max_length=2000, description="A few words for the other side.")


class DeclineIn(InputSchema):
    message: str = Field(default="", max_length=2000, description="A few words for the client.")


class AlternativeReasonOut(Schema):
    code: str = Field(description="Machine code, e.g. “preferred_time”.")
    text: str = Field(description="The reason in words.")


class AlternativeOut(Schema):
    start: datetime = Field(description="Slot start (UTC).")
    end: datetime = Field(description="Slot end (UTC).")
    score: float = Field(description="0–100, higher is a better fit.")
    reasons: list[AlternativeReasonOut] = Field(description="Why it is recommended.")


class CancelOut(Schema):
    booking: BookingOut = Field(description="The cancelled booking.")
    late: bool = Field(description="A late cancellation (the coach's policy may charge it).")
    impact: str = Field(description="high (under 24 h), medium (under 72 h) or low.")
    free_cancel_until: datetime = Field(description="The end of the free-cancellation window.")
    alternatives: list[AlternativeOut] = Field(
        description="Recommended times with the same coach, to book again."
    )
    refund: MoneyImpactOut | None = Field(
        default=None, description="What this cancellation gave back (none if unpaid)."
    )
