"""The /ws/health WebSocket: ASGI, the Origin check and a round trip through the channel layer.

pytest-asyncio is not used: each test runs its coroutine with asyncio.run.
"""

import asyncio
import os
from typing import ClassVar

import pytest
from channels.layers import channel_layers, get_channel_layer
from channels.testing import WebsocketCommunicator

from tandem.asgi import application
from tandem.core.consumers import MAX_FRAME_CHARS, HealthConsumer
from tandem.core.links import site_origin

# Channels' dispatch closes stale database connections in asgiref's shared sync thread, and
# earlier tests of the session may have left one there: allow it database access.
pytestmark = pytest.mark.django_db

# A page of the site itself (scheme, host and port of TANDEM_SITE_URL).
ORIGIN = [(b"origin", site_origin().encode())]
TIMEOUT = 5  # seconds to wait for an answer (a deadline, not a timing assertion)


def run(coroutine):
    """Run one test's scenario in a fresh event loop, with a fresh channel layer.

    A channel layer belongs to the event loop that used it (the Redis layer keeps locks and
    connection pools per loop), and each asyncio.run makes a new loop.
    """

    async def scenario():
        try:
            return await coroutine
        finally:
            close_pools = getattr(get_channel_layer(), "close_pools", None)
            if close_pools is not None:
                await close_pools()

    channel_layers.backends.clear()
    try:
        return asyncio.run(scenario())
    finally:
        channel_layers.backends.clear()


async def connected(headers: list[tuple[bytes, bytes]] = ORIGIN) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(application, "/ws/health", headers=headers)
    accepted, _ = await communicator.connect(timeout=TIMEOUT)
    assert accepted
    return communicator


def test_the_configured_channel_layer_is_in_use():
    layer = get_channel_layer()
    expected = "PubSubChannelLayer" if os.environ.get("REDIS_URL") else "InMemoryChannelLayer"
    assert type(layer).__name__ == expected


def test_a_ping_comes_back_as_a_pong_through_the_channel_layer():
    async def scenario() -> None:
        ws = await connected()
        try:
            await ws.send_json_to({"ping": {"n": 1, "text": "héllo"}})
            assert await ws.receive_json_from(timeout=TIMEOUT) == {
                "pong": {"n": 1, "text": "héllo"}
            }
            await ws.send_json_to({"ping": 2})
            assert await ws.receive_json_from(timeout=TIMEOUT) == {"pong": 2}
        finally:
            await ws.disconnect()

    run(scenario())


class RecordingHealthConsumer(HealthConsumer):
    """The real consumer, telling the test which channel it listens on."""

    channel_names: ClassVar[list[str]] = []

    async def connect(self) -> None:
        self.channel_names.append(self.channel_name)
        await super().connect()


def test_the_consumer_listens_on_the_configured_channel_layer():
    # A message sent on the layer (in-memory, or Redis) to the consumer's channel comes out
    # of the socket: the pong really travels through the layer.
    async def scenario() -> None:
        RecordingHealthConsumer.channel_names.clear()
        ws = WebsocketCommunicator(RecordingHealthConsumer.as_asgi(), "/ws/health")
        accepted, _ = await ws.connect(timeout=TIMEOUT)
        assert accepted
        try:
            (channel,) = RecordingHealthConsumer.channel_names
            await get_channel_layer().send(
                channel, {"type": "health.pong", "value": "sent on the layer"}
            )
            assert await ws.receive_json_from(timeout=TIMEOUT) == {"pong": "sent on the layer"}
        finally:
            await ws.disconnect()

    run(scenario())


def test_a_message_without_ping_gets_an_error_object():
    async def scenario() -> None:
        ws = await connected()
        try:
            for message in ({"pong": 1}, {}, [1, 2], "ping", 5, None):
                await ws.send_json_to(message)
                answer = await ws.receive_json_from(timeout=TIMEOUT)
                assert answer["error"]["code"] == "invalid", message
            # the socket still works afterwards
            await ws.send_json_to({"ping": "still here"})
            assert await ws.receive_json_from(timeout=TIMEOUT) == {"pong": "still here"}
        finally:
            await ws.disconnect()

    run(scenario())


def test_malformed_frames_get_an_error_object_and_the_socket_survives():
    frames = [
        {"text_data": "{not json"},
        {"text_data": " "},
        {"text_data": "[" * 100_000},
        {"text_data": '{"ping": "' + "x" * MAX_FRAME_CHARS + '"}'},
        {"bytes_data": b'{"ping": 1}'},
    ]

    async def scenario() -> None:
        ws = await connected()
        try:
            for frame in frames:
                await ws.send_to(**frame)
                answer = await ws.receive_json_from(timeout=TIMEOUT)
                assert answer["error"]["code"] == "invalid", frame
            # an empty text frame (the test communicator refuses to send one itself)
            await ws.send_input({"type": "websocket.receive", "text": ""})
            answer = await ws.receive_json_from(timeout=TIMEOUT)
            assert answer["error"]["code"] == "invalid"
            await ws.send_json_to({"ping": "still here"})
            assert await ws.receive_json_from(timeout=TIMEOUT) == {"pong": "still here"}
        finally:
            await ws.disconnect()

    run(scenario())


def test_a_connection_without_an_allowed_origin_is_rejected():
    async def scenario() -> None:
        for headers in ([], [(b"origin", b"http://evil.example")], [(b"origin", b"null")]):
            communicator = WebsocketCommunicator(application, "/ws/health", headers=headers)
            accepted, _ = await communicator.connect(timeout=TIMEOUT)
            assert not accepted, headers
            communicator.stop()  # the app refused; nothing left to wait for

    run(scenario())


def origin_accepted(origin: str) -> bool:
    async def scenario() -> bool:
        headers = [(b"origin", origin.encode())]
        communicator = WebsocketCommunicator(application, "/ws/health", headers=headers)
        accepted, _ = await communicator.connect(timeout=TIMEOUT)
        if accepted:
            await communicator.disconnect()
        else:
            communicator.stop()
        return accepted

    return run(scenario())


@pytest.mark.parametrize(
    "origin",
    [
        "http://127.0.0.1:9999",  # another local web app: same host, another port
        "http://localhost:1234",
        "https://tandem.example:8201",  # the site's host and port, another scheme
        "http://tandem.example",  # the site's host, the default port
        "http://tandem.example.evil:8201",
        "http://evil.example",
    ],
)
def test_other_origins_cannot_open_a_websocket(origin, settings):
    settings.TANDEM_SITE_URL = "http://tandem.example:8201"
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.tandem.example"]
    assert not origin_accepted(origin)


@pytest.mark.parametrize(
    "origin", ["http://tandem.example:8201", "https://app.tandem.example", "https://x.proxy.test"]
)
def test_the_sites_own_origins_open_a_websocket(origin, settings):
    settings.TANDEM_SITE_URL = "http://tandem.example:8201/"
    settings.CSRF_TRUSTED_ORIGINS = ["https://app.tandem.example", "https://*.proxy.test"]
    assert origin_accepted(origin)


def test_a_site_on_this_machine_is_its_own_origin_under_each_loopback_name(settings):
    settings.TANDEM_SITE_URL = "http://127.0.0.1:8201"
    settings.CSRF_TRUSTED_ORIGINS = []
    for origin in ("http://127.0.0.1:8201", "http://localhost:8201", "http://[::1]:8201"):
        assert origin_accepted(origin), origin
    for origin in ("http://localhost:1234", "http://127.0.0.1:9999", "https://localhost:8201"):
        assert not origin_accepted(origin), origin
