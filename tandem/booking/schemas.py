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
    start: datetime
    end: datetime
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


class PartyOut(Schema):
    id: UUID
    name: str
    timezone: str


class CoachOut(PartyOut):
    slug: str


class SessionTypeOut(Schema):
    id: UUID
    name: str
    duration_minutes: int


class CancellationOut(Schema):
    at: datetime
    by: str = Field(description="“client” or “coach”.")
    reason_code: str
    reason: str = Field(description="The reason in words.")
    message: str
    late: bool = Field(description="Cancelled by the client after the free-cancellation window.")


class PolicyOut(Schema):
    free_cancel_until: datetime = Field(description="A client may cancel free until then.")
    reschedule_until: datetime = Field(description="You may move the session until then.")
    cancel_now_is_late: bool = Field(description="Cancelling now would be a late cancellation.")
    impact: str = Field(description="Short-notice impact of a change now: high, medium or low.")


class EventOut(Schema):
    kind: str
    at: datetime
    by: str | None = Field(description="Who: “client”, “coach”, or null for the system.")
    from_status: str
    to_status: str
    from_start: datetime | None
    to_start: datetime | None
    reason_code: str
    message: str


class BookingOut(Schema):
    id: UUID
    status: str = Field(
        description="pending, confirmed, cancelled, declined, expired, completed or no_show."
    )
    status_label: str
    role: str = Field(description="Your part in it: “client” or “coach”.")
    start: datetime
    end: datetime
    coach: CoachOut
    client: PartyOut
    session_type: SessionTypeOut
    notes: str
    price: str
    currency: str
    meeting_url: str = Field(description="Shown only to the participants.")
    pending_expires_at: datetime | None = Field(
        description="A pending request lapses then unless the coach accepts it."
    )
    sequence: int = Field(description="Calendar revision (iCalendar SEQUENCE).")
    cancellation: CancellationOut | None
    policy: PolicyOut | None = Field(description="For upcoming active bookings.")
    created_at: datetime
    updated_at: datetime


class BookingDetailOut(BookingOut):
    history: list[EventOut]


class BookingListQuery(Schema):
    scope: str = Field(default="upcoming", pattern="^(upcoming|past|cancelled)$")
    role: str = Field(default="any", pattern="^(any|client|coach)$")
    cursor: str | None = Field(default=None, max_length=512)
    limit: int = Field(default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


class BookingListOut(Schema):
    items: list[BookingOut]
    next_cursor: str | None


class RescheduleIn(InputSchema):
    start: datetime = Field(description="The new slot start, with a zone offset.")
    reason: str = Field(default="", max_length=2000)


class CancelIn(InputSchema):
    reason_code: str = Field(
        max_length=32,
        description="schedule_conflict, illness, emergency, work, travel, technical, "
        "financial, no_longer_needed, or other (then `message` is required).",
    )
    message: str = Field(default="", max_length=2000)


class DeclineIn(InputSchema):
    message: str = Field(default="", max_length=2000)


class ReasonOut(Schema):
    code: str
    text: str


class AlternativeOut(Schema):
    start: datetime
    end: datetime
    score: float
    reasons: list[ReasonOut]


class CancelOut(Schema):
    booking: BookingOut
    late: bool
    impact: str
    free_cancel_until: datetime
    alternatives: list[AlternativeOut] = Field(
        description="Recommended times with the same coach, to book again."
    )
