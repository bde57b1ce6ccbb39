"""The journal API: entries, shares, insights, prompts, the mood-in-reports consent."""

from __future__ import annotations

import json

import pytest

from tandem.booking.tests.conftest import token_client
from tandem.workspace.models import JournalEntry, JournalPrompt
from tandem.workspace.services import journal as services

from .journal_support import *  # noqa: F403
from .journal_support import api_json, snapshot, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def test_create_read_patch_delete(bob):
    api = token_client(bob)
    made = api_json(
        api,
        "post",
        "/workspace/journal/entries",
        {"body": "First day", "mood": 3, "tags": ["Work", "work"], "prompt": "builtin:proud"},
    )
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["tags"] == ["work"]
    assert data["prompt"] == "builtin:proud" and data["prompt_text"]
    path = f"/workspace/journal/entries/{data['id']}"
    assert api_json(api, "get", path).json()["body"] == "First day"
    patched = api_json(api, "patch", path, {"mood": None})
    assert patched.status_code == 200
    assert patched.json()["mood"] is None and patched.json()["body"] == "First day"
    assert api_json(api, "patch", path, {"tags": ["x" * 31]}).status_code == 400
    assert api_json(api, "patch", path, {"nope": 1}).status_code == 400
    assert api_json(api, "delete", path).status_code == 204
    assert api_json(api, "get", path).status_code == 404


def test_create_with_idempotency_key(bob):
    api = token_client(bob)
    body = {"body": "Once only"}
    first = api_json(api, "post", "/workspace/journal/entries", body, HTTP_IDEMPOTENCY_KEY="k1")
    again = api_json(api, "post", "/workspace/journal/entries", body, HTTP_IDEMPOTENCY_KEY="k1")
    assert first.status_code == 201 and again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == again.json()["id"]
    before = snapshot()
    other = api_json(
        api, "post", "/workspace/journal/entries", {"body": "Else"}, HTTP_IDEMPOTENCY_KEY="k1"
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert snapshot() == before
    assert JournalEntry.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"body": ""},
        {"body": "x" * 20_001},
        {"body": "nul\u0000"},
        {"body": "ok", "mood": 9},
        {"body": "ok", "mood": "3"},
        {"body": "ok", "tags": "work"},
        {"body": "ok", "tags": [f"t{i}" for i in range(11)]},
        {"body": "ok", "prompt": "builtin:unknown"},
        {"body": "ok", "prompt": "not-a-uuid"},
        ["a list"],
    ],
)
def test_bad_bodies_are_400_and_change_nothing(bob, body):
    before = snapshot()
    response = api_json(token_client(bob), "post", "/workspace/journal/entries", body)
    assert response.status_code == 400, response.content
    assert "error" in response.json()
    assert snapshot() == before


def test_list_filters_and_cursor(bob):
    for i in range(55):
        write(bob, f"entry number{i} walking", mood=(i % 5) + 1, tags=["even" if i % 2 else "odd"])
    api = token_client(bob)
    first = api_json(api, "get", "/workspace/journal/entries").json()
    assert len(first["items"]) == 50 and first["next_cursor"]
    rest = api_json(api, "get", f"/workspace/journal/entries?cursor={first['next_cursor']}").json()
    assert len(rest["items"]) == 5 and rest["next_cursor"] is None
    ids = [e["id"] for e in first["items"] + rest["items"]]
    assert len(set(ids)) == 55
    moods = api_json(api, "get", "/workspace/journal/entries?mood=2").json()["items"]
    assert {e["mood"] for e in moods} == {2} and len(moods) == 11
    tagged = api_json(api, "get", "/workspace/journal/entries?tag=even").json()["items"]
    assert len(tagged) == 27
    found = api_json(api, "get", "/workspace/journal/entries?q=number12+walk").json()["items"]
    assert [e["body"] for e in found] == ["entry number12 walking"]
    assert api_json(api, "get", "/workspace/journal/entries?mood=7").status_code == 400
    assert api_json(api, "get", "/workspace/journal/entries?cursor=zzz").status_code == 400


def test_share_withdraw_and_coach_reads(alice, bob, engagement):
    entry = write(bob, "Share me")
    api = token_client(bob)
    path = f"/workspace/journal/entries/{entry.public_id}/shares/{engagement.public_id}"
    shared = api_json(api, "post", path)
    assert shared.status_code == 200
    assert shared.json()["engagement"] == str(engagement.public_id)
    listed = api_json(api, "get", f"/workspace/journal/entries/{entry.public_id}/shares").json()
    assert [s["engagement"] for s in listed["items"]] == [str(engagement.public_id)]
    coach = token_client(alice)
    read = api_json(coach, "get", f"/workspace/journal/entries/{entry.public_id}")
    assert read.status_code == 200 and read.json()["body"] == "Share me"
    # Only the author edits, even a shared entry.
    before = snapshot()
    assert (
        api_json(
            coach, "patch", f"/workspace/journal/entries/{entry.public_id}", {"body": "x"}
        ).status_code
        == 404
    )
    assert snapshot() == before
    assert api_json(api, "delete", path).status_code == 204
    assert (
        api_json(coach, "get", f"/workspace/journal/entries/{entry.public_id}").status_code == 404
    )


def test_insights_for_client_and_coach(alice, bob, engagement):
    entry = write(bob, "a", mood=4, tags=["work"])
    write(bob, "b", mood=2, tags=["private"])
    services.entry_share(author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id)
    mine = api_json(token_client(bob), "get", "/workspace/journal/insights?days=90").json()
    assert mine["entries"] == 2 and mine["days"] == 90 and mine["current_streak"] == 1
    coach = api_json(
        token_client(alice), "get", f"/workspace/journal/insights?engagement={engagement.public_id}"
    ).json()
    assert coach["entries"] == 1 and coach["tags"] == [{"tag": "work", "count": 1}]
    assert coach["mood_average"] == 4.0


def test_prompts_assign_list_delete(alice, bob, engagement):
    coach, client = token_client(alice), token_client(bob)
    path = f"/workspace/engagements/{engagement.public_id}/prompts"
    made = api_json(coach, "post", path, {"text": "What drains you?"}, HTTP_IDEMPOTENCY_KEY="p1")
    assert made.status_code == 201
    again = api_json(coach, "post", path, {"text": "What drains you?"}, HTTP_IDEMPOTENCY_KEY="p1")
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    before = snapshot()
    assert api_json(client, "post", path, {"text": "by client"}).status_code == 403
    assert api_json(coach, "post", path, {"text": ""}).status_code == 400
    assert api_json(coach, "post", path, {"text": "x" * 501}).status_code == 400
    assert snapshot() == before
    library = api_json(client, "get", "/workspace/journal/prompts").json()
    assert len(library["library"]) >= 15
    assert [p["text"] for p in library["assigned"]] == ["What drains you?"]
    prompt_id = made.json()["id"]
    # Answered privately: the coach does not learn it until the answer is shared.
    entry = write(bob, "Meetings", prompt=prompt_id)
    listed = api_json(coach, "get", path).json()["items"]
    assert listed[0]["answered_at"] is None
    assert api_json(client, "get", path).json()["items"][0]["answered_at"] is not None
    services.entry_share(author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id)
    assert api_json(coach, "get", path).json()["items"][0]["answered_at"] is not None
    assert api_json(client, "delete", f"/workspace/journal/prompts/{prompt_id}").status_code == 403
    assert api_json(coach, "delete", f"/workspace/journal/prompts/{prompt_id}").status_code == 204
    assert not JournalPrompt.objects.exists()


def test_mood_in_reports(alice, bob, engagement):
    path = f"/workspace/engagements/{engagement.public_id}/mood-in-reports"
    on = api_json(token_client(bob), "put", path, {"on": True})
    assert on.status_code == 200 and on.json()["mood_in_reports"] is True
    before = snapshot()
    assert api_json(token_client(alice), "put", path, {"on": False}).status_code == 403
    assert api_json(token_client(bob), "put", path, {"on": "no"}).status_code == 400
    assert snapshot() == before


def test_openapi_lists_the_journal(bob):
    schema = json.loads(token_client(bob).get("/api/v1/openapi.json").content)
    assert "/api/v1/workspace/journal/entries/{entry_id}/shares/{engagement_id}" in schema["paths"]
    assert "/api/v1/workspace/search" in schema["paths"]
