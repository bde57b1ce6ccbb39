"""Schemas of the session-notes API. Every field is described: the document is the manual."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictStr

from tandem.core.schemas import InputSchema

from ..services.notes import MAX_BODY
from ..services.templates import MAX_BODY as MAX_TEMPLATE_BODY
from ..services.templates import MAX_NAME

# Limits are the services' rule (their errors carry the field); the schema only caps what
# could never be right, so a too-long body is answered by the same error as on the page.
_CAP = MAX_BODY * 2


class NoteUpsertIn(InputSchema):
    booking: StrictStr = Field(max_length=64, description="The session's (booking's) id.")
    visibility: StrictStr = Field(max_length=16, description="`private` or `shared`.")
    template: StrictStr | None = Field(
        default=None,
        max_length=120,
        description="Fill an empty note with this template's headings (as its draft): "
        "`grow`, `soap`, `blank` or `own:<template id>`.",
    )
    draft: StrictStr | None = Field(
        default=None, max_length=_CAP, description=f"Autosave text (≤ {MAX_BODY} characters)."
    )
    body: StrictStr | None = Field(
        default=None,
        max_length=_CAP,
        description=f"Save this text as a new version (≤ {MAX_BODY} characters).",
    )


class NotePatchIn(InputSchema):
    template: StrictStr | None = Field(default=None, max_length=120, description="As above.")
    draft: StrictStr | None = Field(default=None, max_length=_CAP, description="Autosave text.")
    body: StrictStr | None = Field(
        default=None,
        max_length=_CAP,
        description="Save as a new version; the same text as the last version makes none.",
    )


class ActionFromLineIn(InputSchema):
    line: StrictStr = Field(
        max_length=_CAP, description="One non-empty line of the note's saved text, as shown."
    )
    assignee: StrictStr = Field(
        default="client", max_length=8, description="`client` (default) or `coach`."
    )


class NoteTemplateIn(InputSchema):
    name: StrictStr = Field(max_length=MAX_NAME * 2, description=f"≤ {MAX_NAME} characters.")
    body: StrictStr = Field(
        default="", max_length=MAX_TEMPLATE_BODY * 2, description="The headings."
    )


class NoteTemplatePatchIn(InputSchema):
    name: StrictStr | None = Field(default=None, max_length=MAX_NAME * 2, description="New name.")
    body: StrictStr | None = Field(
        default=None, max_length=MAX_TEMPLATE_BODY * 2, description="New headings."
    )


class NoteOut(Schema):
    id: UUID = Field(description="The note's id.")
    engagement: UUID = Field(description="Its engagement's id.")
    booking: UUID = Field(description="Its session's (booking's) id.")
    session_start: datetime = Field(description="When the session starts (UTC).")
    visibility: str = Field(description="`private` (the coach alone) or `shared`.")
    body: str = Field(description="The last saved text.")
    saved_at: datetime | None = Field(description="When it was last saved.")
    version: int | None = Field(description="How many versions (coach only; null for the client).")
    template: str | None = Field(description="The template it was started from (coach only).")
    draft: str | None = Field(description="Unsaved autosave text (coach only).")
    draft_saved_at: datetime | None = Field(description="When the draft was autosaved.")
    lines: list[str] | None = Field(
        description="The saved text's non-empty lines, each can become an action item (coach only)."
    )


class NoteListOut(Schema):
    items: list[NoteOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class VersionOut(Schema):
    number: int = Field(description="1 for the first save, then one more per save.")
    author: str = Field(description="Who saved it.")
    created_at: datetime = Field(description="When.")
    length: int = Field(description="Characters of text.")


class VersionBodyOut(VersionOut):
    body: str = Field(description="The text as saved then.")


class VersionListOut(Schema):
    items: list[VersionOut]


class ActionFromLineOut(Schema):
    id: UUID = Field(description="The new action item's id.")
    title: str = Field(description="Its title (the line, without a list marker).")


class NoteTemplateOut(Schema):
    key: str = Field(
        description="What to pass as `template`: `grow`, `soap`, `blank` or `own:<id>`."
    )
    id: UUID | None = Field(description="Your template's id (null for built-in ones).")
    name: str
    body: str
    builtin: bool


class NoteTemplateListOut(Schema):
    items: list[NoteTemplateOut]
