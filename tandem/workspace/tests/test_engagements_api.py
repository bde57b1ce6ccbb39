"""/api/v1/workspace/engagements and invitations: shape, filters, states, tags, 404 for
anyone outside the engagement (a stranger, a second coach of the client, staff)."""

from __future__ import annotations

import pytest
from django.core import mail

from tandem.workspace.models import Engagement, EngagementTag, Invitation

from .engagements_data import *  # noqa: F403
from .engagements_data import api, at, book, engagement, snapshot

pytestmark = pytest.mark.django_db

BASE = "/api/v1/workspace"


@pytest.fixture
def pair(alice, bob, coach, session_type, django_capture_on_commit_callbacks):
    """Alice coaches Bob, with an upcoming and a past session and a tag."""
    book(bob, coach, session_type, at(-3, 10), django_capture_on_commit_callbacks)
    book(bob, coach, session_type, at(5, 10), django_capture_on_commit_callbacks)
    found = Engagement.objects.get()
    EngagementTag.objects.create(engagement=found, name="executive")
    return found


def test_coach_lists_clients_with_the_whole_shape(alice, pair):
    body = api(alice).get(f"{BASE}/engagements").json()
    assert body["total"] == 1 and body["next_cursor"] is None
    item = body["items"][0]
    assert item["id"] == str(pair.public_id)
    assert item["role"] == "coach" and item["state"] == "active" and item["source"] == "booking"
    assert item["client"]["email"] == "bob@example.com"
    assert item["coach"]["email"] is None
    assert item["tags"] == ["executive"]
    assert item["next_session_at"].startswith(at(5, 10).strftime("%Y-%m-%d"))
    assert item["last_session_at"].startswith(at(-3, 10).strftime("%Y-%m-%d"))
    assert item["open_action_items"] == 0 and item["goal_progress"] is None
    assert item["url"] == f"/coach/clients/{pair.public_id}/"


def test_client_sees_the_engagement_without_the_coach_tags(bob, pair):
    item = api(bob).get(f"{BASE}/engagements/{pair.public_id}").json()
    assert item["role"] == "client" and item["tags"] == [] and item["client"]["email"]
    assert item["url"] == f"/workspace/{pair.public_id}/"


def test_filters_and_paging(alice, coach, charlie, dora, pair):
    engagement(coach, charlie, state="paused")
    engagement(coach, dora, state="ended")
    client = api(alice)

    def ids(query):
        body = client.get(f"{BASE}/engagements?{query}").json()
        return [i["client"]["name"] for i in body["items"]]

    assert ids("state=paused") == ["Charlie Chen"]
    assert ids("tag=executive") == ["Bob Brown"]
    assert ids("q=DORA") == ["Dora Diaz"]
    assert ids("q=example.com&sort=name") == ["Bob Brown", "Charlie Chen", "Dora Diaz"]
    first = client.get(f"{BASE}/engagements?sort=name&limit=2").json()
    assert len(first["items"]) == 2 and first["total"] == 3
    rest = client.get(f"{BASE}/engagements?sort=name&limit=2&cursor={first['next_cursor']}")
    assert [i["client"]["name"] for i in rest.json()["items"]] == ["Dora Diaz"]


@pytest.mark.parametrize(
    "query", ["state=closed", "sort=price", "limit=0", "limit=101", "cursor=%%%", "q=" + "x" * 101]
)
def test_bad_filters_are_400(alice, pair, query):
    response = api(alice).get(f"{BASE}/engagements?{query}")
    assert response.status_code == 400 and response.json()["error"]["code"]


@pytest.mark.parametrize("who", ["charlie", "dora", "staff_user"])
def test_outsiders_get_404_everywhere_and_change_nothing(request, who, pair, dora_coach):
    if who == "dora":  # a second coach of the same client
        engagement(dora_coach, pair.client)
    client = api(request.getfixturevalue(who))
    before = snapshot(Engagement), snapshot(EngagementTag)
    eid = pair.public_id
    calls = [
        client.get(f"{BASE}/engagements/{eid}"),
        client.post(f"{BASE}/engagements/{eid}/state", {"state": "ended"}, "application/json"),
        client.post(f"{BASE}/engagements/{eid}/tags", {"name": "x"}, "application/json"),
        client.delete(f"{BASE}/engagements/{eid}/tags/executive"),
    ]
    assert [r.status_code for r in calls] == [404] * 4
    assert {r.json()["error"]["code"] for r in calls} == {"engagement_not_found"}
    assert (snapshot(Engagement), snapshot(EngagementTag)) == before
    listed = client.get(f"{BASE}/engagements").json()["items"]
    assert str(eid) not in [i["id"] for i in listed]


def test_state_changes(alice, bob, pair):
    url = f"{BASE}/engagements/{pair.public_id}/state"
    refused = api(bob).post(url, {"state": "paused"}, "application/json")
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "transition_not_allowed"
    assert api(alice).post(url, {"state": "paused"}, "application/json").json()["state"] == (
        "paused"
    )
    assert api(bob).post(url, {"state": "ended"}, "application/json").json()["state"] == "ended"
    again = api(alice).post(url, {"state": "active"}, "application/json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "engagement_ended"
    for body in ({"state": 3}, {"state": "closed"}, {}, {"state": "active", "x": 1}):
        assert api(alice).post(url, body, "application/json").status_code == 400
    assert Engagement.objects.get().state == "ended"


def test_tags(alice, bob, pair):
    url = f"{BASE}/engagements/{pair.public_id}/tags"
    added = api(alice).post(url, {"name": "Pro Bono"}, "application/json")
    assert added.json() == {"tags": ["executive", "pro bono"]}
    removed = api(alice).delete(f"{url}/pro%20bono")
    assert removed.json() == {"tags": ["executive"]}
    assert api(bob).post(url, {"name": "x"}, "application/json").status_code == 403
    assert api(alice).post(url, {"name": ""}, "application/json").status_code == 400
    assert api(alice).post(url, {"name": "a\x00"}, "application/json").status_code == 400


def test_invitation_create_is_idempotent_and_accept_links(
    alice, bob, coach, django_capture_on_commit_callbacks
):
    headers = {"HTTP_IDEMPOTENCY_KEY": "k-1"}
    with django_capture_on_commit_callbacks(execute=True):
        made = api(alice).post(
            f"{BASE}/invitations", {"email": "bob@example.com"}, "application/json", **headers
        )
    assert made.status_code == 201 and made.json()["email"] == "bob@example.com"
    with django_capture_on_commit_callbacks(execute=True):
        again = api(alice).post(
            f"{BASE}/invitations", {"email": "bob@example.com"}, "application/json", **headers
        )
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == made.json()["id"] and len(mail.outbox) == 1
    other = api(alice).post(
        f"{BASE}/invitations", {"email": "x@example.com"}, "application/json", **headers
    )
    assert other.status_code == 409 and Invitation.objects.count() == 1

    token = mail.outbox[0].body.split("/workspace/invitations/")[1].split("/")[0]
    wrong = api(alice).post(f"{BASE}/invitations/{token}/accept")
    assert wrong.status_code == 403 and not Engagement.objects.exists()
    accepted = api(bob).post(f"{BASE}/invitations/{token}/accept")
    assert accepted.status_code == 200 and accepted.json()["role"] == "client"
    assert accepted.json()["source"] == "invitation"
    assert api(bob).post(f"{BASE}/invitations/nope/accept").status_code == 404

    conflict = api(alice).post(
        f"{BASE}/invitations", {"email": "bob@example.com"}, "application/json"
    )
    assert conflict.status_code == 409 and conflict.json()["error"]["code"] == "already_client"


@pytest.mark.parametrize(
    "body", [{"email": "nope"}, {"email": 5}, {}, {"email": "a\x00@example.com"}, []]
)
def test_bad_invitations_are_400(alice, coach, body):
    response = api(alice).post(f"{BASE}/invitations", body, "application/json")
    assert response.status_code == 400 and not Invitation.objects.exists()


def test_non_coach_cannot_invite(bob):
    response = api(bob).post(f"{BASE}/invitations", {"email": "z@example.com"}, "application/json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "not_a_coach"


def test_openapi_documents_the_operations():
    from tandem.api import api as ninja_api

    paths = ninja_api.get_openapi_schema()["paths"]
    state = paths["/api/v1/workspace/engagements/{engagement_id}/state"]["post"]
    assert {"403", "404", "409"} <= {str(s) for s in state["responses"]}
    assert state["description"]
    assert "/api/v1/workspace/invitations/{token}/accept" in paths
