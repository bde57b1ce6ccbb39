"""Goals API: shapes, idempotent creates, bad input (4xx with a code, nothing changed), and
404 for a stranger, another coach of the client and staff on every goal route."""

from __future__ import annotations

import uuid

import pytest

from tandem.workspace.models import CheckIn, Engagement, Goal, Milestone
from tandem.workspace.services import goals as services

from .goals_support import *  # noqa: F403
from .goals_support import LATER, NOW, PAST, api_json, snapshot, token_client

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def goal(alice, bob, engagement) -> Goal:
    goal = services.goal_create(
        user=alice, engagement_id=engagement.public_id, title="Run a 10k", why="Health", now=NOW
    )
    services.milestone_add(user=bob, goal_id=goal.public_id, title="5k", due_date=LATER, now=NOW)
    return goal


def test_create_list_get_patch_goal(alice, bob, engagement):
    bob_api = token_client(bob)
    response = api_json(
        bob_api,
        "post",
        f"/workspace/engagements/{engagement.public_id}/goals",
        {"title": "Speak up", "why": "Be heard", "target_date": LATER.isoformat()},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {
        "id",
        "engagement",
        "title",
        "why",
        "measure",
        "target_date",
        "status",
        "progress",
        "created_by",
        "created_at",
        "updated_at",
        "milestones",
    }
    assert body["title"] == "Speak up" and body["created_by"] == "client"
    assert body["status"] == "active" and body["progress"] == 0 and body["milestones"] == []
    goal_id = body["id"]

    listed = api_json(
        token_client(alice), "get", f"/workspace/engagements/{engagement.public_id}/goals"
    )
    assert listed.status_code == 200
    assert [g["id"] for g in listed.json()["items"]] == [goal_id]

    patched = api_json(
        token_client(alice), "patch", f"/workspace/goals/{goal_id}", {"status": "achieved"}
    )
    assert patched.status_code == 200
    assert patched.json()["status"] == "achieved" and patched.json()["why"] == "Be heard"

    detail = api_json(bob_api, "get", f"/workspace/goals/{goal_id}")
    assert detail.status_code == 200
    assert detail.json()["history"][0]["progress"] == 0


def test_milestones_and_checkins(alice, bob, goal):
    bob_api = token_client(bob)
    response = api_json(
        bob_api, "post", f"/workspace/goals/{goal.public_id}/milestones", {"title": "8k"}
    )
    assert response.status_code == 201, response.content
    milestone = response.json()
    assert milestone["position"] == 1 and milestone["done"] is False
    assert milestone["goal"] == str(goal.public_id)

    done = api_json(bob_api, "patch", f"/workspace/milestones/{milestone['id']}", {"done": True})
    assert done.status_code == 200 and done.json()["done"] is True
    assert Goal.objects.get().progress == 50
    moved = api_json(bob_api, "patch", f"/workspace/milestones/{milestone['id']}", {"position": 0})
    assert moved.json()["position"] == 0

    checkin = api_json(
        token_client(alice),
        "post",
        f"/workspace/goals/{goal.public_id}/checkins",
        {"progress": 70, "note": "Good week"},
    )
    assert checkin.status_code == 201
    assert checkin.json()["author"] == "coach" and checkin.json()["note"] == "Good week"
    listed = api_json(bob_api, "get", f"/workspace/goals/{goal.public_id}/checkins")
    assert listed.json() == {"items": [checkin.json()], "next_cursor": None}

    assert (
        api_json(bob_api, "delete", f"/workspace/milestones/{milestone['id']}").status_code == 204
    )
    first = Milestone.objects.get()
    assert (
        api_json(bob_api, "delete", f"/workspace/milestones/{first.public_id}").status_code == 204
    )
    assert Goal.objects.get().progress == 70  # back to the last check-in
    progress = api_json(
        bob_api, "get", f"/workspace/engagements/{goal.engagement.public_id}/goals/progress"
    )
    assert progress.status_code == 200 and progress.json()["points"][-1]["progress"] == 70


def test_checkins_page_with_a_cursor(alice, bob, goal):
    for n in range(53):
        CheckIn.objects.create(goal=goal, author=bob, progress=n, created_at=NOW)
    api = token_client(bob)
    first = api_json(api, "get", f"/workspace/goals/{goal.public_id}/checkins").json()
    assert len(first["items"]) == 50 and first["next_cursor"]
    second = api_json(
        api, "get", f"/workspace/goals/{goal.public_id}/checkins?cursor={first['next_cursor']}"
    ).json()
    assert len(second["items"]) == 3 and second["next_cursor"] is None
    ids = {c["id"] for c in first["items"]} | {c["id"] for c in second["items"]}
    assert len(ids) == 53
    bad = api_json(api, "get", f"/workspace/goals/{goal.public_id}/checkins?cursor=nope")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/workspace/engagements/{e}/goals", {"title": "Once"}),
        ("/workspace/goals/{g}/milestones", {"title": "Once"}),
        ("/workspace/goals/{g}/checkins", {"progress": 10}),
    ],
)
def test_idempotent_creates(bob, goal, path, body):
    api = token_client(bob)
    url = path.format(e=goal.engagement.public_id, g=goal.public_id)
    key = {"HTTP_IDEMPOTENCY_KEY": "k-" + uuid.uuid4().hex}
    first = api_json(api, "post", url, body, **key)
    assert first.status_code == 201
    before = snapshot()
    again = api_json(api, "post", url, body, **key)
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    reused = api_json(
        api, "post", url, {**body, "note" if "progress" in body else "title": "Other"}, **key
    )
    assert reused.status_code == 409
    assert reused.json()["error"]["code"] == "idempotency_key_reused"
    assert snapshot() == before


BAD = [
    ("post", "/workspace/engagements/{e}/goals", {"title": ""}),
    ("post", "/workspace/engagements/{e}/goals", {"title": "x" * 201}),
    ("post", "/workspace/engagements/{e}/goals", {"title": "a\x00b"}),
    ("post", "/workspace/engagements/{e}/goals", {"title": 7}),
    ("post", "/workspace/engagements/{e}/goals", {"title": "ok", "target_date": "2030-02-30"}),
    ("post", "/workspace/engagements/{e}/goals", {"title": "ok", "target_date": PAST.isoformat()}),
    ("post", "/workspace/engagements/{e}/goals", {"title": "ok", "status": "won"}),
    ("post", "/workspace/engagements/{e}/goals", {"title": "ok", "colour": "red"}),
    ("post", "/workspace/engagements/{e}/goals", ["title"]),
    ("patch", "/workspace/goals/{g}", {"title": None}),
    ("patch", "/workspace/goals/{g}", {"status": None}),
    ("patch", "/workspace/goals/{g}", {"why": "x" * 2001}),
    ("post", "/workspace/goals/{g}/milestones", {"title": "ok", "due_date": PAST.isoformat()}),
    ("post", "/workspace/goals/{g}/milestones", {}),
    ("patch", "/workspace/milestones/{m}", {"done": "yes"}),
    ("patch", "/workspace/milestones/{m}", {"done": None}),
    ("patch", "/workspace/milestones/{m}", {"position": -1}),
    ("post", "/workspace/goals/{g}/checkins", {"progress": 101}),
    ("post", "/workspace/goals/{g}/checkins", {"progress": "50"}),
    ("post", "/workspace/goals/{g}/checkins", {"progress": 5, "note": "x" * 2001}),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD)
def test_bad_input_is_400_and_changes_nothing(bob, goal, method, path, body):
    milestone = Milestone.objects.get()
    url = path.format(e=goal.engagement.public_id, g=goal.public_id, m=milestone.public_id)
    before = snapshot()
    response = api_json(token_client(bob), method, url, body)
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"]
    assert snapshot() == before


def test_ended_engagement_answers_409(alice, bob, goal):
    Engagement.objects.update(state=Engagement.State.ENDED)
    milestone = Milestone.objects.get()
    before = snapshot()
    api = token_client(bob)
    for method, url, body in [
        ("post", f"/workspace/engagements/{goal.engagement.public_id}/goals", {"title": "x"}),
        ("patch", f"/workspace/goals/{goal.public_id}", {"title": "x"}),
        ("post", f"/workspace/goals/{goal.public_id}/checkins", {"progress": 5}),
        ("post", f"/workspace/goals/{goal.public_id}/milestones", {"title": "x"}),
        ("patch", f"/workspace/milestones/{milestone.public_id}", {"done": True}),
        ("delete", f"/workspace/milestones/{milestone.public_id}", None),
    ]:
        response = api_json(api, method, url, body)
        assert response.status_code == 409, (url, response.content)
        assert response.json()["error"]["code"] == "engagement_ended"
    assert api_json(api, "get", f"/workspace/goals/{goal.public_id}").status_code == 200
    assert snapshot() == before


def test_client_may_not_delete_the_coachs_goal(alice, bob, goal):
    before = snapshot()
    response = api_json(token_client(bob), "delete", f"/workspace/goals/{goal.public_id}")
    assert response.status_code == 403 and response.json()["error"]["code"] == "forbidden"
    assert snapshot() == before
    assert (
        api_json(token_client(alice), "delete", f"/workspace/goals/{goal.public_id}").status_code
        == 204
    )
    assert not Goal.objects.exists()


def routes(goal: Goal) -> list[tuple[str, str, object]]:
    e, g = goal.engagement.public_id, goal.public_id
    m = Milestone.objects.get().public_id
    return [
        ("get", f"/workspace/engagements/{e}/goals", None),
        ("post", f"/workspace/engagements/{e}/goals", {"title": "Mine now"}),
        ("get", f"/workspace/engagements/{e}/goals/progress", None),
        ("get", f"/workspace/goals/{g}", None),
        ("patch", f"/workspace/goals/{g}", {"title": "Mine now"}),
        ("delete", f"/workspace/goals/{g}", None),
        ("post", f"/workspace/goals/{g}/milestones", {"title": "Mine now"}),
        ("patch", f"/workspace/milestones/{m}", {"done": True}),
        ("delete", f"/workspace/milestones/{m}", None),
        ("post", f"/workspace/goals/{g}/checkins", {"progress": 99}),
        ("get", f"/workspace/goals/{g}/checkins", None),
    ]


@pytest.mark.parametrize("who", ["charlie", "dora", "staff_user"])
def test_outsiders_get_404_on_every_route(request, goal, dora_engagement, who):
    outsider = request.getfixturevalue(who)
    api = token_client(outsider)
    before = snapshot()
    for method, url, body in routes(goal):
        response = api_json(api, method, url, body, HTTP_IDEMPOTENCY_KEY="same-key")
        assert response.status_code == 404, (who, method, url, response.content)
        assert response.json()["error"]["code"].endswith("not_found")
    assert snapshot() == before


def test_unknown_and_malformed_ids_are_404(bob, goal):
    api = token_client(bob)
    for url in (
        f"/workspace/goals/{uuid.uuid4()}",
        "/workspace/goals/not-a-uuid",
        f"/workspace/engagements/{uuid.uuid4()}/goals",
        "/workspace/goals/1/checkins",
    ):
        assert api_json(api, "get", url).status_code == 404


def test_openapi_documents_the_goal_routes(client):
    document = client.get("/api/v1/openapi.json").json()
    post = document["paths"]["/api/v1/workspace/engagements/{engagement_id}/goals"]["post"]
    assert post["summary"] == "Set a goal"
    assert {"200", "201", "400", "404", "409"} <= set(post["responses"])
    patch = document["paths"]["/api/v1/workspace/milestones/{milestone_id}"]["patch"]
    assert "409" in patch["responses"] and patch["description"]
