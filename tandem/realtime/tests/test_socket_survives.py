"""A Redis blip must not end a WebSocket's heartbeat, skip its cleanup or fail its handshake.

The channel layer and the cache here are in-memory ones that raise on demand, as a Redis
going away would: the layer raises redis-py's ConnectionError (what degraded.UNAVAILABLE
names), the cache a ReadOnlyError (what a client left on a replica after a failover gets, which
presence does not catch) — the consumer must survive both. The heartbeat is short; each wait
has a deadline, no test sleeps to synchronise.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import pytest
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.core.cache.backends.locmem import LocMemCache
from django.test import override_settings
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ReadOnlyError

from tandem.accounts.services import api_token_create
from tandem.core.tests.test_consumers import run
from tandem.realtime.consumers import EventsConsumer
from tandem.realtime.presence import presence_of
from tandem.realtime.services import group_name
from tandem.realtime.signals import asend_signal
from tandem.realtime.tests.conftest import publish

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10  # a deadline for each wait, not a timing assertion
BEAT = 0.05


class Outage:
    """Whether the pretend Redis is down, and what was asked of it meanwhile."""

    down = False
    calls: ClassVar[list[str]] = []


class FlakyLayer(InMemoryChannelLayer):
    async def group_add(self, group: str, channel: str) -> None:
        Outage.calls.append("group_add")
        if Outage.down:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Refused.")
        await super().group_add(group, channel)

    async def group_discard(self, group: str, channel: str) -> None:
        Outage.calls.append("group_discard")
        if Outage.down:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Refused.")
        await super().group_discard(group, channel)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        if Outage.down:
            raise RedisConnectionError("Error 111 connecting to 127.0.0.1:6379. Refused.")
        await super().group_send(group, message)


class FlakyCache(LocMemCache):
    def set(self, key: Any, *args: Any, **kwargs: Any) -> None:
        Outage.calls.append(f"set {key}")
        if Outage.down:
            raise ReadOnlyError("You can't write against a read only replica.")
        super().set(key, *args, **kwargs)


class RecordingConsumer(EventsConsumer):
    instances: ClassVar[list[EventsConsumer]] = []

    async def connect(self) -> None:
        self.instances.append(self)
        await super().connect()


@pytest.fixture
def flaky(settings):
    settings.TANDEM_EVENTS_HEARTBEAT_SECONDS = BEAT
    Outage.down = False
    Outage.calls.clear()
    RecordingConsumer.instances.clear()
    here = f"{__name__}."
    caches = {"default": {"BACKEND": here + "FlakyCache", "LOCATION": "flaky"}}
    layers = {"default": {"BACKEND": here + "FlakyLayer"}}
    with override_settings(CACHES=caches, CHANNEL_LAYERS=layers):
        yield Outage
    Outage.down = False


def bearer(user) -> list[tuple[bytes, bytes]]:
    token = api_token_create(user=user, name="events")[1]
    return [(b"authorization", f"Bearer {token}".encode())]


async def frames_until(ws: WebsocketCommunicator, done) -> list[dict]:
    frames: list[dict] = []
    while not done(frames):
        frames.append(await ws.receive_json_from(timeout=TIMEOUT))
    return frames


def count(frames: list[dict], kind: str) -> int:
    return sum(1 for f in frames if f["type"] == kind)


async def until(condition, what: str) -> None:
    try:
        async with asyncio.timeout(TIMEOUT):
            while not await condition():
                await asyncio.sleep(BEAT)
    except TimeoutError:
        raise AssertionError(f"gave up waiting: {what}") from None


def test_the_heartbeat_survives_an_outage_and_repairs_presence_and_the_group(flaky, bob):
    headers = bearer(bob)
    state = database_sync_to_async(lambda: presence_of([bob.pk])[bob.pk].state)
    beats_before = "beats while Redis is down"

    async def scenario() -> None:
        ws = WebsocketCommunicator(RecordingConsumer.as_asgi(), "/ws/events?after=0", headers)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await frames_until(ws, lambda f: count(f, "ready"))
        assert await state() == "online"

        flaky.down = True
        flaky.calls.clear()
        # An event committed now: its wake-up is lost; the heartbeat reads it from the database.
        await database_sync_to_async(publish)([bob.pk], 1)
        frames = await frames_until(ws, lambda f: count(f, "event") and count(f, "heartbeat") > 2)
        assert [f["event"]["seq"] for f in frames if f["type"] == "event"] == [1], beats_before
        assert flaky.calls.count("group_add") >= 2  # each beat tried, none was fatal
        assert f"set presence:online:{bob.pk}" in flaky.calls

        # Redis "restarts" empty: the group and the presence mark are gone.
        get_channel_layer().groups.pop(group_name(bob.pk), None)
        await database_sync_to_async(cache.clear)()
        assert await state() == "offline"
        flaky.down = False

        await until(lambda: _is(state, "online"), "presence marked again after the outage")

        async def signalled() -> bool:
            await asend_signal([bob.pk], "typing", {"n": 1})
            frames = await frames_until(ws, lambda f: count(f, "heartbeat") or count(f, "signal"))
            return bool(count(frames, "signal"))

        await until(signalled, "the group is joined again: a signal reaches the socket")
        beating = RecordingConsumer.instances[0].beating
        assert beating is not None and not beating.done()
        await ws.disconnect()

    run(scenario())


async def _is(read, expected: str) -> bool:
    return bool(await read() == expected)


def test_cleanup_runs_every_step_while_redis_is_down(flaky, bob, settings):
    settings.TANDEM_EVENTS_HEARTBEAT_SECONDS = 3600  # the beat waits: only cleanup calls here
    headers = bearer(bob)

    async def scenario() -> None:
        ws = WebsocketCommunicator(RecordingConsumer.as_asgi(), "/ws/events?after=0", headers)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await frames_until(ws, lambda f: count(f, "ready"))
        flaky.down = True
        flaky.calls.clear()
        await ws.disconnect()  # returns once the consumer has finished
        (consumer,) = RecordingConsumer.instances
        assert consumer.beating is not None and consumer.beating.cancelled()
        # The group discard failed, and the last-seen mark was still attempted after it.
        assert flaky.calls == ["group_discard", f"set presence:last:{bob.pk}"]

    run(scenario())


def test_a_handshake_succeeds_while_the_layer_and_cache_fail(flaky, bob):
    headers = bearer(bob)
    publish([bob.pk], 2)
    flaky.down = True

    async def scenario() -> None:
        ws = WebsocketCommunicator(RecordingConsumer.as_asgi(), "/ws/events?after=0", headers)
        assert (await ws.connect(timeout=TIMEOUT))[0]
        frames = await frames_until(ws, lambda f: count(f, "ready"))
        assert [f["event"]["seq"] for f in frames if f["type"] == "event"] == [1, 2]
        await frames_until(ws, lambda f: count(f, "heartbeat") > 1)
        await ws.disconnect()

    run(scenario())
