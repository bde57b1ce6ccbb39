"""Availability API schemas. Wall times are "HH:MM" strings here and minutes inside.

Every refusal on these endpoints — a wrong type as much as an overlap found by the service —
answers 400 "invalid_availability" with the same machine-readable field codes (see
validation.py), so a client handles one shape. Pydantic's own errors are translated below.
"""

import datetime as dt
from typing import Annotated, Any
from uuid import UUID

from ninja import Schema
from pydantic import (
    BeforeValidator,
    Field,
    StrictInt,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic.functional_validators import ModelWrapValidatorHandler
from pydantic_core import PydanticCustomError

from tandem.core.schemas import InputSchema

from . import validation

_PYDANTIC_CODES = {
    "missing": "required",
    "extra_forbidden": "unknown_field",
    "string_too_long": "too_long",
    "too_long": "too_many",
    "int_from_float": "wrong_type",
}


def _code(error: dict) -> str:
    kind = str(error.get("type", "invalid"))
    if kind in _PYDANTIC_CODES:
        return _PYDANTIC_CODES[kind]
    if kind in validation.MESSAGES:
        return kind
    if kind.endswith("_type") or kind == "model_attributes_type" or kind == "value_error":
        return "wrong_type"
    return "invalid"


def fields_from_pydantic(exc: ValidationError) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in exc.errors():
        path = ".".join(str(part) for part in error.get("loc", ())) or "__all__"
        code = _code(error)
        codes = fields.setdefault(path, [])
        if code not in codes:
            codes.append(code)
    return fields


class _Refusal400:
    """Mixin for a top-level input: pydantic's errors become InvalidAvailability (400).

    InvalidAvailability is not a ValueError, so pydantic lets it through and ninja hands it
    to the API's ServiceError handler.
    """

    # Same name as InputSchema's validator, so it replaces it (a non-object body is refused
    # here, with the 400 shape, rather than there).
    @model_validator(mode="wrap")
    @classmethod
    def _require_object(
        cls, data: Any, handler: ModelWrapValidatorHandler[Any], info: ValidationInfo
    ) -> Any:
        if not isinstance(data, dict | cls):
            raise validation.InvalidAvailability.from_fields({"__all__": ["wrong_type"]})
        try:
            return handler(data)
        except ValidationError as exc:
            raise validation.InvalidAvailability.from_fields(fields_from_pydantic(exc)) from None


def _wall_time(value: Any) -> int:
    try:
        return validation.parse_wall_time(value)
    except ValueError:
        raise PydanticCustomError("invalid_time", validation.MESSAGES["invalid_time"]) from None


WallTime = Annotated[
    int,
    BeforeValidator(_wall_time),
    Field(json_schema_extra={"type": "string", "pattern": r"^\d{2}:\d{2}$", "examples": ["09:00"]}),
]


# --- Rules ------------------------------------------------------------------------------------


class IntervalIn(InputSchema):
    start: WallTime = Field(description='Opening wall time, "HH:MM" (00:00..23:59).')
    end: WallTime = Field(description='Closing wall time, "HH:MM"; "24:00" is midnight at the end.')


class WeeklyIn(IntervalIn):
    weekday: StrictInt = Field(description="0 = Monday .. 6 = Sunday.")


class OverrideIn(InputSchema):
    date: dt.date = Field(description="A local date in the coach's zone (YYYY-MM-DD).")
    intervals: list[IntervalIn] = Field(
        max_length=validation.MAX_INTERVALS_PER_OVERRIDE,
        description="The hours open on that date instead of the weekly ones; empty: closed.",
    )


class TimeOffIn(InputSchema):
    start: dt.datetime = Field(description="Start (ISO 8601 with an offset, whole minutes).")
    end: dt.datetime = Field(description="End, after the start (ISO 8601 with an offset).")
    reason: str = Field(
        default="",
        max_length=validation.MAX_REASON,
        description="A private note (only the coach sees it).",
    )


class RulesIn(_Refusal400, InputSchema):
    weekly: list[WeeklyIn] = Field(
        max_length=validation.MAX_WEEKLY,
        description=(
            "Open hours per weekday, in the coach's zone. Intervals of one weekday may touch "
            "but not overlap; hours across midnight are two intervals."
        ),
    )
    overrides: list[OverrideIn] = Field(
        max_length=validation.MAX_OVERRIDES,
        description="Dates with different hours (or closed); one per date.",
    )
    time_off: list[TimeOffIn] = Field(
        max_length=validation.MAX_TIME_OFF,
        description="Ranges when nothing can be booked, whatever the hours say.",
    )
    daily_cap: StrictInt | None = Field(
        description="At most this many sessions per local day, all types together; null: no cap."
    )
    weekly_cap: StrictInt | None = Field(
        description="At most this many sessions per ISO week (local), all types; null: no cap."
    )

    def as_service_kwargs(self) -> dict[str, Any]:
        return {
            "weekly": [validation.WeeklyInput(w.weekday, w.start, w.end) for w in self.weekly],
            "overrides": [
                validation.OverrideInput(
                    o.date, [validation.IntervalInput(i.start, i.end) for i in o.intervals]
                )
                for o in self.overrides
            ],
            "time_off": [validation.TimeOffInput(t.start, t.end, t.reason) for t in self.time_off],
            "daily_cap": self.daily_cap,
            "weekly_cap": self.weekly_cap,
        }


_SESSION_TYPE = "A session type's id; default: the coach's cheapest active one."
_START = (
    "Range start: ISO 8601 with an offset (2027-03-28T09:00:00Z), or a date meaning midnight "
    "in `tz`. A date-time without an offset is refused. Default: now."
)
_END = (
    "Range end (exclusive), same format. Default: start + 7 days; at most "
    f"{validation.MAX_RANGE.days} days after start."
)
_TZ = "IANA zone to show local times in. Default: your zone if signed in, else the coach's."


class RangeParams(_Refusal400, Schema):
    session_type: str | None = Field(default=None, description=_SESSION_TYPE)
    start: str | None = Field(default=None, description=_START)
    end: str | None = Field(default=None, description=_END)
    tz: str | None = Field(default=None, description=_TZ)


class PreviewIn(RulesIn):
    session_type: str | None = Field(default=None, description=_SESSION_TYPE)
    start: str | None = Field(default=None, description=_START)
    end: str | None = Field(default=None, description=_END)
    tz: str | None = Field(default=None, description=_TZ)


# --- Out --------------------------------------------------------------------------------------


class IntervalOut(Schema):
    start: str = Field(description='Opening wall time, "HH:MM".')
    end: str = Field(description='Closing wall time, "HH:MM" ("24:00": end of day).')


class WeeklyOut(IntervalOut):
    weekday: int = Field(description="0 = Monday .. 6 = Sunday.")


class OverrideOut(Schema):
    date: dt.date = Field(description="Local date in the coach's zone.")
    intervals: list[IntervalOut] = Field(description="Open hours that date; empty: closed.")


class TimeOffOut(Schema):
    start: dt.datetime = Field(description="Start (UTC).")
    end: dt.datetime = Field(description="End (UTC, exclusive).")
    reason: str = Field(description="The coach's private note.")


class AvailabilityOut(Schema):
    timezone: str = Field(description="The coach's zone: wall times and dates are in it.")
    weekly: list[WeeklyOut] = Field(description="Open hours per weekday.")
    overrides: list[OverrideOut] = Field(description="Dates with different hours.")
    time_off: list[TimeOffOut] = Field(description="Ranges when nothing can be booked.")
    daily_cap: int | None = Field(description="Sessions per local day, all types; null: none.")
    weekly_cap: int | None = Field(description="Sessions per ISO week, all types; null: none.")


class SlotCoachOut(Schema):
    id: UUID = Field(description="The coach's public id.")
    slug: str = Field(description="The coach's booking-page slug.")
    name: str = Field(description="The coach's display name.")
    timezone: str = Field(description="The coach's zone (where their hours are set).")


class SlotSessionTypeOut(Schema):
    id: UUID = Field(description="The session type's public id.")
    name: str = Field(description="Its name.")
    duration_minutes: int = Field(description="Length of a session.")


class SlotOut(Schema):
    start: dt.datetime = Field(description="Session start (UTC).")
    end: dt.datetime = Field(description="Session end (UTC): start + duration.")
    local_start: dt.datetime = Field(description="Start in `tz`, with its offset.")
    local_end: dt.datetime = Field(description="End in `tz`, with its offset.")


class SlotsOut(Schema):
    coach: SlotCoachOut = Field(description="Whose slots.")
    session_type: SlotSessionTypeOut = Field(description="Which session type.")
    tz: str = Field(description="The zone local times are shown in.")
    start: dt.datetime = Field(description="Range searched: start (UTC).")
    end: dt.datetime = Field(description="Range searched: end (UTC, exclusive).")
    slots: list[SlotOut] = Field(description="Bookable starts, ascending.")
