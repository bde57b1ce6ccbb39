"""Schemas of the journal and search API (api/journal.py, api/search.py)."""

from __future__ import annotations

from datetime import date, datetime

from ninja import Schema
from pydantic import Field, StrictBool, StrictInt, StrictStr

from tandem.core.schemas import InputSchema


class EntryListQuery(Schema):
    q: str = Field("", max_length=200, description="Every word must match (3+ letters: prefix).")
    mood: int | None = Field(None, ge=1, le=5)
    tag: str = Field("", max_length=30, description="An exact tag.")
    cursor: str | None = Field(None, max_length=512)


class InsightsQuery(Schema):
    days: int = Field(30, description="30, 90 or 365")
    engagement: str | None = Field(
        None, max_length=64, description="An engagement you coach: only its shared entries."
    )


class WorkspaceSearchQuery(Schema):
    q: str = Field(max_length=200)
    kind: str | None = Field(None, description="note or journal")


class EntryIn(InputSchema):
    body: StrictStr = Field(max_length=20_000, description="The entry (1 to 20,000 characters).")
    mood: StrictInt | None = Field(None, ge=1, le=5, description="1 (low) to 5 (high), or null.")
    tags: list[StrictStr] = Field(
        default_factory=list,
        max_length=10,
        description="Up to 10 tags of at most 30 characters; stored lower-case, deduplicated.",
    )
    prompt: StrictStr | None = Field(
        None,
        max_length=64,
        description='A library prompt\'s key ("builtin:<slug>") or the id of a prompt a coach '
        "assigned you. Answering it marks it answered; the entry stays private.",
    )


class EntryPatchIn(InputSchema):
    body: StrictStr | None = Field(None, max_length=20_000)
    mood: StrictInt | None = Field(None, ge=1, le=5, description="null clears it.")
    tags: list[StrictStr] | None = Field(None, max_length=10, description="Replaces the tags.")


class EntryOut(Schema):
    id: str
    body: str
    mood: int | None
    tags: list[str]
    prompt: str = Field(description="The prompt's key or id; empty without a prompt.")
    prompt_text: str
    written_at: datetime
    updated_at: datetime
    shared_with: list[str] = Field(
        description="Engagements whose coach may read it (for a coach: only their own)."
    )


class EntryListOut(Schema):
    items: list[EntryOut]
    next_cursor: str | None


class ShareOut(Schema):
    entry: str
    engagement: str
    shared_at: datetime


class ShareListOut(Schema):
    items: list[ShareOut]


class MoodDayOut(Schema):
    day: date
    average: float
    count: int


class TagCountOut(Schema):
    tag: str
    count: int


class WeekOut(Schema):
    monday: date
    count: int


class InsightsOut(Schema):
    days: int
    zone: str
    first_day: date
    today: date
    entries: int
    mood: list[MoodDayOut]
    mood_average: float | None
    tags: list[TagCountOut]
    current_streak: int
    longest_streak: int
    weeks: list[WeekOut]


class LibraryPromptOut(Schema):
    key: str
    text: str


class PromptOut(Schema):
    id: str
    engagement: str
    text: str
    created_at: datetime
    answered_at: datetime | None = Field(
        description="For the client; for the coach only when the answer was shared with them."
    )


class PromptsOut(Schema):
    library: list[LibraryPromptOut]
    assigned: list[PromptOut]


class PromptListOut(Schema):
    items: list[PromptOut]


class PromptIn(InputSchema):
    text: StrictStr = Field(max_length=500, description="The prompt (1 to 500 characters).")


class MoodInReportsIn(InputSchema):
    on: StrictBool


class MoodInReportsOut(Schema):
    engagement: str
    mood_in_reports: bool


class HitOut(Schema):
    kind: str
    id: str
    at: datetime
    title: str
    snippet: str
    url: str


class HitListOut(Schema):
    items: list[HitOut]
