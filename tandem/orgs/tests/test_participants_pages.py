"""The roster page (invite, actions, move) and the invitation link page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from conftest import make_user
from tandem.orgs.models import Participant
from tandem.orgs.participants import services

from .conftest import NOW, make_programme, seat


@pytest.fixture(autouse=True)
def _now(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def sent(monkeypatch) -> list[str]:
    tokens: list[str] = []
    monkeypatch.setattr(
        "tandem.orgs.notify.invitations",
        lambda pairs, now: tokens.extend(raw for _, raw in pairs),
    )
    return tokens


def test_roster_shows_people_without_session_figures(client, olivia, programme, bob):
    seat(programme, bob)
    Participant.objects.create(programme=programme, email="pat@example.com", name="Pat")
    client.force_login(olivia)
    body = client.get(reverse("orgs_participants", args=[programme.public_id])).content.decode()
    assert "bob@example.com" in body and "Pat" in body
    assert "1 of 20 seats taken" in body and "not matched yet" in body
    assert "sessions used" not in body.lower()


def test_roster_empty_state_and_constant_queries(
    client, olivia, programme, django_assert_max_num_queries
):
    client.force_login(olivia)
    url = reverse("orgs_participants", args=[programme.public_id])
    assert "No one in this programme yet" in client.get(url).content.decode()
    with django_assert_max_num_queries(14):
        client.get(url)
    for i in range(60):
        Participant.objects.create(programme=programme, email=f"p{i}@example.com")
    with django_assert_max_num_queries(14):
        body = client.get(url).content.decode()
    assert "Page 1 of 2" in body
    assert "p59@example.com" in client.get(url + "?q=p59").content.decode()


def test_invite_from_the_page(client, olivia, programme, sent, django_capture_on_commit_callbacks):
    client.force_login(olivia)
    url = reverse("orgs_participants", args=[programme.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"email": "New@Example.com", "name": "New"})
    assert response.status_code == 302
    assert Participant.objects.get().email == "new@example.com" and len(sent) == 1
    response = client.post(url, {"email": "new@example.com"})
    assert response.status_code == 409
    assert "already in this programme" in response.content.decode().lower()
    assert Participant.objects.count() == 1


def test_actions_and_move_from_the_page(client, olivia, programme, bob):
    held = seat(programme, bob)
    client.force_login(olivia)
    action = reverse("orgs_participant_action", args=[held.public_id, "pause"])
    assert client.post(action).status_code == 302
    held.refresh_from_db()
    assert held.status == "paused"
    client.post(action)  # paused already: refused with a message, nothing changes
    held.refresh_from_db()
    assert held.status == "paused"
    assert (
        client.post(reverse("orgs_participant_action", args=[held.public_id, "x"])).status_code
        == 404
    )
    move = reverse("orgs_participant_move", args=[held.public_id])
    assert client.get(move).status_code == 200
    assert client.post(move, {"email": "next@example.com"}).status_code == 302
    held.refresh_from_db()
    assert held.status == "removed"
    assert Participant.objects.get(email="next@example.com").status == "invited"


def test_invitation_page_signed_out_then_accept(
    client, olivia, programme, bob, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_invite(
            programme=programme, email="bob@example.com", actor=olivia, now=NOW
        )
    url = reverse("orgs_invitation", args=[sent[0]])
    body = client.get(url).content.decode()
    assert "Northwind Traders offers you coaching" in body
    assert "next=" in body and "Sign up" in body
    client.force_login(bob)
    assert "Accept and take my seat" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    row = Participant.objects.get()
    assert (row.status, row.user_id) == ("active", bob.pk)
    assert client.get(url).status_code == 302  # their own seat: sent on


def test_invitation_page_wrong_account_and_full(
    client, olivia, northwind, bob, charlie, alice, sent, django_capture_on_commit_callbacks
):
    small = make_programme(northwind, seats=1)
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_invite(programme=small, email="bob@example.com", actor=olivia, now=NOW)
    url = reverse("orgs_invitation", args=[sent[0]])
    client.force_login(charlie)
    assert "not this invitation's address" in client.get(url).content.decode()
    assert client.post(url).status_code == 403
    seat(small, alice)
    client.force_login(bob)
    response = client.post(url)
    assert response.status_code == 409 and "full" in response.content.decode()
    assert Participant.objects.get(email="bob@example.com").status == "invited"


@pytest.mark.parametrize("token", ["nope", "x" * 300])
def test_unknown_token_is_a_friendly_404(db, client, token):
    response = client.get(reverse("orgs_invitation", args=[token]))
    assert response.status_code == 404
    assert "not valid" in response.content.decode()


def test_expired_token_is_a_friendly_404(
    client, olivia, programme, sent, django_capture_on_commit_callbacks, monkeypatch
):
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_invite(
            programme=programme, email="x@example.com", actor=olivia, now=NOW
        )
    monkeypatch.setattr(timezone, "now", lambda: NOW + timedelta(days=31))
    response = client.get(reverse("orgs_invitation", args=[sent[0]]))
    assert response.status_code == 404 and "expired" in response.content.decode()


def test_unverified_address_cannot_accept(
    client, olivia, programme, sent, django_capture_on_commit_callbacks
):
    dan = make_user("dan@example.com", name="Dan", verified=False)
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_invite(
            programme=programme, email="dan@example.com", actor=olivia, now=NOW
        )
    client.force_login(dan)
    assert client.post(reverse("orgs_invitation", args=[sent[0]])).status_code == 403
    assert Participant.objects.get().status == "invited"
