"""Live updates: a workspace change is an event on both people's streams (after commit).

Kinds: workspace.engagement, workspace.goals, workspace.notes, workspace.actions,
workspace.journal. Data is ids only — {"engagement": <public id>, "id": <object public id>,
"action": "<verb>"} — never text, so an event can never leak a private note. A change only one
side may see (a private note, an unshared journal entry) goes to that side alone.
"""

from __future__ import annotations

from typing import Any

from tandem.realtime.services import send_event_on_commit

from ..models import Engagement

AREAS = ("engagement", "goals", "notes", "actions", "journal")


def emit(
    engagement: Engagement,
    area: str,
    *,
    object_id: Any = None,
    action: str = "changed",
    only: Any = None,
) -> None:
    """Tell the engagement's people (or `only` that user) that `area` changed."""
    if area not in AREAS:
        raise ValueError(f"unknown workspace area {area!r}")
    users = [only.pk] if only is not None else [engagement.client_id, engagement.coach.user_id]
    data = {"engagement": str(engagement.public_id), "action": action}
    if object_id is not None:
        data["id"] = str(object_id)
    send_event_on_commit(users, f"workspace.{area}", data)


def emit_to_user(user: Any, area: str, *, object_id: Any = None, action: str = "changed") -> None:
    """For objects outside an engagement (a private journal entry): the author alone."""
    data = {"action": action}
    if object_id is not None:
        data["id"] = str(object_id)
    send_event_on_commit([user.pk], f"workspace.{area}", data)
