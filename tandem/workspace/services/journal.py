"""Workspace services: the journal.

Entries belong to their author (any signed-in user may keep a journal); nobody else sees one
until the author shares it with one of their engagements (a JournalShare), and withdrawing
deletes the share. Every save re-indexes the entry's body and tags in the author's own blind
index (services/search.py); a delete unindexes it.

Events carry ids only. A change to an unshared entry goes to the author alone (their other
tabs); a change that the coach of an engagement can see (share, withdraw, edit or delete of a
shared entry, a prompt assigned or removed) goes to both people of that engagement.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from tandem.core.text import clean_text

from ..models import Engagement, JournalEntry, JournalPrompt, JournalShare
from ..selectors.access import engagement_for, engagements_of, parse_id, role_in
from . import events, search
from .errors import EngagementEnded, EngagementNotFound, InvalidInput, NotAllowed, ObjectNotFound
from .prompts import builtin

MAX_BODY = 20_000
MAX_TAGS = 10
MAX_TAG = 30
MAX_PROMPT = 500
UNSET: Any = object()


class EntryNotFound(ObjectNotFound):
    """No such journal entry."""

    code = "journal_entry_not_found"


class PromptNotFound(ObjectNotFound):
    """No such prompt."""

    code = "prompt_not_found"


# --- input rules ---------------------------------------------------------------------------


def clean_body(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput("Write some text.", fields={"body": ["Expected text."]})
    return clean_text(value, field="body", max_length=MAX_BODY, required=True)


def clean_mood(value: Any) -> int | None:
    """1 (low) to 5 (high), or None for no mood."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
        raise InvalidInput("Mood is a number from 1 to 5.", fields={"mood": ["From 1 to 5."]})
    return value


def clean_tags(value: Any) -> list[str]:
    """Up to MAX_TAGS distinct tags of at most MAX_TAG characters, lower-case, in the order
    given. A string is split on commas (the page's single field)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, list | tuple) or not all(isinstance(t, str) for t in value):
        raise InvalidInput("Tags are a list of words.", fields={"tags": ["Expected a list."]})
    tags: list[str] = []
    for raw in value:
        tag = " ".join(clean_text(raw, field="tags", max_length=MAX_TAG * 4).split()).lower()
        if len(tag) > MAX_TAG:
            raise InvalidInput(
                f"A tag is at most {MAX_TAG} characters.",
                fields={"tags": [f"Each tag has at most {MAX_TAG} characters."]},
            )
        if tag and tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(
            f"At most {MAX_TAGS} tags.", fields={"tags": [f"At most {MAX_TAGS} tags."]}
        )
    return tags


def tags_of(entry: JournalEntry) -> list[str]:
    """The entry's tags (stored as an encrypted JSON list)."""
    return decode_tags(entry.tags)


def decode_tags(stored: str | None) -> list[str]:
    if not stored:
        return []
    try:
        tags = json.loads(stored)
    except ValueError:
        return []
    return [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []


def _resolve_prompt(author: Any, prompt: Any) -> tuple[str, JournalPrompt | None]:
    """(builtin key, assigned prompt) from a "builtin:<slug>" key or an assigned prompt's id
    (one of the author's own engagements as the client)."""
    if prompt is None or prompt == "":
        return "", None
    if not isinstance(prompt, str):
        raise InvalidInput("Unknown prompt.", fields={"prompt": ["Unknown prompt."]})
    if prompt.startswith("builtin:"):
        if builtin(prompt) is None:
            raise InvalidInput("Unknown prompt.", fields={"prompt": ["Unknown prompt."]})
        return prompt, None
    parsed = parse_id(prompt)
    found = (
        JournalPrompt.objects.filter(public_id=parsed, engagement__client_id=author.pk).first()
        if parsed
        else None
    )
    if found is None:
        raise InvalidInput("Unknown prompt.", fields={"prompt": ["Unknown prompt."]})
    return "", found


def _own_entry(author: Any, entry_id: Any, *, lock: bool = False) -> JournalEntry:
    parsed = parse_id(entry_id)
    if parsed is None or not getattr(author, "is_authenticated", False):
        raise EntryNotFound()
    qs = JournalEntry.objects.filter(public_id=parsed, author_id=author.pk)
    if lock:
        qs = qs.select_for_update()
    entry = qs.first()
    if entry is None:
        raise EntryNotFound()
    return entry


def _index(entry: JournalEntry, tags: list[str]) -> None:
    search.index(
        owner=entry.author,
        kind="journal",
        object_id=entry.pk,
        text=entry.body + "\n" + " ".join(tags),
    )


def _shared_engagements(entry: JournalEntry) -> list[Engagement]:
    return list(
        Engagement.objects.filter(journal_shares__entry=entry).select_related("coach__user")
    )


def _announce(entry: JournalEntry, action: str, engagements: list[Engagement]) -> None:
    """Both people of every engagement that can see the entry; else the author alone."""
    if engagements:
        for engagement in engagements:
            events.emit(engagement, "journal", object_id=entry.public_id, action=action)
    else:
        events.emit_to_user(entry.author, "journal", object_id=entry.public_id, action=action)


# --- entries -------------------------------------------------------------------------------


@transaction.atomic
def entry_create(
    *,
    author: Any,
    body: Any,
    mood: Any = None,
    tags: Any = None,
    prompt: Any = None,
    now: datetime | None = None,
) -> JournalEntry:
    """A new private entry. Answering an assigned prompt marks it answered (the coach is not
    told: the entry is private until shared)."""
    if not getattr(author, "is_authenticated", False):
        raise NotAllowed("Sign in to keep a journal.")
    now = now or timezone.now()
    text, mood, tag_list = clean_body(body), clean_mood(mood), clean_tags(tags)
    key, assigned = _resolve_prompt(author, prompt)
    entry = JournalEntry.objects.create(
        author=author,
        body=text,
        mood=mood,
        tags=json.dumps(tag_list) if tag_list else "",
        builtin_prompt=key,
        prompt=assigned,
        written_at=now,
        updated_at=now,
    )
    if assigned is not None and assigned.answered_at is None:
        JournalPrompt.objects.filter(pk=assigned.pk, answered_at__isnull=True).update(
            answered_at=now
        )
    _index(entry, tag_list)
    events.emit_to_user(author, "journal", object_id=entry.public_id, action="created")
    return entry


@transaction.atomic
def entry_update(
    *,
    author: Any,
    entry_id: Any,
    body: Any = UNSET,
    mood: Any = UNSET,
    tags: Any = UNSET,
    now: datetime | None = None,
) -> JournalEntry:
    """Change the author's own entry (only the fields given)."""
    entry = _own_entry(author, entry_id, lock=True)
    tag_list = tags_of(entry)
    if body is not UNSET:
        entry.body = clean_body(body)
    if mood is not UNSET:
        entry.mood = clean_mood(mood)
    if tags is not UNSET:
        tag_list = clean_tags(tags)
        entry.tags = json.dumps(tag_list) if tag_list else ""
    entry.updated_at = now or timezone.now()
    entry.save(update_fields=["body", "mood", "tags", "updated_at"])
    _index(entry, tag_list)
    _announce(entry, "updated", _shared_engagements(entry))
    return entry


@transaction.atomic
def entry_delete(*, author: Any, entry_id: Any) -> None:
    entry = _own_entry(author, entry_id, lock=True)
    engagements = _shared_engagements(entry)
    search.unindex(kind="journal", object_id=entry.pk)
    entry.delete()  # the instance keeps its public_id for the events
    _announce(entry, "deleted", engagements)


def _client_engagement(author: Any, engagement_id: Any) -> Engagement:
    """One of the author's engagements as the client (the coach of it is who will read)."""
    engagement = engagement_for(author, engagement_id)
    if engagement is None or engagement.client_id != author.pk:
        raise EngagementNotFound()
    return engagement


@transaction.atomic
def entry_share(
    *, author: Any, entry_id: Any, engagement_id: Any, now: datetime | None = None
) -> JournalShare:
    """Let the coach of one of the author's engagements read this entry. Sharing again
    changes nothing."""
    entry = _own_entry(author, entry_id, lock=True)
    engagement = _client_engagement(author, engagement_id)
    existing = JournalShare.objects.filter(entry=entry, engagement=engagement).first()
    if existing is not None:
        return existing
    if engagement.state == Engagement.State.ENDED:
        raise EngagementEnded()
    share = JournalShare.objects.create(
        entry=entry, engagement=engagement, shared_at=now or timezone.now()
    )
    events.emit(engagement, "journal", object_id=entry.public_id, action="shared")
    return share


@transaction.atomic
def entry_withdraw(*, author: Any, entry_id: Any, engagement_id: Any) -> bool:
    """Stop sharing the entry with that engagement (also once it has ended). True if it was
    shared; withdrawing again changes nothing."""
    entry = _own_entry(author, entry_id, lock=True)
    engagement = _client_engagement(author, engagement_id)
    deleted, _ = JournalShare.objects.filter(entry=entry, engagement=engagement).delete()
    if deleted:
        events.emit(engagement, "journal", object_id=entry.public_id, action="withdrawn")
    return bool(deleted)


# --- prompts the coach assigns -------------------------------------------------------------


@transaction.atomic
def prompt_assign(
    *, coach: Any, engagement_id: Any, text: Any, now: datetime | None = None
) -> JournalPrompt:
    engagement = engagement_for(coach, engagement_id)
    if engagement is None:
        raise EngagementNotFound()
    if role_in(engagement, coach) != "coach":
        raise NotAllowed("Only the coach assigns journal prompts.")
    if engagement.state == Engagement.State.ENDED:
        raise EngagementEnded()
    if not isinstance(text, str):
        raise InvalidInput("Write the prompt.", fields={"text": ["Expected text."]})
    cleaned = clean_text(text, field="text", max_length=MAX_PROMPT, required=True)
    prompt = JournalPrompt.objects.create(
        engagement=engagement, text=cleaned, created_at=now or timezone.now()
    )
    events.emit(engagement, "journal", object_id=prompt.public_id, action="prompt_assigned")
    return prompt


@transaction.atomic
def prompt_delete(*, coach: Any, prompt_id: Any) -> None:
    """Remove an assigned prompt; entries written for it keep their text."""
    parsed = parse_id(prompt_id)
    prompt = (
        JournalPrompt.objects.filter(public_id=parsed, engagement__in=engagements_of(coach))
        .select_related("engagement__coach__user")
        .first()
        if parsed
        else None
    )
    if prompt is None:
        raise PromptNotFound()
    engagement = prompt.engagement
    if role_in(engagement, coach) != "coach":
        raise NotAllowed("Only the coach removes journal prompts.")
    public_id = prompt.public_id
    prompt.delete()
    events.emit(engagement, "journal", object_id=public_id, action="prompt_removed")


@transaction.atomic
def set_mood_in_reports(*, client: Any, engagement: Any, on: Any) -> Engagement:
    """The client's consent to a mood trend (over entries shared with this engagement) in its
    progress reports."""
    if not isinstance(on, bool):
        raise InvalidInput("Expected true or false.", fields={"on": ["Expected a boolean."]})
    found = engagement_for(client, getattr(engagement, "public_id", engagement))
    if found is None:
        raise EngagementNotFound()
    if role_in(found, client) != "client":
        raise NotAllowed("Only the client decides whether their mood is in reports.")
    if found.mood_in_reports != on:
        found.mood_in_reports = on
        found.updated_at = timezone.now()
        found.save(update_fields=["mood_in_reports", "updated_at"])
        events.emit(found, "journal", action="mood_in_reports")
    return found
