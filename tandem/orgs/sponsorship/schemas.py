"""Schemas of the participant's API (/api/v1/orgs/seats...)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictInt

from tandem.core.schemas import InputSchema

from ..participants.api import ParticipantOut


class SeatCoachOut(Schema):
    id: UUID
    name: str
    headline: str
    slug: str


class MySeatOut(Schema):
    id: UUID = Field(description="The seat (participant) id.")
    organisation: str
    programme: UUID
    programme_name: str
    starts_on: date
    ends_on: date
    status: str = Field(description="`active`, `paused` or `ended` (the programme ended).")
    sessions_per_participant: int
    sessions_used: int
    sessions_left: int
    can_book: bool
    coach: SeatCoachOut | None
    matched_at: datetime | None
    max_session_minutes: int | None
    location: str
    surveys_open: list[str] = Field(description="Survey phases you may answer now.")
    surveys_done: list[str]


class MySeatListOut(Schema):
    items: list[MySeatOut]


class SeatSuggestionOut(Schema):
    coach: SeatCoachOut
    session_type: UUID
    session_minutes: int
    score: float
    next_start: datetime | None
    reasons: list[str]


class SeatSuggestionListOut(Schema):
    items: list[SeatSuggestionOut] = Field(description="The recommender's three, best first.")
    eligible: list[SeatCoachOut] = Field(description="Every coach you may choose, by name.")


class SeatCoachIn(InputSchema):
    coach: UUID = Field(description="A coach id from the suggestions or the eligible coaches.")


class SeatSurveyIn(InputSchema):
    clarity: StrictInt = Field(ge=1, le=5)
    confidence: StrictInt = Field(ge=1, le=5)
    wellbeing: StrictInt = Field(ge=1, le=5)


class SeatSurveyOut(Schema):
    seat: UUID
    phase: str
    clarity: int
    confidence: int
    wellbeing: int
    answered_at: datetime


class SeatSponsorViewOut(Schema):
    organisation: str
    sees: ParticipantOut = Field(
        description="Exactly the roster API's row about you (GET /orgs/programmes/{id}/"
        "participants, which your organisation's admins use)."
    )
    never_shown: str
