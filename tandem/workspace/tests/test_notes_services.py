"""Session-note services: drafts, versions, identical saves, templates, action items from
lines, events, search indexing; every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tandem.realtime.models import Event
from tandem.workspace.models import ActionItem, Engagement, NoteVersion, SearchTerm, SessionNote
from tandem.workspace.services import notes as services
from tandem.workspace.services import search
from tandem.workspace.services import templates as template_services
from tandem.workspace.services.errors import (
    EngagementEnded,
    EngagementNotFound,
    InvalidInput,
    NotAllowed,
    ObjectNotFound,
)

from .notes_support import *  # noqa: F403
from .notes_support import NOW, session, snapshot

pytestmark = pytest.mark.django_db(transaction=True)  # events are sent on commit


def upsert(actor, engagement, booking, visibility="private", **kw):
    return services.note_upsert(
        actor=actor,
        engagement_id=engagement.public_id,
        booking_id=booking.public_id,
        visibility=visibility,
        now=kw.pop("now", NOW),
        **kw,
    )


def events_of(user, kind="workspace.notes"):
    return list(Event.objects.filter(user=user, kind=kind).order_by("seq"))


def test_draft_then_save_makes_version_one(alice, engagement, booking):
    note, created = upsert(alice, engagement, booking, draft="  Half a thought")
    assert created and note.version == 0 and note.body == ""
    assert note.draft == "Half a thought" and note.draft_saved_at == NOW
    assert not NoteVersion.objects.exists()

    later = NOW + timedelta(minutes=5)
    note, saved = services.note_save(
        actor=alice, note_id=note.public_id, body="Goal\r\nRun a marathon", now=later
    )
    assert saved and note.version == 1 and note.body == "Goal\nRun a marathon"
    assert note.draft == "" and note.draft_saved_at is None
    version = NoteVersion.objects.get(note=note)
    assert (version.number, version.author, version.created_at) == (1, alice, later)
    assert version.body == "Goal\nRun a marathon"


def test_identical_save_makes_no_version_and_a_change_does(alice, engagement, booking):
    note, _ = upsert(alice, engagement, booking, body="One")
    note, saved = services.note_save(actor=alice, note_id=note.public_id, body="One  ")
    assert not saved and note.version == 1
    note, saved = services.note_save(actor=alice, note_id=note.public_id, body="Two")
    assert saved and note.version == 2
    assert list(note.versions.values_list("number", "body")) == [(2, "Two"), (1, "One")]


def test_empty_first_save_makes_no_version(alice, engagement, booking):
    note, _ = upsert(alice, engagement, booking)
    _, saved = services.note_save(actor=alice, note_id=note.public_id, body="   ")
    assert not saved and not NoteVersion.objects.exists()


def test_one_note_per_session_and_visibility(alice, engagement, booking):
    first, created = upsert(alice, engagement, booking)
    again, created_again = upsert(alice, engagement, booking, draft="x")
    shared, _ = upsert(alice, engagement, booking, "shared")
    assert created and not created_again and first.pk == again.pk
    assert shared.pk != first.pk
    assert SessionNote.objects.count() == 2


def test_template_fills_an_empty_note_only(alice, engagement, booking):
    note, _ = upsert(alice, engagement, booking, template="grow")
    assert note.draft.split() == ["Goal", "Reality", "Options", "Will"]
    assert note.template == "grow" and note.version == 0

    before = snapshot()
    with pytest.raises(services.NoteNotEmpty):
        services.note_apply_template(actor=alice, note_id=note.public_id, template="soap")
    assert snapshot() == before


def test_builtin_templates_have_stable_keys_and_headings():
    assert list(template_services.BUILTINS) == ["grow", "soap", "blank"]
    assert template_services.BUILTINS["soap"].body.split() == [
        "Subjective",
        "Objective",
        "Assessment",
        "Plan",
    ]
    assert template_services.BUILTINS["blank"].body == ""


def test_own_template_applies_and_another_coachs_does_not(
    alice, engagement, booking, dora, dora_engagement
):
    mine = template_services.note_template_create(
        actor=alice, name="Check-in", body="Wins\nBlocks\n"
    )
    theirs = template_services.note_template_create(actor=dora, name="Check-in", body="Dora's")
    shared, _ = upsert(alice, engagement, booking, "shared")
    before = snapshot()
    with pytest.raises(template_services.TemplateNotFound):
        services.note_apply_template(
            actor=alice, note_id=shared.public_id, template=f"own:{theirs.public_id}"
        )
    assert snapshot() == before
    note = services.note_apply_template(
        actor=alice, note_id=shared.public_id, template=f"own:{mine.public_id}"
    )
    assert note.draft == "Wins\nBlocks"


def test_template_crud_rules(alice, alice_coach, bob, dora, dora_engagement):
    made = template_services.note_template_create(actor=alice, name="Weekly", body="A\nB")
    with pytest.raises(template_services.TemplateNameTaken):
        template_services.note_template_create(actor=alice, name="Weekly", body="")
    with pytest.raises(InvalidInput):
        template_services.note_template_create(actor=alice, name="Big", body="x" * 10_001)
    with pytest.raises(InvalidInput):
        template_services.note_template_create(actor=alice, name="Nul", body="a\x00b")
    with pytest.raises(template_services.NotACoach):
        template_services.note_template_create(actor=bob, name="Mine", body="")
    other = template_services.note_template_create(actor=alice, name="Other", body="")
    before = snapshot()
    with pytest.raises(template_services.TemplateNameTaken):
        template_services.note_template_update(
            actor=alice, template_id=other.public_id, name="Weekly"
        )
    with pytest.raises(template_services.NotACoach):  # a 404 as well
        template_services.note_template_update(actor=bob, template_id=made.public_id, name="x")
    with pytest.raises(template_services.TemplateNotFound):
        template_services.note_template_update(actor=dora, template_id=made.public_id, name="x")
    with pytest.raises(template_services.TemplateNotFound):
        template_services.note_template_delete(actor=dora, template_id=made.public_id)
    assert snapshot() == before
    updated = template_services.note_template_update(
        actor=alice, template_id=made.public_id, body="C"
    )
    assert (updated.name, updated.body) == ("Weekly", "C")
    template_services.note_template_delete(actor=alice, template_id=made.public_id)
    assert [t.name for t in alice_coach.note_templates.all()] == ["Other"]


def test_body_rules(alice, engagement, booking):
    note, _ = upsert(alice, engagement, booking, body="Kept")
    before = snapshot()
    for bad in ("x" * 20_001, "a\x00b"):
        with pytest.raises(InvalidInput):
            services.note_save(actor=alice, note_id=note.public_id, body=bad)
        with pytest.raises(InvalidInput):
            services.note_save_draft(actor=alice, note_id=note.public_id, draft=bad)
    with pytest.raises(InvalidInput):
        upsert(alice, engagement, booking, visibility="public")
    assert snapshot() == before
    services.note_save(actor=alice, note_id=note.public_id, body="x" * 20_000)


def test_refusals_change_nothing(alice, bob, charlie, engagement, booking, dora, dora_engagement):
    private, _ = upsert(alice, engagement, booking, body="secret")
    shared, _ = upsert(alice, engagement, booking, "shared", body="for Bob")
    draft_only, _ = upsert(alice, engagement, session(engagement.coach, bob, days_ago=3), "shared")
    before = snapshot()
    # Bob: a private note and an unsaved shared one do not exist; a saved shared one is 403.
    for note in (private, draft_only):
        with pytest.raises(ObjectNotFound):
            services.note_save(actor=bob, note_id=note.public_id, body="hack")
    with pytest.raises(NotAllowed):
        services.note_save(actor=bob, note_id=shared.public_id, body="hack")
    with pytest.raises(ObjectNotFound):
        upsert(bob, engagement, booking, "private", body="hack")
    with pytest.raises(NotAllowed):
        upsert(bob, engagement, booking, "shared", body="hack")
    # Strangers, Bob's other coach: nothing exists.
    for outsider in (charlie, dora):
        for note in (private, shared):
            with pytest.raises(ObjectNotFound):
                services.note_save(actor=outsider, note_id=note.public_id, body="hack")
        with pytest.raises(EngagementNotFound):
            upsert(outsider, engagement, booking, body="hack")
    # Dora cannot hang a note on Alice's session in her own engagement with Bob.
    with pytest.raises(ObjectNotFound):
        upsert(dora, dora_engagement, booking, body="hack")
    # Alice: a session of another pair is 404; garbage ids are 404.
    other = session(engagement.coach, charlie)
    with pytest.raises(ObjectNotFound):
        upsert(alice, engagement, other, body="x")
    with pytest.raises(ObjectNotFound):
        services.note_save(actor=alice, note_id="not-a-uuid", body="x")
    assert snapshot() == before


def test_ended_engagement_is_read_only(alice, engagement, booking):
    note, _ = upsert(alice, engagement, booking, body="before")
    Engagement.objects.filter(pk=engagement.pk).update(state=Engagement.State.ENDED)
    engagement.refresh_from_db()
    before = snapshot()
    with pytest.raises(EngagementEnded):
        services.note_save(actor=alice, note_id=note.public_id, body="after")
    with pytest.raises(EngagementEnded):
        upsert(alice, engagement, booking, "shared", body="after")
    with pytest.raises(EngagementEnded):
        services.note_raise_action_item(actor=alice, note_id=note.public_id, line="before")
    assert snapshot() == before


def test_events_private_to_coach_shared_save_to_both(alice, bob, engagement, booking):
    private, _ = upsert(alice, engagement, booking, draft="d")
    services.note_save(actor=alice, note_id=private.public_id, body=MARKER_TEXT)
    shared, _ = upsert(alice, engagement, booking, "shared", draft="draft")
    assert events_of(bob) == []  # private changes and drafts: the coach alone
    services.note_save(actor=alice, note_id=shared.public_id, body="Shared text")
    bob_events = events_of(bob)
    assert [e.data for e in bob_events] == [
        {"engagement": str(engagement.public_id), "id": str(shared.public_id), "action": "saved"}
    ]
    assert len(events_of(alice)) == 4
    for event in Event.objects.all():
        assert MARKER_TEXT not in str(event.data) and "Shared text" not in str(event.data)


MARKER_TEXT = "quokkafen marker"


def test_each_save_indexes_the_text_for_the_coach(alice, bob, engagement, booking):
    note, _ = upsert(alice, engagement, booking, body="Discussed marathon training")
    found = search.find(owner=alice, query="marathon", kinds=("note",))
    assert found == {"note": {note.pk}}
    assert search.find(owner=bob, query="marathon", kinds=("note",)) == {"note": set()}
    services.note_save(actor=alice, note_id=note.public_id, body="Now about swimming")
    assert search.find(owner=alice, query="marathon", kinds=("note",)) == {"note": set()}
    assert search.find(owner=alice, query="swim", kinds=("note",)) == {"note": {note.pk}}
    assert SearchTerm.objects.filter(owner=bob).count() == 0


def test_action_item_from_a_line(alice, bob, engagement, booking):
    note, _ = upsert(alice, engagement, booking, "shared", body="Will\n- Call the board\n\n")
    assert services.note_lines(note.body) == ["Will", "- Call the board"]
    item = services.note_raise_action_item(
        actor=alice, note_id=note.public_id, line="- Call the board", now=NOW
    )
    assert (item.title, item.assignee, item.source_note, item.booking) == (
        "Call the board",
        bob,
        note,
        booking,
    )
    mine = services.note_raise_action_item(
        actor=alice, note_id=note.public_id, line="Will", assignee="coach", now=NOW
    )
    assert mine.assignee == alice
    count = ActionItem.objects.count()
    for bad in ("Not in the note", "", "\x00"):
        with pytest.raises(services.NotALine):
            services.note_raise_action_item(actor=alice, note_id=note.public_id, line=bad)
    with pytest.raises(NotAllowed):
        services.note_raise_action_item(actor=bob, note_id=note.public_id, line="Will")
    assert ActionItem.objects.count() == count


def test_a_long_line_is_cut_into_title_and_detail(alice, engagement, booking):
    line = "word " * 100
    note, _ = upsert(alice, engagement, booking, body=line)
    item = services.note_raise_action_item(
        actor=alice, note_id=note.public_id, line=line.strip(), now=NOW
    )
    assert len(item.title) == 300 and item.title.endswith("…")
    assert item.detail == line.strip()
