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
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.test import AsyncClient, override_settings
from redis.exceptions import ConnectionError as RedisConnectionError

from tandem.accounts.services import api_token_create
from tandem.asgi import application
from tandem.core.tests.test_consumers import ORIGIN, run
from tandem.realtime.degraded import QuietLayerOutage
from tandem.realtime.layers import PubSubChannelLayer, QueueChannelLayer
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
            "BACKEND": "tandem.realtime.layers.PubSubChannelLayer",
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


def test_a_websocket_opens_and_serves_the_database_while_redis_is_down(redis_down, bob, settings):
    settings.TANDEM_EVENTS_HEARTBEAT_SECONDS = 0.1
    publish([bob.pk], 2)
    token = bearer(bob).encode()

    async def scenario() -> None:
        headers = [*ORIGIN, (b"authorization", token)]
        ws = WebsocketCommunicator(application, "/ws/events?after=0", headers=headers)
        assert (await ws.connect(timeout=TIMEOUT))[0]  # channels' new_channel did not raise
        frames = [await ws.receive_json_from(timeout=TIMEOUT) for _ in range(3)]
        assert frames[2] == {"type": "ready", "last_seq": 2}
        await database_sync_to_async(publish)([bob.pk], 1)  # its wake-up is lost
        while (frame := await ws.receive_json_from(timeout=TIMEOUT))["type"] != "event":
            assert frame == {"type": "heartbeat"}
        assert frame["event"]["seq"] == 3  # read by a heartbeat
        await ws.disconnect()

    run(scenario())


@pytest.mark.parametrize("layer_class", [PubSubChannelLayer, QueueChannelLayer])
def test_the_layers_fail_soft_and_warn_once(layer_class, caplog):
    layer = layer_class(hosts=[{"address": DEAD_REDIS, "socket_connect_timeout": 1}])

    async def scenario() -> None:
        channel = await layer.new_channel()
        await layer.group_add("g", channel)
        await layer.send(channel, {"type": "x"})
        await layer.group_send("g", {"type": "x"})
        await layer.group_discard("g", channel)
        assert not layer.reachable
        # receive waits (retrying) instead of raising: only the timeout ends it
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(layer.receive(await layer.new_channel()), 0.3)
        if hasattr(layer, "close_pools"):
            await layer.close_pools()

    with caplog.at_level(logging.DEBUG, logger="tandem.realtime.degraded"):
        asyncio.run(scenario())
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith("Redis unavailable, channel layer")


def test_a_channel_made_while_redis_is_down_still_gets_what_this_process_sends_it():
    layer = PubSubChannelLayer(hosts=[{"address": DEAD_REDIS, "socket_connect_timeout": 1}])

    async def scenario() -> None:
        channel = await layer.new_channel()
        await layer.send(channel, {"type": "health.pong", "value": 1})
        assert await asyncio.wait_for(layer.receive(channel), TIMEOUT) == {
            "type": "health.pong",
            "value": 1,
        }

    asyncio.run(scenario())


def test_channels_redis_tracebacks_for_an_unreachable_redis_are_filtered():
    quiet = QuietLayerOutage()

    def record(exc: BaseException | None) -> logging.LogRecord:
        info = (type(exc), exc, None) if exc else None
        return logging.LogRecord("channels_redis.pubsub", logging.ERROR, "", 0, "x", (), info)

    assert not quiet.filter(record(RedisConnectionError("Error 111 connecting")))
    assert not quiet.filter(record(ConnectionRefusedError(111, "refused")))
    assert quiet.filter(record(ValueError("a bug")))
    assert quiet.filter(record(None))


def test_a_skipped_call_warns_once_a_minute_and_counts_the_rest(caplog):
    from tandem.realtime.degraded import WARN_EVERY_SECONDS, unavailable

    refused = ConnectionRefusedError(111, "Connection refused")
    with caplog.at_level(logging.DEBUG, logger="tandem.realtime.degraded"):
        unavailable("presence mark", refused, now=1000.0)
        for n in range(999):  # a thousand sockets' heartbeats
            unavailable("presence mark", refused, now=1000.0 + n / 100)
        unavailable("typing signal", refused, now=1005.0)  # another kind warns on its own
        unavailable("presence mark", refused, now=1000.0 + WARN_EVERY_SECONDS)
    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert warnings == [
        "Redis unavailable, presence mark skipped: ConnectionRefusedError: "
        "[Errno 111] Connection refused",
        "Redis unavailable, typing signal skipped: ConnectionRefusedError: "
        "[Errno 111] Connection refused",
        "Redis unavailable, presence mark skipped: ConnectionRefusedError: "
        "[Errno 111] Connection refused (999 more since the last warning)",
    ]
    assert sum(r.levelno == logging.DEBUG for r in caplog.records) == 999
