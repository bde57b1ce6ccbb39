"""Stranger Charlie cannot touch Alice and Bob's conversation in any way: every call answers
404 exactly as for an id that does not exist, nothing changes, and his event stream stays
empty while theirs fills."""

from __future__ import annotations

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.messaging import services
from tandem.messaging.models import (
    Attachment,
    Conversation,
    Message,
    Participant,
    Reaction,
    SearchToken,
    SendIdempotency,
)
from tandem.messaging.tests.conftest import api_json, png_bytes, send
from tandem.realtime.models import Event
from tandem.realtime.services import events_after

pytestmark = pytest.mark.django_db


def snapshot() -> tuple:
    return (
        list(Conversation.objects.order_by("pk").values()),
        list(Participant.objects.order_by("pk").values()),
        list(Message.objects.order_by("pk").values()),
        list(Attachment.objects.order_by("pk").values()),
        list(Reaction.objects.order_by("pk").values()),
        SearchToken.objects.count(),
        SendIdempotency.objects.count(),
    )


@pytest.fixture
def exchange(conversation, alice, bob):
    """Bob wrote (with a picture), Alice answered and reacted."""
    upload = SimpleUploadedFile("photo.png", png_bytes(), content_type="image/png")
    first = send(bob, conversation, "secret plans for tuesday", upload=upload, upload_name="p.png")
    second = send(alice, conversation, "sounds good")
    services.reaction_set(
        user=alice,
        conversation_id=conversation.public_id,
        message_id=first.public_id,
        emoji="👍",
        on=True,
    )
    return first, second


def test_charlie_gets_404_for_everything_and_nothing_changes(
    conversation, exchange, charlie_api, charlie
):
    first, _ = exchange
    cid, mid = conversation.public_id, first.public_id
    before = snapshot()
    events_before = Event.objects.exclude(user=charlie).count()
    base = f"/conversations/{cid}"
    calls = [
        ("get", base, None),
        ("get", f"{base}/messages", None),
        ("post", f"{base}/read", {}),
        ("post", f"{base}/read", {"message": str(mid)}),
        ("post", f"{base}/typing", None),
        ("post", f"{base}/archive", None),
        ("post", f"{base}/unarchive", None),
        ("post", f"{base}/mute", None),
        ("post", f"{base}/unmute", None),
        ("patch", f"{base}/messages/{mid}", {"body": "hijacked"}),
        ("delete", f"{base}/messages/{mid}", None),
        ("post", f"{base}/messages/{mid}/reactions", {"emoji": "👍"}),
        ("delete", f"{base}/messages/{mid}/reactions?emoji=%F0%9F%91%8D", None),
        ("get", f"{base}/messages/{mid}/attachment", None),
    ]
    unknown = f"/conversations/{uuid.uuid4()}"
    for method, path, body in calls:
        response = api_json(charlie_api, method, path, body)
        assert response.status_code == 404, (method, path, response.content)
        # Exactly as if it did not exist.
        ghost = api_json(charlie_api, method, path.replace(base, unknown), body)
        assert response.json() == ghost.json(), (method, path)
    # Posting, as a form with a file too.
    response = charlie_api.post(f"/api/v1{base}/messages", {"body": "hi"})
    assert response.status_code == 404
    upload = SimpleUploadedFile("x.png", png_bytes())
    response = charlie_api.post(
        f"/api/v1{base}/messages", {"attachment": upload}, headers={"Idempotency-Key": "k1"}
    )
    assert response.status_code == 404
    # Search never reaches into their conversation; lists and counts show nothing of it.
    for query in ("secret", "tuesday", "sounds", "sec"):
        found = api_json(charlie_api, "get", f"/conversations/search?q={query}")
        assert found.status_code == 200 and found.json()["items"] == []
    assert api_json(charlie_api, "get", "/conversations").json()["items"] == []
    assert api_json(charlie_api, "get", "/conversations?archived=include").json()["items"] == []
    assert api_json(charlie_api, "get", "/conversations/unread").json() == {
        "total": 0,
        "conversations": 0,
        "unmuted": 0,
    }
    assert snapshot() == before
    # His stream got nothing; theirs nothing new from his attempts.
    assert not Event.objects.filter(user=charlie).exists()
    assert events_after(charlie.pk, 0).events == []
    assert Event.objects.exclude(user=charlie).count() == events_before


def test_charlie_hears_nothing_of_their_events(conversation, alice, bob, charlie):
    message = send(bob, conversation, "hello")
    services.message_edit(
        user=bob,
        conversation_id=conversation.public_id,
        message_id=message.public_id,
        body="hello there",
    )
    services.reaction_set(
        user=alice,
        conversation_id=conversation.public_id,
        message_id=message.public_id,
        emoji="❤️",
        on=None,
    )
    services.mark_read(user=alice, conversation_id=conversation.public_id)
    services.message_delete(
        user=bob, conversation_id=conversation.public_id, message_id=message.public_id
    )
    ours = Event.objects.filter(user=alice).exclude(kind="booking.changed").order_by("seq")
    kinds = list(ours.values_list("kind", flat=True))
    assert kinds == [
        "conversation.created",
        "message.created",
        "message.edited",
        "message.reaction",
        "conversation.read",
        "message.deleted",
    ]
    assert Event.objects.filter(user=bob).exclude(kind="booking.changed").count() == len(kinds)
    # Ids only: no text in the (unencrypted) event table.
    assert all("hello" not in str(e.data) for e in Event.objects.all())
    assert not Event.objects.filter(user=charlie).exists()


def test_charlie_cannot_start_a_conversation_with_someone_he_never_booked(
    alice, bob, booking, charlie_api, bob_api
):
    answer = api_json(charlie_api, "post", "/conversations", {"user": str(alice.public_id)})
    assert answer.status_code == 404
    ghost = api_json(charlie_api, "post", "/conversations", {"user": str(uuid.uuid4())})
    assert answer.json() == ghost.json()
    # Nor with himself; and Bob with Alice works, once, idempotently.
    assert (
        api_json(bob_api, "post", "/conversations", {"user": str(bob.public_id)}).status_code == 404
    )
    first = api_json(bob_api, "post", "/conversations", {"user": str(alice.public_id)})
    again = api_json(bob_api, "post", "/conversations", {"user": str(alice.public_id)})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert Conversation.objects.count() == 1


def test_support_is_private_to_its_user_and_open_to_staff(
    bob, alice, staff_user, bob_api, alice_api
):
    from tandem.booking.tests.conftest import token_client

    created = api_json(bob_api, "post", "/conversations/support")
    assert created.status_code == 201
    support_id = created.json()["id"]
    assert api_json(bob_api, "post", "/conversations/support").json()["id"] == support_id
    bob_api.post(f"/api/v1/conversations/{support_id}/messages", {"body": "I need help"})
    # Alice (not staff) cannot see it.
    assert api_json(alice_api, "get", f"/conversations/{support_id}").status_code == 404
    assert api_json(alice_api, "get", "/conversations?inbox=support").status_code == 403
    # Any staff member can read and answer.
    staff_api = token_client(staff_user)
    inbox = api_json(staff_api, "get", "/conversations?inbox=support").json()["items"]
    assert [c["id"] for c in inbox] == [support_id]
    assert inbox[0]["title"] == "Support: Bob Brown"
    assert inbox[0]["last_message"]["preview"] == "I need help"
    answer = staff_api.post(f"/api/v1/conversations/{support_id}/messages", {"body": "On it"})
    assert answer.status_code == 201
    # The staff member now takes part; Bob sees the answer and who gave it.
    bob_view = api_json(bob_api, "get", f"/conversations/{support_id}").json()
    assert bob_view["title"] == "Support"
    assert bob_view["unread"] == 1
    assert [p["name"] for p in bob_view["participants"]] == ["Sam Staff"]
    assert Event.objects.filter(user=staff_user, kind="message.created").count() == 2
