"""Messaging rules: edit window, tombstones, reactions, read receipts and unread counts,
archive and mute, typing, and who may start which conversation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from tandem.core.errors import InvalidInput, NotFound, PermissionDenied
from tandem.messaging import clock, selectors, services
from tandem.messaging.errors import EditWindowClosed, MessageDeleted
from tandem.messaging.models import Attachment, Participant, Reaction, SearchToken
from tandem.messaging.present import conversations_data, message_data
from tandem.messaging.tests.conftest import png_bytes, send
from tandem.realtime.models import Event

pytestmark = pytest.mark.django_db


@pytest.fixture
def frozen(monkeypatch):
    """A clock the test moves by hand."""

    class Clock:
        now = timezone.now()

        def advance(self, **delta: float) -> None:
            self.now += timedelta(**delta)

    fake = Clock()
    monkeypatch.setattr(clock, "now", lambda: fake.now)
    return fake


def edit(user, conversation, message, body):
    return services.message_edit(
        user=user,
        conversation_id=conversation.public_id,
        message_id=message.public_id,
        body=body,
    )


def test_edits_are_allowed_for_five_minutes_then_refused(conversation, bob, frozen):
    message = send(bob, conversation, "first draft")
    frozen.advance(minutes=4, seconds=59)
    edited = edit(bob, conversation, message, "second draft")
    assert edited.edited_at == frozen.now
    data = message_data(edited, bob)
    assert (data["body"], data["edited"]) == ("second draft", True)
    frozen.advance(seconds=2)  # 5:01 after sending
    with pytest.raises(EditWindowClosed) as refused:
        edit(bob, conversation, message, "too late")
    assert (refused.value.status, refused.value.code) == (409, "edit_window_closed")
    assert message_data(selectors.message_in(conversation, message.public_id), bob)["body"] == (
        "second draft"
    )


def test_only_the_sender_edits_or_deletes(conversation, alice, bob):
    message = send(bob, conversation, "mine")
    with pytest.raises(PermissionDenied):
        edit(alice, conversation, message, "hers now")
    with pytest.raises(PermissionDenied):
        services.message_delete(
            user=alice, conversation_id=conversation.public_id, message_id=message.public_id
        )


def test_delete_leaves_a_tombstone(conversation, alice, bob):
    upload = SimpleUploadedFile("a.png", png_bytes())
    message = send(bob, conversation, "regrettable words", upload=upload, upload_name="a.png")
    services.reaction_set(
        user=alice,
        conversation_id=conversation.public_id,
        message_id=message.public_id,
        emoji="😂",
        on=True,
    )
    gone = services.message_delete(
        user=bob, conversation_id=conversation.public_id, message_id=message.public_id
    )
    assert gone.body == "" and gone.deleted_at is not None
    assert not Attachment.objects.exists()
    assert not Reaction.objects.exists()
    assert not SearchToken.objects.filter(message=gone).exists()
    shown = message_data(selectors.message_in(conversation, message.public_id), alice)
    assert shown["deleted"] is True
    assert shown["body"] == "" and shown["attachment"] is None and shown["reactions"] == []
    assert "Message deleted" in shown["html"]
    listed = conversations_data([selectors.conversation_for(alice, conversation.public_id)], alice)
    assert listed[0]["last_message"]["preview"] == "Message deleted"
    # Deleting again changes nothing; editing a tombstone is refused.
    services.message_delete(
        user=bob, conversation_id=conversation.public_id, message_id=message.public_id
    )
    assert Event.objects.filter(kind="message.deleted", user=bob).count() == 1
    with pytest.raises(MessageDeleted):
        edit(bob, conversation, message, "undo")


def test_reactions_toggle_one_of_each_per_person(conversation, alice, bob):
    message = send(bob, conversation, "good news")

    def toggle(user, emoji, on=None):
        return services.reaction_set(
            user=user,
            conversation_id=conversation.public_id,
            message_id=message.public_id,
            emoji=emoji,
            on=on,
        )[1]

    assert toggle(alice, "👍") is True
    assert toggle(bob, "👍") is True
    assert toggle(alice, "❤️") is True
    assert toggle(alice, "👍", on=True) is True  # already there: still one
    summary = message_data(selectors.message_in(conversation, message.public_id), alice)
    assert summary["reactions"] == [
        {"emoji": "👍", "count": 2, "mine": True},
        {"emoji": "❤️", "count": 1, "mine": True},
    ]
    assert toggle(alice, "👍") is False
    assert toggle(alice, "👍", on=False) is False  # already gone: no change, no event
    assert Reaction.objects.filter(user=alice).count() == 1
    assert Event.objects.filter(user=bob, kind="message.reaction").count() == 4
    with pytest.raises(InvalidInput):
        toggle(alice, "🍕")


def test_unread_counts_and_read_receipts(conversation, alice, bob):
    first = send(bob, conversation, "one")
    send(bob, conversation, "two")
    send(bob, conversation, "three")
    assert selectors.unread_for(alice).total == 3
    assert selectors.unread_for(bob).total == 0  # one's own messages are never unread
    read = services.mark_read(
        user=alice, conversation_id=conversation.public_id, message_id=first.public_id
    )
    assert read == 1
    assert selectors.unread_for(alice).total == 2
    # Bob sees Alice's receipt (and gets it live).
    bob_view = conversations_data([selectors.conversation_for(bob, conversation.public_id)], bob)
    assert bob_view[0]["participants"][0]["read_seq"] == 1
    receipt = Event.objects.filter(user=bob, kind="conversation.read").get()
    assert receipt.data == {
        "conversation": str(conversation.public_id),
        "user": str(alice.public_id),
        "read_seq": 1,
    }
    # Never backwards; the latest by default; answering reads everything before it.
    assert services.mark_read(user=alice, conversation_id=conversation.public_id) == 3
    assert (
        services.mark_read(
            user=alice, conversation_id=conversation.public_id, message_id=first.public_id
        )
        == 3
    )
    send(bob, conversation, "four")
    send(alice, conversation, "reply")
    assert selectors.unread_for(alice).total == 0
    assert selectors.unread_for(bob).total == 1
    assert Event.objects.filter(user=bob, kind="conversation.read").count() == 2


def test_unread_totals_span_conversations_and_count_muted_ones(conversation, alice, bob):
    support, _ = services.support_start(user=alice)
    send(bob, conversation, "hi")
    send(bob, conversation, "there")
    services.set_flags(user=alice, conversation_id=conversation.public_id, muted=True)
    counts = selectors.unread_for(alice)
    assert (counts.total, counts.conversations, counts.unmuted) == (2, 1, 0)
    assert support.participants.count() == 1


def test_archive_and_mute_are_per_person(conversation, alice, bob):
    services.set_flags(user=alice, conversation_id=conversation.public_id, archived=True)
    assert [c.pk for c in selectors.conversations_page(alice).items] == []
    assert [c.pk for c in selectors.conversations_page(alice, archived="only").items] == [
        conversation.pk
    ]
    assert [c.pk for c in selectors.conversations_page(bob).items] == [conversation.pk]
    # A new message brings it back to the inbox...
    send(bob, conversation, "are you there?")
    assert [c.pk for c in selectors.conversations_page(alice).items] == [conversation.pk]
    # ...unless it is muted too.
    services.set_flags(
        user=alice, conversation_id=conversation.public_id, archived=True, muted=True
    )
    send(bob, conversation, "hello?")
    mine = Participant.objects.get(conversation=conversation, user=alice)
    assert (mine.archived, mine.muted) == (True, True)
    assert Participant.objects.get(conversation=conversation, user=bob).muted is False
    services.set_flags(
        user=alice, conversation_id=conversation.public_id, archived=False, muted=False
    )
    mine.refresh_from_db()
    assert (mine.archived, mine.muted) == (False, False)


def test_typing_signals_the_others_softly_rate_limited(conversation, alice, bob, monkeypatch):
    sent = []
    monkeypatch.setattr(
        "tandem.messaging.services.conversations.send_signal",
        lambda users, kind, data: sent.append((list(users), kind, data)),
    )
    assert services.typing(user=bob, conversation_id=conversation.public_id) is True
    assert services.typing(user=bob, conversation_id=conversation.public_id) is False
    assert services.typing(user=alice, conversation_id=conversation.public_id) is True
    assert sent == [
        ([alice.pk], "typing", {"conversation": conversation.public_id, "user": bob.public_id}),
        ([bob.pk], "typing", {"conversation": conversation.public_id, "user": alice.public_id}),
    ]
    assert not Event.objects.filter(kind="typing").exists()  # never stored


def test_presence_of_the_others_is_in_the_conversation(conversation, alice, bob):
    from tandem.realtime import presence

    presence.seen(alice.pk)
    view = conversations_data([selectors.conversation_for(bob, conversation.public_id)], bob)
    assert view[0]["participants"][0]["presence"]["state"] == "online"
    assert view[0]["participants"][0]["presence"]["last_seen"] is not None


def test_any_booking_status_lets_them_talk(alice, bob, charlie, booking):
    booking.status = "cancelled"
    booking.save(update_fields=["status"])
    assert services.share_a_booking(alice, bob)
    first, created = services.conversation_start(user=alice, other_id=bob.public_id)
    again, created_again = services.conversation_start(user=bob, other_id=alice.public_id)
    assert (first.pk, created, created_again) == (again.pk, True, False)
    with pytest.raises(NotFound):
        services.conversation_start(user=charlie, other_id=bob.public_id)
    with pytest.raises(NotFound):
        services.conversation_start(user=bob, other_id="not-a-uuid")


def test_an_empty_message_is_refused(conversation, bob):
    with pytest.raises(InvalidInput):
        send(bob, conversation, "   ")
    with pytest.raises(InvalidInput):
        send(bob, conversation, "nul \x00 byte")
