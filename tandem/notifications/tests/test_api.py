"""The notifications API: the centre, read state, preferences, push subscriptions and a
coach's reminder lead times. Charlie never reaches Bob's things; bad input is a 400 with a
code and changes nothing."""

from __future__ import annotations

import json

import pytest

from tandem.booking.tests.conftest import token_client
from tandem.notifications.models import (
    Notification,
    NotificationSettings,
    Preference,
    PushSubscription,
    ReminderSchedule,
)
from tandem.notifications.services import notification_add

pytestmark = pytest.mark.django_db


def call(client, method: str, path: str, body: object = None):
    kwargs = {}
    if body is not None:
        kwargs = {"data": body if isinstance(body, str) else json.dumps(body)}
        kwargs["content_type"] = "application/json"
    return getattr(client, method)(f"/api/v1{path}", **kwargs)


@pytest.fixture
def bob_api(bob):
    return token_client(bob)


@pytest.fixture
def charlie_api(charlie):
    return token_client(charlie)


def test_list_pages_newest_first_with_the_unread_count(bob, bob_api):
    for n in range(5):
        notification_add(user_id=bob.pk, kind="booking_made", title=f"N{n}")
    first = call(bob_api, "get", "/notifications?limit=3").json()
    assert [i["title"] for i in first["items"]] == ["N4", "N3", "N2"]
    assert first["unread"] == 5 and first["next_cursor"]
    rest = call(bob_api, "get", f"/notifications?limit=3&cursor={first['next_cursor']}").json()
    assert [i["title"] for i in rest["items"]] == ["N1", "N0"] and rest["next_cursor"] is None


def test_mark_one_and_all_read(bob, bob_api):
    notes = [notification_add(user_id=bob.pk, kind="payment", title=f"N{n}") for n in range(3)]
    answer = call(bob_api, "post", f"/notifications/{notes[0].public_id}/read")
    assert answer.status_code == 200 and answer.json() == {"unread": 2}
    assert call(bob_api, "post", "/notifications/read-all").json() == {"unread": 0}
    assert not Notification.objects.filter(read_at__isnull=True).exists()


def test_charlie_cannot_see_or_mark_bobs_notifications(bob, charlie_api):
    note = notification_add(user_id=bob.pk, kind="payment", title="For Bob")
    answer = call(charlie_api, "post", f"/notifications/{note.public_id}/read")
    assert answer.status_code == 404 and answer.json()["error"]["code"] == "not_found"
    assert call(charlie_api, "get", "/notifications").json()["items"] == []
    call(charlie_api, "post", "/notifications/read-all")
    note.refresh_from_db()
    assert note.read_at is None


def test_preferences_round_trip(bob_api, bob):
    answer = call(
        bob_api,
        "patch",
        "/notifications/preferences",
        {
            "enabled": {"message": {"email": True}, "reminder": {"email": False}},
            "quiet_start": "22:00",
            "quiet_end": "07:00",
            "digest": True,
            "sound": False,
        },
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["enabled"]["message"]["email"] is True
    assert body["enabled"]["reminder"]["email"] is False
    assert body["quiet_start"] == "22:00:00" and body["digest"] and not body["sound"]
    assert body["timezone"] == "America/New_York"
    assert call(bob_api, "get", "/notifications/preferences").json() == body


@pytest.mark.parametrize(
    "body",
    [
        {"enabled": {"nonsense": {"email": True}}},
        {"enabled": {"message": {"fax": True}}},
        {"enabled": {"message": {"email": "yes please"}}},
        {"quiet_start": "22:00"},
        {"quiet_start": "25:00", "quiet_end": "07:00"},
        {"quiet_start": "07:00", "quiet_end": "07:00"},
        # Quiet hours are wall-clock times in the user's zone; an offset was a 500 (schemathesis).
        {"quiet_start": "02:53:48.4-19:42", "quiet_end": "02:14:48+13:35"},
        {"quiet_start": "22:00Z", "quiet_end": "07:00"},
        {"digest_hour": 24},
        {"digest": "\x00"},
        {"unknown": 1},
        [1, 2],
        "{not json",
    ],
)
def test_bad_preferences_are_refused_and_change_nothing(bob_api, body):
    answer = call(bob_api, "patch", "/notifications/preferences", body)
    assert answer.status_code == 400, answer.content
    assert answer.json()["error"]["code"] in {"invalid", "malformed_json"}
    assert not Preference.objects.exists() and not NotificationSettings.objects.exists()


def test_push_subscription_add_and_remove(bob_api, charlie_api):
    key = call(bob_api, "get", "/push/key").json()["public_key"]
    assert len(key) == 87  # an uncompressed P-256 point, base64url
    body = {"endpoint": "https://push.example/abc", "keys": {"p256dh": "p" * 87, "auth": "a" * 22}}
    made = call(bob_api, "post", "/push/subscriptions", body)
    assert made.status_code == 201
    sub_id = made.json()["id"]
    # Charlie cannot remove it.
    assert call(charlie_api, "delete", f"/push/subscriptions/{sub_id}").status_code == 404
    assert PushSubscription.objects.count() == 1
    assert call(bob_api, "delete", f"/push/subscriptions/{sub_id}").status_code == 204
    assert not PushSubscription.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "http://10.0.0.1/admin", "keys": {"p256dh": "p" * 87, "auth": "a" * 22}},
        {"endpoint": "not a url", "keys": {"p256dh": "p" * 87, "auth": "a" * 22}},
        {"endpoint": "https://push.example/x", "keys": {"p256dh": "p\x00" * 40, "auth": "a" * 22}},
        {"endpoint": "https://push.example/x"},
        {
            "endpoint": "https://push.example/" + "x" * 5000,
            "keys": {"p256dh": "p" * 87, "auth": "a" * 22},
        },
    ],
)
def test_bad_push_subscriptions_are_refused(bob_api, body):
    answer = call(bob_api, "post", "/push/subscriptions", body)
    assert answer.status_code == 400, answer.content
    assert not PushSubscription.objects.exists()


def test_a_coach_sets_reminder_lead_times(alice):
    from tandem.booking.tests.conftest import make_coach

    make_coach(alice, slug="alice")
    api = token_client(alice)
    assert call(api, "get", "/me/coach/reminders").json() == {
        "coach_offsets": [1440, 60],
        "client_offsets": [1440, 180],
        "coach_default": True,
        "client_default": True,
    }
    ladder = {"coach_offsets": [60, 120, 180, 240, 300], "client_offsets": [15]}
    answer = call(api, "put", "/me/coach/reminders", ladder)
    assert answer.status_code == 200
    assert answer.json()["coach_offsets"] == [300, 240, 180, 120, 60]
    refused = call(api, "put", "/me/coach/reminders", {"coach_offsets": [0]})
    assert refused.status_code == 400
    assert ReminderSchedule.objects.get().coach_offsets == [300, 240, 180, 120, 60]


def test_a_client_without_a_coach_profile_has_no_reminder_settings(bob_api):
    answer = call(bob_api, "put", "/me/coach/reminders", {"coach_offsets": [60]})
    assert answer.status_code == 404
    assert not ReminderSchedule.objects.exists()
