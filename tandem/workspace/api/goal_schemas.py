"""Schemas of the goals API. Every field is described: the OpenAPI document is the manual.
Bounds here answer 400 before a service sees the value; the services check again."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictBool, StrictInt, StrictStr

from tandem.core.schemas import InputSchema

from ..services.goals import MAX_TEXT, MAX_TITLE

STATUS = "active, achieved or dropped"
DATE_RULE = "A date (YYYY-MM-DD), today or later in your zone; null for none."

# --- input ---------------------------------------------------------------------------------


class GoalIn(InputSchema):
    title: StrictStr = Field(min_length=1, max_length=MAX_TITLE, description="The goal.")
    why: StrictStr = Field(default="", max_length=MAX_TEXT, description="Why it matters.")
    measure: StrictStr = Field(
        default="", max_length=MAX_TEXT, description="How success is measured."
    )
    target_date: date | None = Field(default=None, description=DATE_RULE)
    status: StrictStr = Field(default="active", max_length=8, description=STATUS + ".")


class GoalPatchIn(InputSchema):
    title: StrictStr | None = Field(default=None, max_length=MAX_TITLE, description="The goal.")
    why: StrictStr | None = Field(default=None, max_length=MAX_TEXT, description="Why it matters.")
    measure: StrictStr | None = Field(
        default=None, max_length=MAX_TEXT, description="How success is measured."
    )
    target_date: date | None = Field(
        default=None,
        description=DATE_RULE + " A date already set may be sent back unchanged once past.",
    )
    status: StrictStr | None = Field(default=None, max_length=8, description=STATUS + ".")


class MilestoneIn(InputSchema):
    title: StrictStr = Field(min_length=1, max_length=MAX_TITLE, description="The milestone.")
    due_date: date | None = Field(default=None, description=DATE_RULE)


class MilestonePatchIn(InputSchema):
    title: StrictStr | None = Field(
        default=None, max_length=MAX_TITLE, description="The milestone."
    )
    due_date: date | None = Field(
        default=None,
        description=DATE_RULE + " A date already set may be sent back unchanged once past.",
    )
    done: StrictBool | None = Field(default=None, description="Mark done (true) or not (false).")
    position: StrictInt | None = Field(
        default=None,
        ge=0,
        le=10_000,
        description="Move it to this 0-based place in the goal's list (past the end: last).",
    )


class CheckInIn(InputSchema):
    progress: StrictInt = Field(ge=0, le=100, description="Progress, 0 to 100.")
    note: StrictStr = Field(default="", max_length=MAX_TEXT, description="A note.")


# --- output --------------------------------------------------------------------------------


class MilestoneOut(Schema):
    id: UUID = Field(description="The milestone's public id.")
    goal: UUID = Field(description="Its goal's public id.")
    title: str = Field(description="The milestone.")
    due_date: date | None = Field(description="When it is due.")
    done: bool = Field(description="Whether it is done.")
    done_at: datetime | None = Field(description="When it was marked done.")
    position: int = Field(description="Its 0-based place in the goal's list.")


class GoalOut(Schema):
    id: UUID = Field(description="The goal's public id.")
    engagement: UUID = Field(description="Its engagement's public id.")
    title: str = Field(description="The goal.")
    why: str = Field(description="Why it matters.")
    measure: str = Field(description="How success is measured.")
    target_date: date | None = Field(description="Target date.")
    status: str = Field(description=STATUS + ".")
    progress: int = Field(
        description="0..100: the share of milestones done when it has milestones (rounded half "
        "up), else the last check-in's value, else 0."
    )
    created_by: str | None = Field(
        description="Who set it: `coach` or `client` (null if that account is gone)."
    )
    created_at: datetime = Field(description="When it was set.")
    updated_at: datetime = Field(description="Its last change (a milestone or check-in too).")
    milestones: list[MilestoneOut] = Field(description="Its milestones, in order.")


class GoalProgressPointOut(Schema):
    at: datetime = Field(description="When progress changed.")
    progress: int = Field(description="Progress from then on (0..100).")


class GoalDetailOut(GoalOut):
    history: list[GoalProgressPointOut] = Field(
        description="Progress over time: from 0 when it was set, after each milestone added or "
        "done and each check-in (replaying the progress rule over the goal's rows as they are "
        "now), ending with the current value."
    )


class GoalListOut(Schema):
    items: list[GoalOut] = Field(
        description="Every goal of the engagement: active first, then achieved, then dropped; "
        "nearest target date first within each."
    )


class CheckInOut(Schema):
    id: UUID = Field(description="The check-in's public id.")
    goal: UUID = Field(description="Its goal's public id.")
    progress: int = Field(description="Progress it reported (0..100).")
    note: str = Field(description="Its note.")
    author: str | None = Field(
        description="Who checked in: `coach` or `client` (null if that account is gone)."
    )
    created_at: datetime = Field(description="When.")


class CheckInListOut(Schema):
    items: list[CheckInOut] = Field(description="Check-ins, newest first.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next (older) page; null on the last page."
    )


class GoalProgressOut(Schema):
    engagement: UUID = Field(description="The engagement's public id.")
    points: list[GoalProgressPointOut] = Field(
        description="The average progress of the engagement's active goals over time (each "
        "goal counts from when it was set), rounded half up; empty without active goals."
    )
