"""Schemas of GET /coaches/{coach_id}/recommendations."""

import datetime as dt
from typing import Any

from ninja import Schema
from pydantic import Field, ValidationError, ValidationInfo, model_validator
from pydantic.functional_validators import ModelWrapValidatorHandler

from tandem.availability.schemas import SlotCoachOut, SlotSessionTypeOut
from tandem.core.errors import InvalidInput

from .recommend.params import MAX_LIMIT, MIN_LIMIT


class RecommendParams(Schema):
    # Everything is a string here and validated by recommend.params, so every refusal has
    # the same shape (400 "invalid" with codes such as {"limit": ["out_of_range"]}).
    session_type: str | None = Field(
        default=None, description="A session type's id; default: the coach's cheapest active one."
    )
    tz: str | None = Field(
        default=None,
        description="IANA zone preferences are read in. Default: yours if signed in, else the "
        "coach's.",
    )
    preferred_times: str | None = Field(
        default=None,
        description="Comma-separated day parts (early 06-09, morning 09-12, afternoon 12-17, "
        'evening 17-21, night 21-06) or "HH:MM-HH:MM" ranges, in `tz`.',
        examples=["morning,18:00-20:00"],
    )
    preferred_days: str | None = Field(
        default=None,
        description="Comma-separated weekdays in `tz`: names (mon, tuesday) or 0 = Monday .. 6.",
        examples=["mon,wed"],
    )
    urgency: str | None = Field(
        default=None, description="low, normal (default) or high: how much sooner matters."
    )
    limit: str | None = Field(
        default=None,
        description=f"How many slots, {MIN_LIMIT}..{MAX_LIMIT}; default 5.",
        examples=["5"],
    )
    waking_hours: str | None = Field(
        default=None,
        description='Your waking hours in `tz`, "HH:MM-HH:MM" (may wrap past midnight); '
        "default 07:00-22:00. Only slots wholly inside them, or wholly inside one of "
        "`preferred_times`, are suggested.",
        examples=["06:30-23:00"],
    )

    @model_validator(mode="wrap")
    @classmethod
    def _refuse_400(
        cls, data: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        # A repeated parameter (?tz=a&tz=b) arrives as a list: refused with the 400 shape.
        # InvalidInput is not a ValueError, so pydantic lets it through to the API's handler.
        try:
            return handler(data)
        except ValidationError as exc:
            fields = {
                str(e["loc"][0]) if e["loc"] else "__all__": ["invalid"] for e in exc.errors()
            }
            raise InvalidInput("Some parameters are not valid.", fields=fields) from None


class ReasonOut(Schema):
    code: str = Field(
        description="preferred_time, preferred_day, soon, spaced or quiet_day (more may come)."
    )
    text: str = Field(description="The reason in words, e.g. 'Tuesday morning in your zone'.")


class RecommendationOut(Schema):
    start: dt.datetime = Field(description="Session start (UTC).")
    end: dt.datetime = Field(description="Session end (UTC).")
    local_start: dt.datetime = Field(description="Start in `tz`, with its offset.")
    local_end: dt.datetime = Field(description="End in `tz`, with its offset.")
    score: float = Field(description="0..100, one decimal: how well the slot fits.")
    reasons: list[ReasonOut] = Field(description="Why, strongest first; may be empty.")


class RecommendationsOut(Schema):
    coach: SlotCoachOut = Field(description="Whose slots.")
    session_type: SlotSessionTypeOut = Field(description="Which session type.")
    tz: str = Field(description="The zone preferences were read in and local times are shown in.")
    recommendations: list[RecommendationOut] = Field(description="Best first.")
