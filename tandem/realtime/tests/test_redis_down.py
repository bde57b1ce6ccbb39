"""Redis down: the event transports serve what the database has; presence fails soft.

Each test points the cache and the channel layer at a closed local port (the connection is
refused at once) through override_settings, whose setting_changed signal makes Django drop
its cache connections and channels its layers; both come back when the test ends. So these
run the same in either CI phase (in-memory defaults, or the shared Redis).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import AsyncClient, override_settings

from tandem.accounts.services import api_token_create
from tandem.realtime.presence import gone, presence_of, seen
from tandem.realtime.services import position
from tandem.realtime.tests.conftest import publish

pytestmark = pytest.mark.django_db(transaction=True)

DEAD_REDIS = "redis://127.0.0.1:1/0"  # port 1: nothing listens, the connect is refused
TIMEOUT = 10  # a deadline for each wait, not a timing assertion


@pytest.fixture
def redis_down(settings) -> Iterator[None]:
    """The production backends (settings.py), on a Redis nobody answers at."""
    settings.TANDEM_EVENTS_HEARTBEAT_SECONDS = 3600  # no heartbeat inside a test
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": DEAD_REDIS,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    layers = {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": DEAD_REDIS, "socket_connect_timeout": 1}]},
        }
    }
    with override_settings(CACHES=caches, CHANNEL_LAYERS=layers):
        yield


def bearer(user) -> str:
    return f"Bearer {api_token_create(user=user, name='events')[1]}"


async def long_poll(token: str, *, after: int, timeout: float) -> Any:
    # Per request: AsyncClient(headers=...) does not reach the ASGI scope in Django 5.2.
    query = {"after": str(after), "timeout": str(timeout)}
    return await AsyncClient().get("/api/v1/events", query, headers={"Authorization": token})


def test_presence_reads_offline_and_marks_are_skipped(redis_down, alice, caplog):
    with caplog.at_level(logging.WARNING, logger="tandem.realtime.degraded"):
        seen(alice.pk, away=True)
        gone(alice.pk)
        found = presence_of([alice.pk])
    assert found[alice.pk].state == "offline"
    assert found[alice.pk].last_seen is None
    assert [r.getMessage().split(":")[0] for r in caplog.records] == [
        "Redis unavailable, presence mark skipped",
        "Redis unavailable, presence last seen skipped",
        "Redis unavailable, presence read skipped",
    ]


def test_a_lost_wake_up_is_a_warning_after_the_commit(redis_down, bob, caplog):
    with caplog.at_level(logging.WARNING):
        publish([bob.pk], 2)
    assert position(bob.pk) == 2
    assert {r.levelname for r in caplog.records} == {"WARNING"}
    assert all(r.name == "tandem.realtime.degraded" for r in caplog.records)


def test_long_poll_returns_what_the_database_has(redis_down, bob):
    publish([bob.pk], 3)
    response = asyncio.run(long_poll(bearer(bob), after=1, timeout=5))
    assert response.status_code == 200, response.content
    body = response.json()
    assert [e["seq"] for e in body["events"]] == [2, 3]
    assert body["last_seq"] == 3


def test_long_poll_with_nothing_new_waits_on_the_database_and_returns(redis_down, bob):
    publish([bob.pk], 1)
    response = asyncio.run(long_poll(bearer(bob), after=1, timeout=0.1))
    assert response.status_code == 200, response.content
    assert response.json() == {"events": [], "last_seq": 1, "more": False}
