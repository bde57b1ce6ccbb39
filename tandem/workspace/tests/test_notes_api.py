"""The session-notes API: the coach's flow, the client's view, the 404 matrix for Charlie,
another coach of Bob and staff, bad input; every refusal changes nothing."""

from __future__ import annotations

import pytest

from tandem.workspace.models import ActionItem, NoteVersion, SessionNote
from tandem.workspace.services import notes as services

from .notes_support import *  # noqa: F403
from .notes_support import api_json, logged_in, snapshot

pytestmark = pytest.mark.django_db


def notes_path(engagement) -> str:
    return f"/workspace/engagements/{engagement.public_id}/notes"


@pytest.fixture
def written(alice, engagement, booking):
    """A saved private note, a saved shared note, and an unsaved (draft-only) shared note."""
    from .notes_support import session

    private, _ = services.note_upsert(
        actor=alice,
        engagement_id=engagement.public_id,
        booking_id=booking.public_id,
        visibility="private",
        body="private words",
    )
    shared, _ = services.note_upsert(
        actor=alice,
        engagement_id=engagement.public_id,
        booking_id=booking.public_id,
        visibility="shared",
        body="shared words",
        draft=None,
    )
    services.note_save_draft(actor=alice, note_id=shared.public_id, draft="shared draft")
    later = session(engagement.coach, engagement.client, days_ago=5)
    pending, _ = services.note_upsert(
        actor=alice,
        engagement_id=engagement.public_id,
        booking_id=later.public_id,
        visibility="shared",
        draft="not yet",
    )
    return {"private": private, "shared": shared, "pending": pending}


def test_coach_flow(alice, engagement, booking):
    api = logged_in(alice)
    body = {"booking": str(booking.public_id), "visibility": "shared", "template": "soap"}
    made = api_json(api, "post", notes_path(engagement), body)
    assert made.status_code == 201, made.content
    note = made.json()
    assert note["draft"].split() == ["Subjective", "Objective", "Assessment", "Plan"]
    assert note["version"] == 0 and note["body"] == "" and note["saved_at"] is None

    again = api_json(api, "post", notes_path(engagement), {**body, "template": None})
    assert again.status_code == 200 and again.json()["id"] == note["id"]

    path = f"/workspace/notes/{note['id']}"
    assert api_json(api, "patch", path, {"draft": "typing…"}).json()["draft"] == "typing…"
    saved = api_json(api, "patch", path, {"body": "Plan\n- Walk daily"}).json()
    assert (saved["version"], saved["draft"], saved["lines"]) == (1, "", ["Plan", "- Walk daily"])
    same = api_json(api, "patch", path, {"body": "Plan\n- Walk daily"}).json()
    assert same["version"] == 1
    api_json(api, "patch", path, {"body": "Plan\n- Walk daily\n- Sleep"})

    versions = api_json(api, "get", f"{path}/versions").json()["items"]
    assert [v["number"] for v in versions] == [2, 1]
    assert versions[0]["author"] == "Alice Adler"
    one = api_json(api, "get", f"{path}/versions/1").json()
    assert one["body"] == "Plan\n- Walk daily"
    assert api_json(api, "get", f"{path}/versions/3").status_code == 404

    item = api_json(api, "post", f"{path}/action-items", {"line": "- Sleep"})
    assert item.status_code == 201 and item.json()["title"] == "Sleep"
    assert ActionItem.objects.get().source_note.public_id.hex == note["id"].replace("-", "")
    bad = api_json(api, "post", f"{path}/action-items", {"line": "Not there"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "not_a_line"

    listed = api_json(api, "get", notes_path(engagement)).json()
    assert [n["id"] for n in listed["items"]] == [note["id"]]


def test_idempotency_key_on_create(alice, engagement, booking):
    api = logged_in(alice)
    body = {"booking": str(booking.public_id), "visibility": "private", "body": "v1"}
    first = api_json(api, "post", notes_path(engagement), body, HTTP_IDEMPOTENCY_KEY="k1")
    replay = api_json(api, "post", notes_path(engagement), body, HTTP_IDEMPOTENCY_KEY="k1")
    assert (first.status_code, replay.status_code) == (201, 200)
    assert replay["Idempotent-Replayed"] == "true"
    assert NoteVersion.objects.count() == 1
    before = snapshot()
    other = api_json(
        api, "post", notes_path(engagement), {**body, "body": "v2"}, HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert other.status_code == 409 and other.json()["error"]["code"] == "idempotency_key_reused"
    assert snapshot() == before


def test_client_sees_saved_shared_notes_only(bob, engagement, written):
    api = logged_in(bob)
    listed = api_json(api, "get", notes_path(engagement))
    assert listed.status_code == 200
    items = listed.json()["items"]
    assert [n["id"] for n in items] == [str(written["shared"].public_id)]
    shared = items[0]
    assert shared["body"] == "shared words"
    assert shared["draft"] is None and shared["version"] is None and shared["lines"] is None
    assert "private words" not in listed.content.decode()
    assert "shared draft" not in listed.content.decode()
    one = api_json(api, "get", f"/workspace/notes/{written['shared'].public_id}")
    assert one.status_code == 200 and one.json()["draft"] is None


def test_client_refusals(bob, engagement, booking, written):
    api = logged_in(bob)
    before = snapshot()
    for key in ("private", "pending"):
        path = f"/workspace/notes/{written[key].public_id}"
        assert api_json(api, "get", path).status_code == 404
        assert api_json(api, "patch", path, {"body": "x"}).status_code == 404
        assert api_json(api, "get", f"{path}/versions").status_code == 404
        assert api_json(api, "get", f"{path}/versions/1").status_code == 404
        assert api_json(api, "post", f"{path}/action-items", {"line": "x"}).status_code == 404
    shared = f"/workspace/notes/{written['shared'].public_id}"
    refused = api_json(api, "patch", shared, {"body": "x"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "forbidden"
    assert api_json(api, "get", f"{shared}/versions").status_code == 404
    line = {"line": "shared words"}
    assert api_json(api, "post", f"{shared}/action-items", line).status_code == 403
    make = {"booking": str(booking.public_id), "body": "x"}
    private = api_json(api, "post", notes_path(engagement), {**make, "visibility": "private"})
    assert private.status_code == 404
    shared_make = api_json(api, "post", notes_path(engagement), {**make, "visibility": "shared"})
    assert shared_make.status_code == 403
    assert snapshot() == before


@pytest.mark.parametrize("who", ["charlie", "dora", "staff_user"])
def test_outsiders_get_404_everywhere(request, who, engagement, booking, written, dora_engagement):
    outsider = request.getfixturevalue(who)
    api = logged_in(outsider)
    before = snapshot()
    items_before = ActionItem.objects.count()
    assert api_json(api, "get", notes_path(engagement)).status_code == 404
    make = {"booking": str(booking.public_id), "visibility": "shared", "body": "x"}
    assert api_json(api, "post", notes_path(engagement), make).status_code == 404
    for note in written.values():
        path = f"/workspace/notes/{note.public_id}"
        assert api_json(api, "get", path).status_code == 404
        assert api_json(api, "patch", path, {"body": "x"}).status_code == 404
        assert api_json(api, "patch", path, {"draft": "x"}).status_code == 404
        assert api_json(api, "get", f"{path}/versions").status_code == 404
        assert api_json(api, "get", f"{path}/versions/1").status_code == 404
        assert api_json(api, "post", f"{path}/action-items", {"line": "x"}).status_code == 404
    if who == "dora":  # Bob's other coach: Alice's session is not one of her engagement's
        mine = api_json(api, "post", notes_path(dora_engagement), make)
        assert mine.status_code == 404
    assert snapshot() == before
    assert ActionItem.objects.count() == items_before


def test_bad_input_is_4xx_and_changes_nothing(alice, engagement, booking, written):
    api = logged_in(alice)
    path = f"/workspace/notes/{written['private'].public_id}"
    before = snapshot()
    cases = [
        ("patch", path, {"body": 5}),
        ("patch", path, {"body": "a\x00b"}),
        ("patch", path, {"body": "x" * 20_001}),
        ("patch", path, {}),
        ("patch", path, {"nope": "x"}),
        ("patch", path, ["body"]),
        ("patch", path, {"template": "nonexistent"}),
        ("post", notes_path(engagement), {"booking": "zzz", "visibility": "private"}),
        ("post", notes_path(engagement), {"booking": str(booking.public_id), "visibility": "x"}),
        ("get", "/workspace/notes/not-a-uuid", None),
        ("get", f"{path}/versions/0", None),
        ("get", f"{path}/versions/99999999999999999999", None),
        ("get", notes_path(engagement) + "?limit=0", None),
        ("get", notes_path(engagement) + "?cursor=%%%", None),
        ("get", notes_path(engagement) + "?booking=nope", None),
    ]
    for method, target, body in cases:
        response = api_json(api, method, target, body)
        assert 400 <= response.status_code < 500, (target, body, response.content)
        assert "error" in response.json()
    assert snapshot() == before


def test_templates_api(alice, alice_coach, bob, dora, dora_engagement):
    api = logged_in(alice)
    listed = api_json(api, "get", "/workspace/note-templates").json()["items"]
    assert [t["key"] for t in listed] == ["grow", "soap", "blank"]
    made = api_json(api, "post", "/workspace/note-templates", {"name": "Mine", "body": "A\nB"})
    assert made.status_code == 201
    tid = made.json()["id"]
    assert made.json()["key"] == f"own:{tid}"
    dup = api_json(api, "post", "/workspace/note-templates", {"name": "Mine"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "template_name_taken"
    patched = api_json(api, "patch", f"/workspace/note-templates/{tid}", {"body": "C"})
    assert patched.json()["body"] == "C"
    # Not hers: 404 for Dora (another coach) and for Bob (no coach profile).
    for other in (dora, bob):
        other_api = logged_in(other)
        assert api_json(other_api, "get", f"/workspace/note-templates/{tid}").status_code == 404
        assert (
            api_json(other_api, "patch", f"/workspace/note-templates/{tid}", {"name": "x"})
        ).status_code == 404
        assert api_json(other_api, "delete", f"/workspace/note-templates/{tid}").status_code == 404
    bob_list = api_json(logged_in(bob), "get", "/workspace/note-templates").json()["items"]
    assert len(bob_list) == 3
    assert api_json(api, "delete", f"/workspace/note-templates/{tid}").status_code == 204
    assert api_json(api, "get", f"/workspace/note-templates/{tid}").status_code == 404


def test_pagination(alice, engagement):
    from .notes_support import session

    for days in range(1, 6):
        b = session(engagement.coach, engagement.client, days_ago=days)
        services.note_upsert(
            actor=alice,
            engagement_id=engagement.public_id,
            booking_id=b.public_id,
            visibility="private",
            body=f"note {days}",
        )
    api = logged_in(alice)
    seen: list[str] = []
    url = notes_path(engagement) + "?limit=2"
    while True:
        page = api_json(api, "get", url).json()
        seen += [n["body"] for n in page["items"]]
        if not page["next_cursor"]:
            break
        url = notes_path(engagement) + f"?limit=2&cursor={page['next_cursor']}"
    assert seen == [f"note {d}" for d in range(1, 6)]
    assert SessionNote.objects.count() == 5
