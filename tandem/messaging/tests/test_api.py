"""The messaging API end to end: sending (idempotently), paging, editing, reactions, reads,
archive/mute, and bad input answering 4xx with a code — never a 500, never a change."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tandem.messaging import clock
from tandem.messaging.models import Message, SendIdempotency
from tandem.messaging.tests.conftest import api_json, send

pytestmark = pytest.mark.django_db


def post_message(client, conversation, body="", **extra):
    data = {"body": body} if body is not None else {}
    data.update(extra.pop("files", {}))
    return client.post(f"/api/v1/conversations/{conversation.public_id}/messages", data, **extra)


def test_idempotent_send_never_posts_twice(conversation, bob_api):
    first = post_message(bob_api, conversation, "see you at 10", headers={"Idempotency-Key": "k"})
    again = post_message(bob_api, conversation, "see you at 10", headers={"Idempotency-Key": "k"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first
    assert first.json()["id"] == again.json()["id"]
    other = post_message(bob_api, conversation, "see you at 11", headers={"Idempotency-Key": "k"})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert Message.objects.count() == 1
    # Without a key, two sends are two messages.
    post_message(bob_api, conversation, "twice")
    post_message(bob_api, conversation, "twice")
    assert Message.objects.count() == 3
    bad = post_message(bob_api, conversation, "x", headers={"Idempotency-Key": "é" * 3})
    assert bad.status_code == 400
    assert SendIdempotency.objects.count() == 1


def test_messages_page_backwards_in_time(conversation, alice, bob, alice_api):
    for n in range(5):
        send(bob if n % 2 else alice, conversation, f"message {n}")
    path = f"/conversations/{conversation.public_id}/messages?limit=2"
    page = api_json(alice_api, "get", path).json()
    assert [m["body"] for m in page["items"]] == ["message 3", "message 4"]
    page = api_json(alice_api, "get", f"{path}&cursor={page['next_cursor']}").json()
    assert [m["body"] for m in page["items"]] == ["message 1", "message 2"]
    page = api_json(alice_api, "get", f"{path}&cursor={page['next_cursor']}").json()
    assert [m["body"] for m in page["items"]] == ["message 0"]
    assert page["next_cursor"] is None


def test_conversation_list_pages_and_shows_previews(alice, bob, booking, bob_api, alice_api):
    from tandem.messaging import services

    direct, _ = services.conversation_start(user=bob, other_id=alice.public_id)
    support, _ = services.support_start(user=bob)
    send(alice, direct, "*Welcome* Bob")
    send(bob, support, "question")
    first = api_json(bob_api, "get", "/conversations?limit=1").json()
    assert [c["id"] for c in first["items"]] == [str(support.public_id)]
    rest = api_json(bob_api, "get", f"/conversations?limit=1&cursor={first['next_cursor']}")
    item = rest.json()["items"][0]
    assert item["id"] == str(direct.public_id)
    assert item["title"] == "Alice Adler"
    assert item["unread"] == 1
    assert item["last_message"]["preview"] == "*Welcome* Bob"
    assert rest.json()["next_cursor"] is None


def test_edit_via_api_within_the_window_only(conversation, bob, bob_api, alice_api, monkeypatch):
    message = send(bob, conversation, "helo")
    path = f"/conversations/{conversation.public_id}/messages/{message.public_id}"
    edited = api_json(bob_api, "patch", path, {"body": "hello"})
    assert edited.status_code == 200
    assert (edited.json()["body"], edited.json()["edited"]) == ("hello", True)
    assert api_json(alice_api, "patch", path, {"body": "x"}).status_code == 403
    later = timezone.now() + timedelta(minutes=6)
    monkeypatch.setattr(clock, "now", lambda: later)
    refused = api_json(bob_api, "patch", path, {"body": "hello!"})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "edit_window_closed"
    deleted = api_json(bob_api, "delete", path)
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert api_json(bob_api, "patch", path, {"body": "x"}).json()["error"]["code"] == (
        "message_deleted"
    )


def test_reactions_read_archive_mute_and_typing_via_api(conversation, bob, alice_api):
    message = send(bob, conversation, "hi")
    base = f"/conversations/{conversation.public_id}"
    path = f"{base}/messages/{message.public_id}/reactions"
    on = api_json(alice_api, "post", path, {"emoji": "🙏"}).json()
    assert on["on"] is True and on["message"]["reactions"] == [
        {"emoji": "🙏", "count": 1, "mine": True}
    ]
    off = api_json(alice_api, "delete", f"{path}?emoji=%F0%9F%99%8F").json()
    assert off["on"] is False and off["message"]["reactions"] == []
    assert api_json(alice_api, "post", path, {"emoji": "🍕"}).status_code == 400
    read = api_json(alice_api, "post", f"{base}/read", {})
    assert read.json() == {"read_seq": 1, "unread": 0}
    assert api_json(alice_api, "post", f"{base}/archive").json()["archived"] is True
    assert api_json(alice_api, "post", f"{base}/mute").json()["muted"] is True
    assert api_json(alice_api, "post", f"{base}/unarchive").json()["archived"] is False
    assert api_json(alice_api, "post", f"{base}/unmute").json()["muted"] is False
    typing = api_json(alice_api, "post", f"{base}/typing")
    assert typing.status_code == 202 and typing.json() == {"sent": True}
    assert api_json(alice_api, "post", f"{base}/typing").json() == {"sent": False}


def test_bad_input_is_a_4xx_with_a_code_and_changes_nothing(
    conversation, alice, bob, bob_api, settings
):
    message = send(bob, conversation, "original")
    before = list(Message.objects.values())
    base = f"/conversations/{conversation.public_id}"
    msg = f"{base}/messages/{message.public_id}"
    cases = [
        (post_message(bob_api, conversation, "nul\x00byte"), 400, "invalid"),
        (post_message(bob_api, conversation, "x" * 10_001), 400, "invalid"),
        (post_message(bob_api, conversation, "x" * 30_000), 400, "invalid"),
        (post_message(bob_api, conversation, ""), 400, "invalid"),
        (post_message(bob_api, conversation, None), 400, "invalid"),
        (api_json(bob_api, "patch", msg, {"body": "a\x00b"}), 400, "invalid"),
        (api_json(bob_api, "patch", msg, {"body": 42}), 400, "invalid"),
        (api_json(bob_api, "patch", msg, {"body": ["x"]}), 400, "invalid"),
        (api_json(bob_api, "patch", msg, {"text": "typo"}), 400, "invalid"),
        (api_json(bob_api, "patch", msg, []), 400, "invalid"),
        (
            bob_api.patch(f"/api/v1{msg}", data="{not json", content_type="application/json"),
            400,
            "malformed_json",
        ),
        (api_json(bob_api, "post", f"{msg}/reactions", {"emoji": 1}), 400, "invalid"),
        (api_json(bob_api, "post", f"{msg}/reactions", {"emoji": "x" * 100}), 400, "invalid"),
        (api_json(bob_api, "post", f"{base}/read", {"message": "nope"}), 400, "invalid"),
        (api_json(bob_api, "post", f"{base}/read", {"message": str(uuid.uuid4())}), 404, None),
        (api_json(bob_api, "get", f"{base}/messages?cursor=%%%"), 400, "invalid"),
        (api_json(bob_api, "get", f"{base}/messages?cursor=eyJzIjoieCJ9"), 400, "invalid"),
        (api_json(bob_api, "get", f"{base}/messages?limit=0"), 400, "invalid"),
        (api_json(bob_api, "get", f"{base}/messages?limit=abc"), 400, "invalid"),
        (api_json(bob_api, "get", "/conversations?archived=maybe"), 400, "invalid"),
        (api_json(bob_api, "get", "/conversations?cursor=e30"), 400, "invalid"),
        (api_json(bob_api, "get", "/conversations/search?q="), 400, "invalid"),
        (api_json(bob_api, "get", "/conversations/search?q=%21%21%21"), 400, "invalid"),
        (api_json(bob_api, "get", "/conversations/search?q=" + "a" * 300), 400, "invalid"),
        (api_json(bob_api, "get", "/conversations/search?q=a%00b"), 400, "invalid"),
        (api_json(bob_api, "post", "/conversations", {"user": "x"}), 400, "invalid"),
        (api_json(bob_api, "post", "/conversations", {"user": None}), 400, "invalid"),
        (api_json(bob_api, "get", "/conversations/not-a-uuid"), 404, "not_found"),
        (api_json(bob_api, "get", f"{base}/messages/{uuid.uuid4()}/attachment"), 404, None),
        (api_json(bob_api, "patch", f"{base}/messages/{uuid.uuid4()}", {"body": "x"}), 404, None),
        (api_json(bob_api, "delete", f"{base}/messages/nonsense"), 404, None),
        (api_json(bob_api, "get", f"{msg}/attachment"), 404, None),
        (Client().get("/api/v1/conversations"), 401, "unauthenticated"),
        (Client().post(f"/api/v1{base}/messages", {"body": "x"}), 401, "unauthenticated"),
    ]
    for index, (response, status, code) in enumerate(cases):
        assert response.status_code == status, (index, response.content)
        body = response.json()
        assert set(body["error"]) == {"code", "message", "fields"}, index
        if code:
            assert body["error"]["code"] == code, (index, body)
    assert list(Message.objects.values()) == before


def test_the_openapi_document_describes_every_field_and_says_at_rest():
    from tandem.api import api

    schema = api.get_openapi_schema()
    text = str(schema)
    assert "encrypted at rest" in text
    assert "end-to-end" not in text.replace("not end-to-end", "")
    missing = []
    for name, component in schema["components"]["schemas"].items():
        if not any(word in name for word in ("Conversation", "Message", "Reaction", "Read")):
            continue
        for field, spec in component.get("properties", {}).items():
            if "description" not in spec:
                missing.append(f"{name}.{field}")
    assert not missing, missing


def test_the_sweep_forgets_day_old_send_keys(conversation, bob_api, capsys):
    from django.core.management import call_command

    post_message(bob_api, conversation, "old", headers={"Idempotency-Key": "old"})
    post_message(bob_api, conversation, "new", headers={"Idempotency-Key": "new"})
    SendIdempotency.objects.filter(key="old").update(created_at=timezone.now() - timedelta(days=2))
    call_command("messaging_sweep")
    assert "idempotency_records_deleted: 1" in capsys.readouterr().out
    assert list(SendIdempotency.objects.values_list("key", flat=True)) == ["new"]
