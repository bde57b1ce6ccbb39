"""The messages page (/messages/): only for the signed in, only their conversations, message
text shown as text; a constant number of queries; "Message" from a session."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from tandem.booking.tests.conftest import at, book_session, make_type
from tandem.messaging import services
from tandem.messaging.models import Conversation
from tandem.messaging.tests.conftest import send

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def page(user, conversation: Conversation | None = None):
    path = f"/messages/{conversation.public_id}/" if conversation else "/messages/"
    return signed_in(user).get(path)


def test_anonymous_is_sent_to_sign_in(conversation):
    for path in ("/messages/", f"/messages/{conversation.public_id}/"):
        response = Client().get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_someone_else_s_conversation_is_not_found(conversation, charlie):
    send(bob_of(conversation), conversation, "private plans")
    response = page(charlie, conversation)
    assert response.status_code == 404
    assert b"private plans" not in response.content


def test_unknown_conversation_is_not_found(bob):
    assert signed_in(bob).get("/messages/00000000-0000-0000-0000-000000000000/").status_code == 404


def bob_of(conversation: Conversation):
    return (
        conversation.user_low
        if conversation.user_low.email.startswith("bob")
        else (conversation.user_high)
    )


def test_the_page_lists_only_my_conversations(conversation, alice, bob, charlie, booking):
    # given Charlie talks with Alice too (after a booking of his own)
    book_session(charlie, booking.coach, make_type(booking.coach, name="Deep dive"), at(4, 10))
    theirs, _ = services.conversation_start(user=charlie, other_id=alice.public_id)
    send(charlie, theirs, "charlie's secret")
    send(bob, conversation, "hello from bob")
    # then Bob sees his conversation with Alice only
    html = page(bob).content.decode()
    assert str(conversation.public_id) in html
    assert "hello from bob" in html
    assert str(theirs.public_id) not in html
    assert "charlie&#x27;s secret" not in html and "charlie's secret" not in html
    # and Alice sees both
    html = page(alice).content.decode()
    assert str(conversation.public_id) in html and str(theirs.public_id) in html


def test_open_thread_shows_messages_oldest_first_and_the_at_rest_notice(conversation, bob):
    for n in range(3):
        send(bob, conversation, f"note number {n}")
    html = page(bob, conversation).content.decode()
    assert "You: note number 2" in html  # the list's preview
    thread = html[html.index("data-messages") :]
    assert (
        thread.index("note number 0")
        < thread.index("note number 1")
        < thread.index("note number 2")
    )
    assert "Messages are encrypted at rest" in html
    assert "end-to-end" not in html


def test_script_in_a_message_is_shown_as_text(conversation, alice, bob):
    send(bob, conversation, '<script>alert("x")</script> <img src=x onerror=alert(1)> *bold*')
    for response in (page(alice, conversation), page(alice)):
        html = response.content.decode()
        assert "<script>alert" not in html
        assert "<img src=x" not in html
        assert "&lt;script&gt;" in html
    assert "<strong>bold</strong>" in page(alice, conversation).content.decode()


def test_deleted_and_edited_messages_are_marked(conversation, alice, bob):
    gone = send(bob, conversation, "oops wrong chat")
    changed = send(bob, conversation, "typo hre")
    services.message_delete(
        user=bob, conversation_id=conversation.public_id, message_id=gone.public_id
    )
    services.message_edit(
        user=bob,
        conversation_id=conversation.public_id,
        message_id=changed.public_id,
        body="typo here",
    )
    html = page(alice, conversation).content.decode()
    assert "Message deleted" in html and "oops wrong chat" not in html
    assert "typo here" in html and "edited" in html


def test_the_thread_renders_one_page_and_a_cursor_for_older(conversation, bob):
    for n in range(35):
        send(bob, conversation, f"line {n:02d}")
    html = page(bob, conversation).content.decode()
    assert "line 34" in html and "line 05" in html and "line 04" not in html
    assert 'data-next-cursor=""' not in html


def test_page_queries_do_not_grow_with_messages_or_conversations(conversation, alice, bob, booking):
    send(bob, conversation, "first")
    client = signed_in(alice)
    path = f"/messages/{conversation.public_id}/"

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(path)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    few = count()
    for n in range(12):
        send(bob, conversation, f"more {n}")
        services.reaction_set(
            user=alice,
            conversation_id=conversation.public_id,
            message_id=send(alice, conversation, f"reply {n}").public_id,
            emoji="👍",
            on=True,
        )
    for n in range(4):
        client_user = make_user(f"client{n}@example.com", name=f"Client {n}")
        book_session(
            client_user, booking.coach, make_type(booking.coach, name=f"T{n}"), at(5, 9 + n)
        )
        other, _ = services.conversation_start(user=client_user, other_id=alice.public_id)
        send(client_user, other, "hi")
    assert count() == few


def test_message_from_a_session_opens_the_conversation(booking, alice, bob, charlie):
    # the session page offers it
    detail = signed_in(bob).get(f"/sessions/{booking.public_id}/").content.decode()
    assert "/messages/start/" in detail and str(alice.public_id) in detail
    # starting it opens (and creates once) the conversation
    response = signed_in(bob).post("/messages/start/", {"user": str(alice.public_id)})
    conversation = Conversation.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{conversation.public_id}/"
    signed_in(alice).post("/messages/start/", {"user": str(bob.public_id)})
    assert Conversation.objects.count() == 1
    # someone with no booking in common cannot
    assert (
        signed_in(charlie).post("/messages/start/", {"user": str(alice.public_id)}).status_code
        == 404
    )


def test_an_empty_list_tells_each_reader_what_is_true(charlie, staff_user):
    # A client is pointed to their sessions; staff hold no sessions: support arrives here.
    client_page = page(charlie).content.decode()
    assert "Message a coach or client from one of" in client_page
    staff_page = page(staff_user).content.decode()
    assert "Support conversations that people start appear here." in staff_page
    assert "Message a coach or client from one of" not in staff_page
