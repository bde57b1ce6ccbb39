"""Session-note templates: three built in (GROW, SOAP, blank) and each coach's own.

A template is a body of headings. Its key is stored on the note (SessionNote.template):
`grow`, `soap`, `blank` for the built-in ones (stable: never renamed), `own:<public id>` for
a coach's. Applying one (services/notes.py) fills an empty note's editor with the headings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.coaches.selectors import coach_profile_of
from tandem.core.errors import Conflict, NotFound
from tandem.core.text import clean_text

from ..models import NoteTemplate
from ..selectors.access import parse_id

MAX_NAME = 80
MAX_BODY = 10_000
OWN_PREFIX = "own:"


@dataclass(frozen=True, slots=True)
class Builtin:
    key: str
    name: str
    body: str


BUILTINS: dict[str, Builtin] = {
    b.key: b
    for b in (
        Builtin(
            "grow",
            "GROW",
            "Goal\n\nReality\n\nOptions\n\nWill\n",
        ),
        Builtin(
            "soap",
            "SOAP (clinical)",
            "Subjective\n\nObjective\n\nAssessment\n\nPlan\n",
        ),
        Builtin("blank", "Blank", ""),
    )
}


class NotACoach(NotFound):
    """You have no coach profile."""

    code = "not_a_coach"


class TemplateNotFound(NotFound):
    """No such note template."""

    code = "template_not_found"


class TemplateNameTaken(Conflict):
    """You already have a note template with that name."""

    code = "template_name_taken"


def _coach(user: Any) -> Any:
    coach = coach_profile_of(user)
    if coach is None:
        raise NotACoach()
    return coach


def _own(coach: Any, template_id: Any) -> NoteTemplate:
    parsed = parse_id(template_id)
    found = (
        NoteTemplate.objects.select_for_update().filter(coach=coach, public_id=parsed).first()
        if parsed
        else None
    )
    if found is None:
        raise TemplateNotFound()
    return found


def _clean(name: str, body: str) -> tuple[str, str]:
    name = clean_text(name, field="name", max_length=MAX_NAME, required=True)
    # Headings keep their line breaks; only the ends are trimmed.
    body = clean_text(body, field="body", max_length=MAX_BODY)
    return name, body


def _save(template: NoteTemplate) -> NoteTemplate:
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError as exc:  # the (coach, name) constraint: a race or a duplicate
        raise TemplateNameTaken(fields={"name": ["taken"]}) from exc
    return template


@transaction.atomic
def note_template_create(
    *, actor: Any, name: str, body: str, now: datetime | None = None
) -> NoteTemplate:
    coach = _coach(actor)
    name, body = _clean(name, body)
    if NoteTemplate.objects.filter(coach=coach, name=name).exists():
        raise TemplateNameTaken(fields={"name": ["taken"]})
    return _save(NoteTemplate(coach=coach, name=name, body=body, created_at=now or timezone.now()))


@transaction.atomic
def note_template_update(
    *, actor: Any, template_id: Any, name: str | None = None, body: str | None = None
) -> NoteTemplate:
    coach = _coach(actor)
    template = _own(coach, template_id)
    new_name, new_body = _clean(
        template.name if name is None else name, template.body if body is None else body
    )
    if (
        new_name != template.name
        and NoteTemplate.objects.filter(coach=coach, name=new_name).exists()
    ):
        raise TemplateNameTaken(fields={"name": ["taken"]})
    template.name, template.body = new_name, new_body
    return _save(template)


@transaction.atomic
def note_template_delete(*, actor: Any, template_id: Any) -> None:
    """Notes made from it keep their text; their `template` key just names nothing now."""
    _own(_coach(actor), template_id).delete()


def template_key(template: NoteTemplate) -> str:
    return f"{OWN_PREFIX}{template.public_id}"


def template_body(*, coach: Any, key: str) -> str:
    """The headings of a template the coach may use; TemplateNotFound for any other key."""
    if key in BUILTINS:
        return BUILTINS[key].body
    if key.startswith(OWN_PREFIX):
        parsed = parse_id(key.removeprefix(OWN_PREFIX))
        if parsed is not None:
            found = NoteTemplate.objects.filter(coach=coach, public_id=parsed).first()
            if found is not None:
                return found.body
    raise TemplateNotFound(fields={"template": ["unknown"]})
