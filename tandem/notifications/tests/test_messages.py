"""New messages notify the other participants on the channels they chose, never with the
message's text (which is encrypted at rest; notifications are not)."""

from __future__ import annotations

import json

import pytest

from tandem.messaging.models import Participant
from tandem.messaging.tests.conftest import send
from tandem.notifications.models import Delivery, Notification, PushSubscription
from tandem.notifications.services import preferences_update
from tandem.notifications.services.messages import message_posted
from tandem.notifications.tasks import message_posted_task

pytestmark = pytest.mark.django_db


def subscribe(user) -> None:
    PushSubscription.objects.create(
        user=user, endpoint=f"https://push.example/{user.pk}", p256dh="k" * 40, auth="a" * 16
    )


def test_a_new_message_pushes_to_the_other_side_without_its_text(conversation, alice, bob):
    subscribe(alice)
    message = send(bob, conversation, "The secret plan for Tuesday")
    # The job was queued with the message (an outbox row in the same transaction).
    from django_tasks_db.models import DBTaskResult

    assert DBTaskResult.objects.filter(task_path=message_posted_task.module_path).exists()
    message_posted(message.pk)
    push = Delivery.objects.get(channel="push")
    assert push.user == alice and push.kind == "message"
    assert push.payload["title"] == "New message from Bob Brown"
    assert "secret" not in json.dumps(push.payload)
    assert not Notification.objects.exists()  # in-app is off by default: Messages counts it
    message_posted(message.pk)  # the job ran twice: still one
    assert Delivery.objects.count() == 1


def test_in_app_when_chosen_and_nothing_for_a_muted_conversation(conversation, alice, bob):
    preferences_update(user=alice, enabled={"message": {"inapp": True}})
    message_posted(send(bob, conversation, "hello").pk)
    assert Notification.objects.get().user == alice
    Participant.objects.filter(conversation=conversation, user=alice).update(muted=True)
    message_posted(send(bob, conversation, "again").pk)
    assert Notification.objects.count() == 1
