"""After a key rotation, rebuild the workspace's blind index under the current key.

Digests in SearchTerm are keyed per message key (core/blind_index.py). A search hashes its
terms under every configured key, so text indexed before a rotation stays findable while the
old key is still configured; once the old key is dropped, only digests made under the new key
match. core.encrypted.rotate_encrypted_text() re-encrypts the columns and then sends
`encrypted_text_rotated` (core cannot import the workspace); this receiver, connected in
WorkspaceConfig.ready, re-indexes every object that has index rows, from its decrypted text,
with the owner it was indexed for.

SOURCES says which text each kind is indexed from; it must match what the area's service
passes to services.search.index (tests/test_privacy_rotation.py checks search still finds
after a rotation with only the new key).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.dispatch import receiver

from tandem.core.encrypted import encrypted_text_rotated

from .models import ActionItem, Goal, JournalEntry, SearchTerm, SessionNote
from .services import search

BATCH = 200


def _journal_text(entry: JournalEntry) -> str:
    try:
        tags = json.loads(entry.tags) if entry.tags else []
    except ValueError:
        tags = []
    words = " ".join(str(t) for t in tags) if isinstance(tags, list) else str(entry.tags)
    return f"{entry.body}\n{words}".strip()


SOURCES: dict[str, tuple[type[models.Model], Callable[[Any], str]]] = {
    SearchTerm.Kind.NOTE: (SessionNote, lambda note: note.body),
    SearchTerm.Kind.JOURNAL: (JournalEntry, _journal_text),
    SearchTerm.Kind.GOAL: (Goal, lambda goal: f"{goal.title}\n{goal.why}\n{goal.measure}"),
    SearchTerm.Kind.ACTION: (ActionItem, lambda item: f"{item.title}\n{item.detail}"),
}


def rebuild_kind(kind: str) -> int:
    """Re-index every object of `kind` that has index rows; returns how many."""
    model, text_of = SOURCES[kind]
    users = get_user_model()._default_manager
    done = 0
    last = -1
    while True:
        pairs = list(
            SearchTerm.objects.filter(kind=kind, object_id__gt=last)
            .order_by("object_id")
            .values_list("object_id", "owner_id")
            .distinct()[:BATCH]
        )
        if not pairs:
            return done
        owners = users.in_bulk({owner_id for _, owner_id in pairs})
        for object_id, owner_id in dict(pairs).items():
            with transaction.atomic():
                # Locked (PostgreSQL; SQLite's IMMEDIATE transactions serialise anyway) so a
                # concurrent edit re-indexes after us, never before with us overwriting it.
                obj = model._default_manager.select_for_update().filter(pk=object_id).first()
                if obj is None:
                    search.unindex(kind=kind, object_id=object_id)
                    continue
                search.index(
                    owner=owners[owner_id], kind=kind, object_id=object_id, text=text_of(obj)
                )
                done += 1
        last = pairs[-1][0]


@receiver(encrypted_text_rotated, dispatch_uid="workspace.rebuild_blind_index")
def rebuild_blind_index(sender: Any, **kwargs: Any) -> dict[str, int]:
    return {f"workspace search index ({kind})": rebuild_kind(kind) for kind in SOURCES}
