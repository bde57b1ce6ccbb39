"""Lists make a constant number of queries, however many rows they show."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from tandem.booking.tests.conftest import at, book_session, make_type
from tandem.messaging import services
from tandem.messaging.tests.conftest import png_bytes, send

pytestmark = pytest.mark.django_db


def count(client, path: str) -> int:
    client.get(f"/api/v1{path}")  # the token's last_used_at is written at most once a minute
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"/api/v1{path}")
    assert response.status_code == 200, response.content[:300]
    return len(ctx.captured_queries)


def busy(conversation, alice, bob, n: int) -> None:
    for i in range(n):
        upload = SimpleUploadedFile("p.png", png_bytes()) if i % 2 else None
        message = send(bob, conversation, f"budget item {i}", upload=upload, upload_name="p.png")
        services.reaction_set(
            user=alice,
            conversation_id=conversation.public_id,
            message_id=message.public_id,
            emoji="👍",
            on=True,
        )


def test_message_list_and_search_cost_the_same_for_1_or_10_messages(
    conversation, alice, bob, alice_api
):
    busy(conversation, alice, bob, 1)
    path = f"/conversations/{conversation.public_id}/messages"
    one = count(alice_api, path), count(alice_api, "/conversations/search?q=budget")
    busy(conversation, alice, bob, 9)
    assert (count(alice_api, path), count(alice_api, "/conversations/search?q=budget")) == one


def test_conversation_list_costs_the_same_for_1_or_8_conversations(
    conversation, alice, bob, alice_api, booking
):
    send(bob, conversation, "hello")
    one = count(alice_api, "/conversations")
    coach = alice.coach_profile
    session_type = make_type(coach, name="More")
    for n in range(7):
        client = make_user(f"client{n}@example.com", name=f"Client {n}")
        book_session(client, coach, session_type, at(5 + n, 10))
        other, _ = services.conversation_start(user=client, other_id=alice.public_id)
        send(client, other, f"hi {n}", upload=SimpleUploadedFile("p.png", png_bytes()))
    assert count(alice_api, "/conversations") == one
    assert count(alice_api, "/conversations/unread") == 2  # the token, one aggregate
