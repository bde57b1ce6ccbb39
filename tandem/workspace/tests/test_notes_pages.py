"""Session-note pages without JavaScript: the coach's editors (save, save draft, template,
action item), the versions page, the template pages; the client's read-only view; 404s."""

from __future__ import annotations

import pytest

from tandem.workspace.models import ActionItem, NoteTemplate, SessionNote
from tandem.workspace.services import notes as services

from .notes_support import *  # noqa: F403
from .notes_support import logged_in, session, snapshot

pytestmark = pytest.mark.django_db


def page_url(engagement, booking) -> str:
    return f"/workspace/{engagement.public_id}/sessions/{booking.public_id}/notes/"


def test_coach_writes_with_forms(alice, engagement, booking):
    web = logged_in(alice)
    url = page_url(engagement, booking)
    page = web.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="body-private"' in html and 'id="body-shared"' in html
    assert "workspace/notes.js" in html and "GROW" in html

    applied = web.post(f"{url}shared/", {"action": "template", "template": "grow"})
    assert applied.status_code == 302
    note = SessionNote.objects.get(visibility="shared")
    assert note.draft.startswith("Goal") and note.version == 0

    web.post(f"{url}shared/", {"action": "draft", "body": "Goal\nRun 5k"})
    note.refresh_from_db()
    assert (note.draft, note.version) == ("Goal\nRun 5k", 0)

    web.post(f"{url}shared/", {"action": "save", "body": "Goal\r\nRun 5k\r\n- Buy shoes"})
    note.refresh_from_db()
    assert (note.body, note.version, note.draft) == ("Goal\nRun 5k\n- Buy shoes", 1, "")
    html = web.get(url).content.decode()
    assert "Version 1" in html and "→ action item" in html

    action = f"/workspace/{engagement.public_id}/notes/{note.public_id}/action-item/"
    assert web.post(action, {"line": "- Buy shoes", "assignee": "client"}).status_code == 302
    assert ActionItem.objects.get().title == "Buy shoes"

    versions = web.get(f"/workspace/{engagement.public_id}/notes/{note.public_id}/versions/")
    assert versions.status_code == 200 and "Version 1" in versions.content.decode()
    one = web.get(f"/workspace/{engagement.public_id}/notes/{note.public_id}/versions/?number=1")
    assert "Buy shoes" in one.content.decode()
    missing = f"/workspace/{engagement.public_id}/notes/{note.public_id}/versions/?number=9"
    assert web.get(missing).status_code == 404


def test_form_errors_keep_the_text(alice, engagement, booking):
    web = logged_in(alice)
    url = page_url(engagement, booking)
    before = snapshot()
    response = web.post(f"{url}private/", {"action": "save", "body": "x\x00" + "y" * 30})
    assert response.status_code == 400
    assert "yyyyyyyyyy" in response.content.decode()
    assert snapshot() == before


def test_client_reads_the_shared_note_only(alice, bob, engagement, booking):
    for visibility, body in (("private", "coach only words"), ("shared", "for Bob")):
        services.note_upsert(
            actor=alice,
            engagement_id=engagement.public_id,
            booking_id=booking.public_id,
            visibility=visibility,
            body=body,
        )
    web = logged_in(bob)
    html = web.get(page_url(engagement, booking)).content.decode()
    assert "for Bob" in html and "coach only words" not in html
    assert "<textarea" not in html and 'data-live-refresh="workspace.notes"' in html
    before = snapshot()
    assert web.post(f"{page_url(engagement, booking)}shared/", {"body": "x"}).status_code == 403
    private = SessionNote.objects.get(visibility="private")
    versions = f"/workspace/{engagement.public_id}/notes/{private.public_id}/versions/"
    assert web.get(versions).status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize("who", ["charlie", "dora", "staff_user"])
def test_outsiders_get_404(request, who, alice, engagement, booking, dora_engagement):
    note, _ = services.note_upsert(
        actor=alice,
        engagement_id=engagement.public_id,
        booking_id=booking.public_id,
        visibility="shared",
        body="text",
    )
    web = logged_in(request.getfixturevalue(who))
    eid = engagement.public_id
    before = snapshot()
    assert web.get(page_url(engagement, booking)).status_code == 404
    assert web.get(f"{page_url(engagement, booking)}part/").status_code == 404
    assert web.post(f"{page_url(engagement, booking)}shared/", {"body": "x"}).status_code == 404
    assert web.get(f"/workspace/{eid}/notes/{note.public_id}/versions/").status_code == 404
    assert web.post(f"/workspace/{eid}/notes/{note.public_id}/action-item/").status_code == 404
    assert web.get(f"/workspace/{eid}/part/notes/").status_code == 404
    assert snapshot() == before


def test_another_pairs_session_is_404(alice, charlie, engagement):
    other = session(engagement.coach, charlie)
    assert logged_in(alice).get(page_url(engagement, other)).status_code == 404


def test_template_pages(alice, alice_coach, bob):
    web = logged_in(alice)
    assert web.get("/coach/note-templates/").status_code == 200
    made = web.post("/coach/note-templates/", {"name": "Weekly", "body": "Wins\nBlocks"})
    assert made.status_code == 302
    template = NoteTemplate.objects.get()
    dup = web.post("/coach/note-templates/", {"name": "Weekly", "body": "kept text"})
    assert dup.status_code == 409 and "kept text" in dup.content.decode()
    edit = f"/coach/note-templates/{template.public_id}/"
    assert web.post(edit, {"name": "Weekly 2", "body": "X"}).status_code == 302
    template.refresh_from_db()
    assert (template.name, template.body) == ("Weekly 2", "X")
    assert logged_in(bob).get("/coach/note-templates/").status_code == 404
    assert logged_in(bob).get(edit).status_code == 404
    assert web.post(f"{edit}delete/").status_code == 302
    assert not NoteTemplate.objects.exists()


def test_section_lists_sessions_for_the_coach_and_shared_notes_for_the_client(
    alice, bob, engagement, booking
):
    from django.template.loader import render_to_string

    from tandem.workspace.selectors import notes as selectors

    from .notes_support import NOW

    bare = session(engagement.coach, bob, days_ago=2)
    services.note_upsert(
        actor=alice,
        engagement_id=engagement.public_id,
        booking_id=booking.public_id,
        visibility="shared",
        body="Shared first line\nmore",
    )
    coach = selectors.file_section(engagement, alice, now=NOW)
    assert [s["booking_id"] for s in coach["sessions"]] == [booking.public_id, bare.public_id]
    html = render_to_string("workspace/notes/_section.html", {"section": coach})
    assert "Write notes" in html and 'data-live-refresh="workspace.notes"' in html
    assert "Shared first line" in html

    client = selectors.file_section(engagement, bob, now=NOW)
    assert [s["booking_id"] for s in client["sessions"]] == [booking.public_id]
    html = render_to_string("workspace/notes/_section.html", {"section": client})
    assert "Write notes" not in html and "Shared first line" in html
    part = logged_in(bob).get(f"/workspace/{engagement.public_id}/part/notes/")
    assert part.status_code == 200 and "Shared first line" in part.content.decode()


def test_client_file_shows_the_notes_section(alice, bob, engagement, booking):
    services.note_upsert(
        actor=alice,
        engagement_id=engagement.public_id,
        booking_id=booking.public_id,
        visibility="private",
        body="Coach-only first line",
    )
    coach_file = logged_in(alice).get(f"/coach/clients/{engagement.public_id}/")
    assert coach_file.status_code == 200
    html = coach_file.content.decode()
    assert 'id="notes-section-title"' in html and "Coach-only first line" in html
    client_file = logged_in(bob).get(f"/workspace/{engagement.public_id}/")
    assert client_file.status_code == 200
    assert "Coach-only first line" not in client_file.content.decode()
