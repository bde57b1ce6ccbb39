"""Programmes and participants API: shapes, idempotent creates, bad input (4xx with the
common error shape, nothing changed), and 404 for everyone but the organisation's admins."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.orgs.models import Participant, Programme
from tandem.payments.models import SponsorFunding

from .conftest import NOW, seat

BODY = {
    "name": "Managers 2030",
    "starts_on": "2030-04-01",
    "ends_on": "2030-12-31",
    "seats": 10,
    "sessions_per_participant": 6,
}


@pytest.fixture(autouse=True)
def _now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def api(
    client: Client, method: str, path: str, body: Any = None, raw: str | None = None, **headers: Any
) -> Any:
    call = getattr(client, method)
    if raw is not None:
        return call(f"/api/v1{path}", data=raw, content_type="application/json", **headers)
    if body is None:
        return call(f"/api/v1{path}", **headers)
    return call(f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **headers)


def token_client(user: Any) -> Client:
    from tandem.accounts.services import api_token_create

    _, raw = api_token_create(user=user, name="tests")
    return Client(enforce_csrf_checks=True, HTTP_AUTHORIZATION=f"Bearer {raw}")


def snapshot() -> tuple:
    return (
        list(Programme.objects.order_by("pk").values_list("name", "status", "seats", "ends_on")),
        list(Participant.objects.order_by("pk").values_list("email", "status", "token_hash")),
        SponsorFunding.objects.count(),
    )


def test_organisations_and_programme_lifecycle(olivia, northwind, bob):
    client = token_client(olivia)
    orgs = api(client, "get", "/orgs/organisations").json()
    assert orgs == {"items": [{"id": str(northwind.public_id), "name": "Northwind Traders"}]}
    made = api(
        client,
        "post",
        f"/orgs/organisations/{northwind.public_id}/programmes",
        BODY,
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert made.status_code == 201, made.content
    body = made.json()
    assert body["name"] == "Managers 2030" and body["seats_used"] == 0
    assert body["budget"] == {
        "currency": "EUR",
        "funded": 0,
        "spent": 0,
        "balance": 0,
        "invoiced_unpaid": 0,
        "closed": 0,
    }
    again = api(
        client,
        "post",
        f"/orgs/organisations/{northwind.public_id}/programmes",
        BODY,
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert again.status_code == 200 and again.json()["id"] == body["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Programme.objects.count() == 1
    other = api(
        client,
        "post",
        f"/orgs/organisations/{northwind.public_id}/programmes",
        {**BODY, "seats": 11},
        HTTP_IDEMPOTENCY_KEY="k1",
    )
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"

    pid = body["id"]
    listed = api(client, "get", f"/orgs/organisations/{northwind.public_id}/programmes").json()
    assert [p["id"] for p in listed["items"]] == [pid]
    patched = api(
        client, "patch", f"/orgs/programmes/{pid}", {"seats": 12, "ends_on": "2031-01-31"}
    )
    assert patched.status_code == 200, patched.content
    assert (patched.json()["seats"], patched.json()["ends_on"]) == (12, "2031-01-31")
    funded = api(
        client, "post", f"/orgs/programmes/{pid}/fundings", {"amount": 100000, "method": "invoice"}
    )
    assert funded.status_code == 201, funded.content
    assert api(client, "get", f"/orgs/programmes/{pid}").json()["budget"]["balance"] == 100000
    ended = api(client, "post", f"/orgs/programmes/{pid}/end")
    assert ended.status_code == 200, ended.content
    assert ended.json()["programme"]["status"] == "ended"
    assert ended.json()["credit_moved"] == 100000
    assert ended.json()["programme"]["budget"]["balance"] == 0
    assert api(client, "post", f"/orgs/programmes/{pid}/end").status_code == 409
    assert api(client, "patch", f"/orgs/programmes/{pid}", {"seats": 13}).status_code == 409


def test_participants_roster_and_actions(olivia, programme, bob, charlie):
    client = token_client(olivia)
    path = f"/orgs/programmes/{programme.public_id}/participants"
    made = api(
        client, "post", path, {"email": "Pat@Example.com", "name": "Pat"}, HTTP_IDEMPOTENCY_KEY="i1"
    )
    assert made.status_code == 201, made.content
    assert set(made.json()) == {
        "id",
        "programme",
        "email",
        "name",
        "status",
        "source",
        "invited_at",
        "invite_expires_at",
        "accepted_at",
        "matched",
        "seat_held",
    }
    again = api(
        client, "post", path, {"email": "Pat@Example.com", "name": "Pat"}, HTTP_IDEMPOTENCY_KEY="i1"
    )
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    dup = api(client, "post", path, {"email": "pat@example.com"})
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "already_in_programme"
    held = seat(programme, bob)
    for i in range(3):
        api(client, "post", path, {"email": f"p{i}@example.com"})
    page = api(client, "get", path + "?limit=2").json()
    assert len(page["items"]) == 2 and page["next"]
    rest = api(client, "get", path + f"?limit=10&after={page['next']}").json()
    assert len(rest["items"]) == 3 and rest["next"] is None
    assert "sessions" not in json.dumps(page)
    pause = api(client, "post", f"/orgs/participants/{held.public_id}/pause")
    assert pause.status_code == 200 and pause.json()["status"] == "paused"
    assert api(client, "post", f"/orgs/participants/{held.public_id}/pause").status_code == 409
    assert api(client, "post", f"/orgs/participants/{held.public_id}/resume").status_code == 200
    moved = api(
        client, "post", f"/orgs/participants/{held.public_id}/move", {"email": "new@example.com"}
    )
    assert moved.status_code == 201 and moved.json()["status"] == "invited"
    assert api(client, "get", f"/orgs/participants/{held.public_id}").json()["status"] == "removed"
    revoke = api(client, "post", f"/orgs/participants/{moved.json()['id']}/revoke")
    assert revoke.status_code == 200 and revoke.json()["status"] == "removed"


def test_accept_through_the_api(olivia, programme, bob, monkeypatch):
    sent: list[str] = []
    monkeypatch.setattr(
        "tandem.orgs.notify.invitations",
        lambda pairs, now: sent.extend(raw for _, raw in pairs),
    )
    from django.db import transaction

    from tandem.orgs.participants import services

    with transaction.atomic():
        services.participant_invite(
            programme=programme, email="bob@example.com", actor=olivia, now=NOW
        )
    raw = Participant.objects.get().token_hash  # not the token: the link's is never stored
    client = token_client(bob)
    wrong = api(client, "post", "/orgs/invitations/accept", {"token": raw})
    assert wrong.status_code == 404
    assert wrong.json()["error"]["code"] == "invitation_not_found"


BAD: list[tuple[str, str, Any]] = [
    ("post", "/orgs/organisations/{o}/programmes", {**BODY, "name": ""}),
    ("post", "/orgs/organisations/{o}/programmes", {**BODY, "name": "a\x00b"}),
    ("post", "/orgs/organisations/{o}/programmes", {**BODY, "name": "x" * 100_000}),
    ("post", "/orgs/organisations/{o}/programmes", {**BODY, "seats": "10"}),
    ("post", "/orgs/organisations/{o}/programmes", {**BODY, "seats": 0}),
    ("post", "/orgs/organisations/{o}/programmes", {**BODY, "seats": True}),
    ("post", "/orgs/organisations/{o}/programmes", {**BODY, "ends_on": "2030-02-30"}),
    ("post", "/orgs/organisations/{o}/programmes", {**BODY, "ends_on": "2030-03-01"}),
    ("post", "/orgs/organisations/{o}/programmes", {**BODY, "currency": "XXX"}),
    ("post", "/orgs/organisations/{o}/programmes", {**BODY, "coach_rule": "listed"}),
    (
        "post",
        "/orgs/organisations/{o}/programmes",
        {**BODY, "coaches": ["nope"], "coach_rule": "listed"},
    ),
    ("post", "/orgs/organisations/{o}/programmes", {**BODY, "join_domain": "a b"}),
    ("post", "/orgs/organisations/{o}/programmes", {**BODY, "colour": "red"}),
    ("post", "/orgs/organisations/{o}/programmes", [1, 2]),
    ("post", "/orgs/organisations/{o}/programmes", "{not json"),
    ("patch", "/orgs/programmes/{p}", {"ends_on": "2030-06-30"}),
    ("patch", "/orgs/programmes/{p}", {"name": None}),
    ("patch", "/orgs/programmes/{p}", {"seats": 1}),
    ("patch", "/orgs/programmes/{p}", {"currency": "GBP"}),
    ("post", "/orgs/programmes/{p}/fundings", {"amount": -5, "method": "invoice"}),
    ("post", "/orgs/programmes/{p}/fundings", {"amount": 5, "method": "cash"}),
    ("post", "/orgs/programmes/{p}/fundings", {"amount": "5", "method": "invoice"}),
    ("post", "/orgs/programmes/{p}/participants", {"email": "nope"}),
    ("post", "/orgs/programmes/{p}/participants", {"email": "a\x00@b.example"}),
    ("post", "/orgs/programmes/{p}/participants", {"email": 5}),
    ("post", "/orgs/programmes/{p}/participants", {"email": "x" * 5000}),
    ("post", "/orgs/programmes/{p}/participants", {"email": "ok@example.com", "name": "n" * 151}),
    ("post", "/orgs/programmes/{p}/participants", "\x00"),
    ("post", "/orgs/participants/{h}/move", {"email": "bad"}),
    ("post", "/orgs/participants/{h}/move", {"email": "bob@example.com"}),
    ("post", "/orgs/invitations/accept", {"token": 5}),
    ("post", "/orgs/invitations/accept", {}),
]


@pytest.mark.parametrize(("method", "path", "body"), BAD)
def test_bad_input_is_4xx_and_changes_nothing(olivia, programme, bob, method, path, body):
    held = seat(programme, bob)
    for i in range(3):
        seat(programme, __import__("conftest").make_user(f"s{i}@example.com", name=f"S{i}"))
    url = path.format(o=programme.organisation.public_id, p=programme.public_id, h=held.public_id)
    before = snapshot()
    client = token_client(olivia)
    if isinstance(body, str):
        response = api(client, method, url, raw=body)
    else:
        response = api(client, method, url, body)
    assert 400 <= response.status_code < 500, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"} and error["code"]
    assert snapshot() == before


def _routes(programme: Programme, held: Participant) -> list[tuple[str, str, Any]]:
    o, p, h = programme.organisation.public_id, programme.public_id, held.public_id
    return [
        ("get", f"/orgs/organisations/{o}/programmes", None),
        ("post", f"/orgs/organisations/{o}/programmes", BODY),
        ("get", f"/orgs/programmes/{p}", None),
        ("patch", f"/orgs/programmes/{p}", {"seats": 30}),
        ("post", f"/orgs/programmes/{p}/end", None),
        ("post", f"/orgs/programmes/{p}/fundings", {"amount": 100, "method": "invoice"}),
        ("get", f"/orgs/programmes/{p}/participants", None),
        ("post", f"/orgs/programmes/{p}/participants", {"email": "x@example.com"}),
        ("get", f"/orgs/participants/{h}", None),
        *[
            ("post", f"/orgs/participants/{h}/{a}", None)
            for a in ("resend", "revoke", "pause", "resume", "remove")
        ],
        ("post", f"/orgs/participants/{h}/move", {"email": "y@example.com"}),
    ]


@pytest.mark.parametrize("who", ["charlie", "alice", "gus", "staff_user", "bob"])
def test_everyone_else_gets_404(request, who, programme, bob, coach):
    held = seat(programme, bob)
    user = request.getfixturevalue(who)
    client = token_client(user)
    before = snapshot()
    for method, path, body in _routes(programme, held):
        response = api(client, method, path, body)
        assert response.status_code == 404, (who, method, path, response.content)
        assert response.json()["error"]["code"]
    assert snapshot() == before
    listed = api(client, "get", "/orgs/organisations").json()["items"]
    assert [o["name"] for o in listed] == (["Globex"] if who == "gus" else [])


def test_unknown_and_malformed_ids_are_404(olivia):
    client = token_client(olivia)
    for path in (
        "/orgs/programmes/nope",
        "/orgs/programmes/00000000-0000-0000-0000-000000000000",
        "/orgs/participants/nope",
        "/orgs/organisations/nope/programmes",
    ):
        assert api(client, "get", path).status_code == 404
