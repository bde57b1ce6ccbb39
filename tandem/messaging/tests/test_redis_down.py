"""Redis down: conversations are read from the database; typing fails soft (202, not sent).

The cache and channel layer point at a closed port for each test (realtime's `redis_down`
fixture: override_settings, so it runs the same in either CI phase)."""

from __future__ import annotations

import pytest

from tandem.realtime.tests.test_redis_down import redis_down

from .conftest import api_json

__all__ = ["redis_down"]

pytestmark = pytest.mark.django_db(transaction=True)


def test_conversation_list_is_served_from_the_database(redis_down, bob_api, conversation):
    response = api_json(bob_api, "get", "/conversations")
    assert response.status_code == 200, response.content
    items = response.json()["items"]
    assert [c["id"] for c in items] == [str(conversation.public_id)]
    other = next(p for p in items[0]["participants"] if p["presence"] is not None)
    assert other["presence"]["state"] == "offline"


def test_typing_is_accepted_but_not_sent(redis_down, bob_api, conversation):
    response = api_json(bob_api, "post", f"/conversations/{conversation.public_id}/typing")
    assert response.status_code == 202, response.content
    assert response.json() == {"sent": False}
