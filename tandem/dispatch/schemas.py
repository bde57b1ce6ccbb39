"""Schemas of the Book now API. Every field is described: the OpenAPI document is the manual."""

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictInt, StrictStr

from tandem.core.schemas import InputSchema

from .models import DEFAULT_WITHIN_MINUTES, MAX_WITHIN_MINUTES
from .services.create import MAX_DURATION, MAX_SLUG, MIN_DURATION

# --- input ---------------------------------------------------------------------------------


class DispatchRequestIn(InputSchema):
    # Strict types: "60" or true is a mistake in the client, not a number to guess at.
    specialty: StrictStr = Field(
        min_length=1, max_length=MAX_SLUG, description="A specialty's slug, e.g. `leadership`."
    )
    duration_minutes: StrictInt = Field(
        ge=MIN_DURATION, le=MAX_DURATION, description="Session length in minutes, e.g. 60."
    )
    within_minutes: StrictInt = Field(
        default=DEFAULT_WITHIN_MINUTES,
        ge=0,
        le=MAX_WITHIN_MINUTES,
        description="The session should start within this many minutes from now (0..120).",
    )


# --- output --------------------------------------------------------------------------------


class DispatchSpecialtyOut(Schema):
    slug: str = Field(description="The specialty's slug.")
    name: str = Field(description="Its name.")


class CoachOut(Schema):
    id: UUID = Field(description="The coach's public id.")
    name: str = Field(description="Display name.")
    slug: str = Field(description="Booking-page slug (/c/<slug>/).")


class CurrentOfferOut(Schema):
    rank: int = Field(description="Which candidate is being asked (1 = the best).")
    start: datetime = Field(description="When the session would start if they accept (UTC).")
    expires_at: datetime = Field(description="They have until then to answer.")
    seconds_left: int = Field(description="Seconds until `expires_at`, by the server's clock.")


class OfferStepOut(Schema):
    rank: int = Field(description="Which candidate was asked.")
    status: str = Field(
        description="offered, accepted, declined, expired (no answer in time), withdrawn "
        "(you withdrew) or failed (accepted, but the time had been taken meanwhile)."
    )
    offered_at: datetime = Field(description="When they were asked.")
    expires_at: datetime = Field(description="Their deadline.")
    answered_at: datetime | None = Field(description="When it was answered or ended.")


class RequestBookingOut(Schema):
    id: UUID = Field(description="The booking's public id (GET /bookings/{id}).")
    start: datetime = Field(description="Session start (UTC).")
    end: datetime = Field(description="Session end (UTC).")
    coach: CoachOut = Field(description="The coach who took it.")
    session_type: str = Field(description="The session type's name.")
    url: str = Field(description="The session's page.")


class SessionTypeRefOut(Schema):
    id: UUID = Field(description="Session type public id.")
    name: str = Field(description="Its name.")


class SoonestOut(Schema):
    coach: CoachOut = Field(description="A coach of this specialty.")
    session_type: SessionTypeRefOut = Field(description="Their session type of this length.")
    start: datetime = Field(description="Their soonest free slot (UTC).")
    end: datetime = Field(description="Its end (UTC).")
    book_url: str = Field(description="The booking page with this time chosen.")


class UnfilledReasonOut(Schema):
    code: str | None = Field(
        description="no_matching_sessions (no coach offers this specialty at this length "
        "bookable on the spot), nobody_online (no coach at all is online), "
        "nobody_online_for_specialty (coaches are online, none of this specialty), "
        "none_free_in_window (online coaches of it have no slot starting in the window), "
        "declined_or_busy (the coaches asked declined, did not answer or were taken). "
        "Null for requests exhausted before reasons were recorded."
    )
    text: str = Field(description="The reason in words.")


class DispatchRequestOut(Schema):
    id: UUID = Field(description="The request's public id.")
    status: str = Field(
        description="offered (a coach is being asked), accepted (booked), exhausted (nobody "
        "could take it: see `soonest`) or withdrawn."
    )
    status_label: str = Field(description="The status in words.")
    specialty: DispatchSpecialtyOut
    duration_minutes: int = Field(description="Session length asked for.")
    within_minutes: int = Field(description="Start within this many minutes of `created_at`.")
    created_at: datetime = Field(description="When it was made.")
    closed_at: datetime | None = Field(description="When it was booked, exhausted or withdrawn.")
    candidates: int = Field(description="How many coaches could take it when it was made.")
    unfilled_reason: UnfilledReasonOut | None = Field(
        description="When exhausted: why nobody took it."
    )
    widen_within_minutes: list[int] = Field(
        description="When exhausted for want of a free coach: longer `within_minutes` worth "
        "asking again with (POST /dispatch/requests)."
    )
    current: CurrentOfferOut | None = Field(description="The coach being asked now, if any.")
    offers: list[OfferStepOut] = Field(
        description="Every coach asked so far and their answer (who they are is not shown)."
    )
    booking: RequestBookingOut | None = Field(description="The session, once accepted.")
    soonest: list[SoonestOut] = Field(
        description="When exhausted: the soonest scheduled sessions to book instead."
    )


class ClientOut(Schema):
    name: str = Field(description="The client's display name.")


class OfferBookingOut(Schema):
    id: UUID = Field(description="The booking's public id.")
    url: str = Field(description="The session's page.")


class DispatchOfferOut(Schema):
    id: UUID = Field(description="The offer's public id.")
    status: str = Field(
        description="offered, accepted, declined, expired, withdrawn (the client withdrew) or "
        "failed (accepted, but the time had been taken meanwhile)."
    )
    rank: int = Field(description="You were the client's n-th best match.")
    start: datetime = Field(description="Session start (UTC).")
    end: datetime = Field(description="Session end (UTC).")
    local_start: datetime = Field(description="Session start in your zone (`tz`).")
    tz: str = Field(description="Your IANA zone.")
    duration_minutes: int = Field(description="Session length.")
    session_type: SessionTypeRefOut = Field(description="Your session type it would book.")
    specialty: DispatchSpecialtyOut
    client: ClientOut
    offered_at: datetime = Field(description="When you were asked.")
    expires_at: datetime = Field(description="Answer before this.")
    seconds_left: int = Field(description="Seconds to answer, by the server's clock.")
    booking: OfferBookingOut | None = Field(description="The session, once you accepted.")


class DispatchOfferListOut(Schema):
    items: list[DispatchOfferOut] = Field(description="Your offers waiting for an answer.")
