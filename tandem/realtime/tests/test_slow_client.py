"""A WebSocket client that stops reading: the consumer keeps draining its wake-ups, drops
ephemeral signals, and drops the client once a frame has waited too long (close 4408).

The consumer runs as a plain ASGI app here, with a `send` that behaves as uvicorn's does when
the socket's buffers are full: it does not return until the client makes room (the test
opens the gate), and a send cancelled while waiting has written nothing. With
TANDEM_EVENTS_SEND_TIMEOUT_SECONDS = 0 a frame that cannot go out at once is too late, so the
drop needs no clock; each wait has a deadline, no test sleeps to synchronise.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer

from tandem.accounts.services import api_token_create
from tandem.core.tests.test_consumers import ORIGIN, run
from tandem.realtime.consumers import CLOSE_TOO_SLOW, EventsConsumer
from tandem.realtime.services import group_name
from tandem.realtime.signals import asend_signal
from tandem.realtime.tests.conftest import publish
from tandem.realtime.wakeups import Wakeups

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10  # a deadline for each wait, not a timing assertion


@pytest.fixture(autouse=True)
def _no_stray_heartbeats(settings):
    settings.TANDEM_EVENTS_HEARTBEAT_SECONDS = 3600


@pytest.fixture(autouse=True)
def _inspectable_layer(settings):
    """The in-memory layer on both CI runs: these tests look into its groups and queues. The
    Redis layers' side (the pub/sub queue drained by a socket that stops reading) is what
    test_fault_slow_clients.py measures on a real server."""
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


class Client:
    """The ASGI side of one socket: what the consumer sent, and a gate that, once closed,
    holds every further frame back as a client that does not read does."""

    def __init__(self) -> None:
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.incoming.put_nowait({"type": "websocket.connect"})
        self.sent: list[dict[str, Any]] = []
        self.attempts: list[dict[str, Any]] = []
        self.room = asyncio.Event()
        self.room.set()

    async def receive(self) -> dict[str, Any]:
        return await self.incoming.get()

    async def send(self, message: dict[str, Any]) -> None:
        self.attempts.append(message)
        await self.room.wait()  # uvicorn waits like this while the socket is not writable
        self.sent.append(message)

    def frames(self) -> list[dict[str, Any]]:
        return [json.loads(m["text"]) for m in self.sent if m["type"] == "websocket.send"]


def scope(user) -> dict[str, Any]:
    token = api_token_create(user=user, name="events")[1]
    headers = [*ORIGIN, (b"authorization", f"Bearer {token}".encode())]
    return {"type": "websocket", "path": "/ws/events", "query_string": b"", "headers": headers}


def drained(layer: Any, channel: str) -> bool:
    """Nothing waits on `channel`. The in-memory layer forgets a channel once a receive
    empties its queue, so a channel that is gone is drained too (reading its queue then
    raised KeyError: a flaky test, depending on who ran first)."""
    return channel not in layer.channels or layer.channels[channel].empty()


async def until(condition, what: str) -> None:
    try:
        async with asyncio.timeout(TIMEOUT):
            while not condition():
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"gave up waiting: {what}") from None


def test_a_client_that_leaves_a_frame_unread_is_dropped(bob, settings, caplog):
    settings.TANDEM_EVENTS_SEND_TIMEOUT_SECONDS = 0  # a frame that cannot go out now is late
    socket_scope = scope(bob)

    async def scenario() -> None:
        client = Client()
        app = asyncio.create_task(
            EventsConsumer.as_asgi()(socket_scope, client.receive, client.send)
        )
        await until(lambda: any(f["type"] == "ready" for f in client.frames()), "ready")
        layer = get_channel_layer()
        assert layer.groups.get(group_name(bob.pk))
        client.room.clear()  # the client stops reading
        await database_sync_to_async(publish)([bob.pk], 1)
        # The consumer gives up on the frame, tries to close, and ends by itself.
        async with asyncio.timeout(TIMEOUT):
            await app
        closes = [m for m in client.attempts if m["type"] == "websocket.close"]
        assert closes == [{"type": "websocket.close", "code": CLOSE_TOO_SLOW}]
        # Neither the event nor the close got through (there was no room), and the socket
        # left its group: no more wake-ups are queued for it.
        assert [f["type"] for f in client.frames()] == ["ready"]
        assert client.sent[-1]["type"] == "websocket.send"
        assert not layer.groups.get(group_name(bob.pk))

    with caplog.at_level(logging.WARNING, logger="tandem.realtime.consumers"):
        run(scenario())
    assert (
        f"dropped: a frame waited 0 s for the client (close {CLOSE_TOO_SLOW} not sent"
        in caplog.text
    )


def test_while_a_frame_waits_wake_ups_are_drained_and_signals_dropped(bob, settings):
    settings.TANDEM_EVENTS_SEND_TIMEOUT_SECONDS = 3600  # slow, but not too slow: no drop
    socket_scope = scope(bob)

    async def scenario() -> None:
        client = Client()
        app = asyncio.create_task(
            EventsConsumer.as_asgi()(socket_scope, client.receive, client.send)
        )
        await until(lambda: any(f["type"] == "ready" for f in client.frames()), "ready")
        layer = get_channel_layer()
        (channel,) = [name for name in layer.channels if not name.startswith("events.")]
        client.room.clear()
        await database_sync_to_async(publish)([bob.pk], 1)
        await until(lambda: len(client.attempts) > len(client.sent), "the first event waits")
        # 50 more wake-ups and a signal while that frame waits: the consumer takes them all
        # off its channel at once (its queue would otherwise grow with every one) and tries
        # to send nothing more: the signal is dropped, the events stay in the database.
        await database_sync_to_async(publish)([bob.pk], 50)
        await asend_signal([bob.pk], "typing", {"conversation": "c1"})
        await until(lambda: drained(layer, channel), "the wake-ups are drained")
        waiting = len(client.attempts)
        assert waiting == len(client.sent) + 1
        # The client reads again: every event, in order, once; no signal.
        client.room.set()
        await until(
            lambda: (
                [f["event"]["seq"] for f in client.frames() if f["type"] == "event"][-1:] == [51]
            ),
            "all 51 events",
        )
        events = [f["event"]["seq"] for f in client.frames() if f["type"] == "event"]
        assert events == list(range(1, 52))
        assert not [f for f in client.frames() if f["type"] == "signal"]
        client.incoming.put_nowait({"type": "websocket.disconnect", "code": 1000})
        async with asyncio.timeout(TIMEOUT):
            await app

    run(scenario())


def test_a_busy_stream_s_wake_ups_are_drained_and_coalesced(bob):
    """SSE and long-poll wait through Wakeups; while the stream is busy writing to a slow
    client, the wake-ups must not pile up in the layer: one waits, without its event."""

    async def scenario() -> None:
        layer = get_channel_layer()
        async with Wakeups(bob.pk) as wakeups:
            assert wakeups.channel is not None
            group = group_name(bob.pk)
            await layer.group_send(group, {"type": "events.wake", "event": {"seq": 1}})
            await until(lambda: wakeups.arrived.is_set(), "the first wake-up")
            for seq in range(2, 52):  # the stream is busy: nobody waits
                await layer.group_send(group, {"type": "events.wake", "event": {"seq": seq}})
            await until(lambda: drained(layer, wakeups.channel), "drained")
            assert await wakeups.wait(TIMEOUT) == {"type": "events.wake"}  # read the database
            assert await wakeups.wait(0) is None
            await layer.group_send(group, {"type": "events.wake", "event": {"seq": 52}})
            assert await wakeups.wait(TIMEOUT) == {"type": "events.wake", "event": {"seq": 52}}
        assert wakeups.draining is None and not layer.groups.get(group_name(bob.pk))

    run(scenario())
