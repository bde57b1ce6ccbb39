"""The action-item API: shapes, idempotent create, bad input as 4xx with nothing changed, and
404 for a stranger, another coach of the client and staff on every route."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from tandem.booking.tests.conftest import token_client
from tandem.workspace.models import ActionItem, Engagement, Goal, SessionNote

from .actions_support import *  # noqa: F403
from .actions_support import TODAY, api, item, snapshot

pytestmark = pytest.mark.django_db


@pytest.fixture
def as_alice(alice):
    return token_client(alice)


@pytest.fixture
def as_bob(bob):
    return token_client(bob)


def items_path(engagement) -> str:
    return f"/workspace/engagements/{engagement.public_id}/action-items"


def test_create_read_update_complete_reopen_delete(engagement, goal, alice, bob, as_alice, as_bob):
    body = {
        "title": "Ask two colleagues for feedback",
        "due_date": str(TODAY),
        "goal": str(goal.public_id),
    }
    made = api(as_alice, "post", items_path(engagement), body)
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["assignee"] == {"id": str(bob.public_id), "name": "Bob Brown", "role": "client"}
    assert data["goal"] == {"id": str(goal.public_id), "title": "Speak up in meetings"}
    assert data["created_by"] == str(alice.public_id) and data["can_delete"] is True
    assert data["status"] == "open" and data["overdue"] is False
    item_path = f"/workspace/action-items/{data['id']}"

    got = api(as_bob, "get", item_path).json()
    assert got["title"] == body["title"] and got["can_delete"] is False

    listed = api(as_bob, "get", items_path(engagement)).json()["items"]
    assert [i["id"] for i in listed] == [data["id"]]

    patched = api(as_bob, "patch", item_path, {"title": "Ask three colleagues", "goal": None})
    assert patched.status_code == 200, patched.content
    assert patched.json()["title"] == "Ask three colleagues" and patched.json()["goal"] is None
    assert patched.json()["due_date"] == str(TODAY)  # untouched

    done = api(as_bob, "post", f"{item_path}/complete", {"reflection": "Scary, useful."})
    assert done.status_code == 200 and done.json()["status"] == "done"
    assert done.json()["reflection"] == "Scary, useful."
    reopened = api(as_alice, "post", f"{item_path}/reopen")
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"

    assert api(as_bob, "delete", item_path).status_code == 403
    assert ActionItem.objects.count() == 1
    assert api(as_alice, "delete", item_path).status_code == 204
    assert not ActionItem.objects.exists()


def test_create_is_idempotent_with_a_key(engagement, as_alice):
    body = {"title": "Journal three evenings"}
    first = api(as_alice, "post", items_path(engagement), body, HTTP_IDEMPOTENCY_KEY="k-1")
    again = api(as_alice, "post", items_path(engagement), body, HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201 and again.status_code == 200
    assert again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    before = snapshot()
    other = api(
        as_alice, "post", items_path(engagement), {"title": "Else"}, HTTP_IDEMPOTENCY_KEY="k-1"
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert snapshot() == before and ActionItem.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"title": ""}, 400),
        ({"title": "x" * 301}, 400),
        ({"title": "a\x00b"}, 400),
        ({"title": "t", "detail": "x" * 2001}, 400),
        ({"title": "t", "due_date": str(TODAY - timedelta(days=1))}, 400),
        ({"title": "t", "due_date": "20-03-2030"}, 400),
        ({"title": "t", "assignee": "someone"}, 400),
        ({"title": 5}, 400),
        ({"title": "t", "surprise": 1}, 400),
        ({"title": "t", "goal": str(uuid.uuid4())}, 404),
        ({"title": "t", "booking": "nope"}, 404),
    ],
)
def test_bad_input_is_a_4xx_and_changes_nothing(engagement, as_alice, body, status):
    response = api(as_alice, "post", items_path(engagement), body)
    assert response.status_code == status, response.content
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert snapshot() == []


def test_another_engagements_goal_is_refused(engagement, dora_engagement, as_alice):
    other_goal = Goal.objects.create(engagement=dora_engagement, title="Dora's goal")
    made = item(engagement)
    before = snapshot()
    refused = api(
        as_alice, "post", items_path(engagement), {"title": "t", "goal": str(other_goal.public_id)}
    )
    assert refused.status_code == 404
    patched = api(
        as_alice,
        "patch",
        f"/workspace/action-items/{made.public_id}",
        {"goal": str(other_goal.public_id)},
    )
    assert patched.status_code == 404
    assert snapshot() == before


def test_ended_engagement_answers_409(engagement, as_alice):
    made = item(engagement)
    Engagement.objects.filter(pk=engagement.pk).update(state=Engagement.State.ENDED)
    before = snapshot()
    for method, path, body in (
        ("post", items_path(engagement), {"title": "t"}),
        ("patch", f"/workspace/action-items/{made.public_id}", {"title": "t"}),
        ("post", f"/workspace/action-items/{made.public_id}/complete", {}),
    ):
        response = api(as_alice, method, path, body)
        assert (
            response.status_code == 409 and response.json()["error"]["code"] == "engagement_ended"
        )
    assert snapshot() == before


def test_the_reflection_is_the_assignees(engagement, as_alice):
    made = item(engagement)
    before = snapshot()
    response = api(
        as_alice,
        "post",
        f"/workspace/action-items/{made.public_id}/complete",
        {"reflection": "Nice"},
    )
    assert response.status_code == 403
    assert snapshot() == before


def test_mine_lists_my_items_with_filters(engagement, dora_engagement, alice, bob, as_bob):
    overdue = item(engagement, due_date=TODAY - timedelta(days=2), title="Late")
    today = item(engagement, due_date=TODAY, title="Today")
    later = item(dora_engagement, due_date=TODAY + timedelta(days=20), title="Later")
    undated = item(engagement, title="Whenever")
    done = item(engagement, title="Done", status=ActionItem.Status.DONE)
    item(engagement, assignee=alice, title="Alice's own")

    def ids(query: str = "") -> list[str]:
        response = api(as_bob, "get", f"/workspace/action-items{query}")
        assert response.status_code == 200, response.content
        return [i["id"] for i in response.json()["items"]]

    def of(*rows) -> list[str]:
        return [str(r.public_id) for r in rows]

    assert ids() == of(overdue, today, later, undated, done)
    assert ids("?status=open") == of(overdue, today, later, undated)
    assert ids("?status=done") == of(done)
    assert ids("?due=overdue") == of(overdue)
    assert ids("?due=today") == of(today)
    assert ids("?due=soon") == of(today)
    assert ids("?due=none") == of(undated, done)
    assert api(as_bob, "get", "/workspace/action-items?due=yesterday").status_code == 400
    assert api(as_bob, "get", f"/workspace/action-items/{overdue.public_id}").json()["overdue"]


def test_a_private_source_note_is_never_named_to_the_client(engagement, booking, as_alice, as_bob):
    private = SessionNote.objects.create(
        engagement=engagement, booking=booking, visibility=SessionNote.Visibility.PRIVATE
    )
    made = item(engagement, source_note=private, booking=booking)
    path = f"/workspace/action-items/{made.public_id}"
    assert api(as_alice, "get", path).json()["source_note"] == str(private.public_id)
    seen = api(as_bob, "get", path)
    assert seen.json()["source_note"] is None
    assert str(private.public_id) not in seen.content.decode()
    assert seen.json()["booking"] == str(booking.public_id)


def test_outsiders_get_404_on_every_route_and_change_nothing(
    engagement, dora_engagement, alice, bob, charlie, staff_user, dora
):
    made = item(engagement, due_date=TODAY)
    dora_item = item(dora_engagement, title="Dora and Bob")
    before = snapshot()
    one = f"/workspace/action-items/{made.public_id}"
    routes = [
        ("get", items_path(engagement), None),
        ("post", items_path(engagement), {"title": "mine"}),
        ("get", one, None),
        ("patch", one, {"title": "mine"}),
        ("delete", one, None),
        ("post", f"{one}/complete", {"reflection": ""}),
        ("post", f"{one}/reopen", None),
    ]
    for outsider in (charlie, dora, staff_user):
        client = token_client(outsider)
        for method, path, body in routes:
            response = api(client, method, path, body)
            assert response.status_code == 404, (outsider, method, path, response.content)
        mine = api(client, "get", "/workspace/action-items").json()["items"]
        assert str(made.public_id) not in {i["id"] for i in mine}
    # Dora sees her own engagement's item, not Alice's.
    assert [
        i["id"] for i in api(token_client(dora), "get", items_path(dora_engagement)).json()["items"]
    ] == [str(dora_item.public_id)]
    assert snapshot() == before


def test_unknown_and_malformed_ids_are_404(as_alice, engagement):
    for path in (
        "/workspace/action-items/nope",
        f"/workspace/action-items/{uuid.uuid4()}",
        "/workspace/engagements/nope/action-items",
    ):
        assert api(as_alice, "get", path).status_code == 404


def test_openapi_documents_the_routes():
    from tandem.api import api as ninja_api

    paths = ninja_api.get_openapi_schema()["paths"]
    assert {"get", "post"} <= set(
        paths["/api/v1/workspace/engagements/{engagement_id}/action-items"]
    )
    assert {"get", "patch", "delete"} <= set(paths["/api/v1/workspace/action-items/{item_id}"])
    created = paths["/api/v1/workspace/engagements/{engagement_id}/action-items"]["post"]
    assert {"201", "409", "404", "400"} <= set(map(str, created["responses"]))


def test_lists_are_cursor_paginated(engagement, bob, as_bob):
    from datetime import timedelta as days

    from .actions_support import NOW

    rows = [
        item(engagement, title="undated"),
        item(engagement, title="in two days", due_date=TODAY + days(2)),
        item(engagement, title="today a", due_date=TODAY, created_at=NOW - days(1)),
        item(engagement, title="today b", due_date=TODAY),
        item(engagement, title="done old", status="done", done_at=NOW - days(3)),
        item(engagement, title="done new", status="done", done_at=NOW - days(1)),
        item(engagement, title="done same", status="done", done_at=NOW - days(1)),
    ]
    assert len(rows) == 7
    for path in ("/workspace/action-items", items_path(engagement)):
        full = api(as_bob, "get", f"{path}?limit=200").json()
        assert full["next_cursor"] is None
        everything = [i["title"] for i in full["items"]]
        assert everything[:4] == ["today a", "today b", "in two days", "undated"]
        assert set(everything[4:6]) == {"done new", "done same"}  # same moment: by id
        assert everything[-1] == "done old"
        for limit in (1, 2, 3, 4):
            seen, cursor = [], None
            while True:
                query = f"?limit={limit}" + (f"&cursor={cursor}" if cursor else "")
                page = api(as_bob, "get", f"{path}{query}").json()
                assert len(page["items"]) <= limit
                seen += [i["title"] for i in page["items"]]
                cursor = page["next_cursor"]
                if cursor is None:
                    break
            assert seen == everything, (path, limit)
        for bad in ("nope", "eyJzIjoieCJ9", "eyJzIjoib3BlbiJ9"):
            response = api(as_bob, "get", f"{path}?cursor={bad}")
            assert response.status_code == 400 and "cursor" in response.json()["error"]["fields"]
