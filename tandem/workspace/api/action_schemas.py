"""Schemas of the action-item API (api/actions.py)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from ninja import Schema
from pydantic import Field, StrictStr

from tandem.core.schemas import InputSchema


class ActionItemIn(InputSchema):
    title: StrictStr = Field(max_length=300, description="What to do (1 to 300 characters).")
    detail: StrictStr = Field("", max_length=2000, description="More about it (≤ 2000).")
    assignee: StrictStr | None = Field(
        None,
        max_length=64,
        description="The public id of the engagement's client or coach; absent or null means "
        "the client.",
    )
    due_date: date | None = Field(
        None, description="YYYY-MM-DD; today or later in the assignee's zone."
    )
    goal: StrictStr | None = Field(None, max_length=64, description="A goal of this engagement.")
    booking: StrictStr | None = Field(
        None, max_length=64, description="A session of this engagement."
    )
    source_note: StrictStr | None = Field(
        None, max_length=64, description="The session note the item was raised from."
    )


class ActionItemPatchIn(InputSchema):
    title: StrictStr | None = Field(None, max_length=300)
    detail: StrictStr | None = Field(None, max_length=2000)
    assignee: StrictStr | None = Field(None, max_length=64)
    due_date: date | None = Field(None, description="null clears it.")
    goal: StrictStr | None = Field(None, max_length=64, description="null unlinks it.")


class ActionItemCompleteIn(InputSchema):
    reflection: StrictStr = Field(
        "", max_length=1000, description="Optional, ≤ 1000 characters; the assignee's only."
    )


class ActionPersonOut(Schema):
    id: str
    name: str
    role: Literal["client", "coach"]


class ActionGoalOut(Schema):
    id: str
    title: str


class ActionItemOut(Schema):
    id: str
    engagement: str
    title: str
    detail: str
    status: Literal["open", "done"]
    assignee: ActionPersonOut
    created_by: str | None = Field(description="Public id of who added it (null if gone).")
    goal: ActionGoalOut | None
    booking: str | None
    source_note: str | None = Field(
        description="The note it was raised from, when the viewer may see that note."
    )
    due_date: date | None
    overdue: bool = Field(description="Open and due before the assignee's today.")
    done_at: datetime | None
    reflection: str
    created_at: datetime
    updated_at: datetime
    can_delete: bool


class ActionItemPageQuery(Schema):
    cursor: str | None = Field(None, max_length=512, description="A next_cursor.")
    limit: int = Field(50, ge=1, le=200, description="Items a page (at most 200).")


class ActionItemListQuery(ActionItemPageQuery):
    status: Literal["open", "done"] | None = Field(None, description="open or done")
    due: Literal["overdue", "today", "soon", "none"] | None = Field(
        None, description="overdue, today, soon (the next 7 days) or none (no due date)"
    )


class ActionItemListOut(Schema):
    items: list[ActionItemOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")
