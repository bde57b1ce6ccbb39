"""Key rotation over the workspace: after rotate_encrypted_text() with keys [new, old], every
workspace row reads with [new] alone, and search (the blind index, rebuilt through the
encrypted_text_rotated seam) still finds notes, journal entries and action items."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from tandem.core.encrypted import rotate_encrypted_text
from tandem.core.tests.test_encrypted import assert_all_current

from ..models import ActionItem, Goal, JournalEntry, SearchTerm, SessionNote
from ..services import search
from .privacy_world import build_world

pytestmark = pytest.mark.django_db

OLD = Fernet.generate_key().decode()
NEW = Fernet.generate_key().decode()


def test_rotation_keeps_every_row_readable_and_search_finding(
    alice, bob, charlie, staff_user, settings
):
    settings.TANDEM_MESSAGE_KEYS = [OLD]
    world = build_world(alice=alice, bob=bob, charlie=charlie, staff=staff_user)
    m = world.markers
    note = world.objects["private_note"]
    entry = world.objects["journal_shared"]
    item = world.objects["action"]
    # What search finds before (the areas' services index on save).
    queries = [
        (alice, "note", m["private_note_v2"], note.pk),
        (bob, "journal", m["journal_shared"], entry.pk),
        (bob, "journal", m["journal_tag"], entry.pk),
        (bob, "action", m["action_title"], item.pk),
    ]
    for owner, kind, text, pk in queries:
        assert pk in search.find(owner=owner, query=text, kinds=(kind,))[kind], (kind, "before")
    terms_before = set(SearchTerm.objects.values_list("digest", flat=True))

    settings.TANDEM_MESSAGE_KEYS = [NEW, OLD]
    report = rotate_encrypted_text()
    assert report.undecryptable == {}
    assert report.rotated["workspace.Goal"] >= 1
    assert report.rebuilt["workspace search index (note)"] >= 1

    settings.TANDEM_MESSAGE_KEYS = [NEW]
    assert_all_current(NEW)
    assert Goal.objects.get(pk=world.objects["goal"].pk).title == m["goal_title"]
    assert SessionNote.objects.get(pk=note.pk).body == m["private_note_v2"]
    assert JournalEntry.objects.get(pk=entry.pk).body == m["journal_shared"]
    assert ActionItem.objects.get(pk=item.pk).reflection == m["reflection"]
    for owner, kind, text, pk in queries:
        found = search.find(owner=owner, query=text, kinds=(kind,))[kind]
        assert pk in found, (kind, "after rotation, with the new key alone")
        # Prefix search too (3+ characters).
        assert pk in search.find(owner=owner, query=text[:6], kinds=(kind,))[kind]
    # Every digest was rewritten under the new key: none of the old ones is left.
    assert not terms_before & set(SearchTerm.objects.values_list("digest", flat=True))
    # The others' index stays theirs: Alice's words are not in Bob's index.
    assert not search.find(owner=bob, query=m["private_note_v2"], kinds=("note",))["note"]
