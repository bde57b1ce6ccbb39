"""WebSocket, SSE and long-poll serve one stream with the same semantics: in order, once each,
resumable after a disconnect, only to its owner.

Transports run in-process through the real ASGI application (channels' communicator for the
WebSocket, a minimal ASGI driver for SSE, Django's async client for long-poll), on a
transactional database so their threads see the events.
"""

import asyncio
import json
from collections.abc import Callable

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.db import connection
from django.test import AsyncClient, Client

from tandem.accounts.services import api_token_create
from tandem.asgi import application
from tandem.core.tests.test_consumers import ORIGIN, run
from tandem.realtime.tests.conftest import publish

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 10  # a deadline for each wait, not a timing assertion
BURST = 1000


@pytest.fixture(autouse=True)
def _no_stray_heartbeats(settings):
    # A socket's first heartbeat falls at a random point of the interval; one arriving while
    # a test asserts "nothing was sent" would be a false failure. The heartbeat test below
    # sets its own short interval.
    settings.TANDEM_EVENTS_HEARTBEAT_SECONDS = 3600


def token_for(user) -> str:
    return api_token_create(user=user, name="events")[1]


def bearer(token: str) -> list[tuple[bytes, bytes]]:
    return [(b"authorization", f"Bearer {token}".encode())]


# --- WebSocket ------------------------------------------------------------------------------


async def socket(token: str, query: str = "", headers=ORIGIN) -> WebsocketCommunicator:
    path = "/ws/events" + (f"?{query}" if query else "")
    return WebsocketCommunicator(application, path, headers=[*headers, *bearer(token)])


async def frames_until(ws: WebsocketCommunicator, done: Callable[[dict], bool]) -> list[dict]:
    frames = []
    while True:
        frame = await ws.receive_json_from(timeout=TIMEOUT)
        frames.append(frame)
        if done(frame):
            return frames


def seqs(frames: list[dict]) -> list[int]:
    return [f["event"]["seq"] for f in frames if f["type"] == "event"]


def test_websocket_resumes_a_burst_of_1000_with_none_lost_or_repeated(bob):
    token = token_for(bob)
    publish([bob.pk], 5)

    async def scenario() -> None:
        ws = await socket(token, "after=0")
        assert (await ws.connect(timeout=TIMEOUT))[0]
        frames = await frames_until(ws, lambda f: f["type"] == "ready")
        assert seqs(frames) == [1, 2, 3, 4, 5] and frames[-1]["last_seq"] == 5
        await ws.disconnect()
        await database_sync_to_async(publish)([bob.pk], BURST)  # while away
        ws = await socket(token, "after=5")
        assert (await ws.connect(timeout=TIMEOUT))[0]
        frames = await frames_until(ws, lambda f: f["type"] == "ready")
        assert seqs(frames) == list(range(6, 6 + BURST))
        # Live again: a new event arrives through the channel layer's wake-up.
        await database_sync_to_async(publish)([bob.pk], 1, "booking.changed")
        frame = await ws.receive_json_from(timeout=TIMEOUT)
        assert frame["event"]["seq"] == 6 + BURST and frame["event"]["kind"] == "booking.changed"
        await ws.disconnect()

    run(scenario())


def test_websocket_refuses_strangers_foreign_origins_and_old_points(bob, charlie):
    bob_token, charlie_token = token_for(bob), token_for(charlie)
    publish([bob.pk], 3)

    async def scenario() -> None:
        anonymous = WebsocketCommunicator(application, "/ws/events", headers=ORIGIN)
        assert not (await anonymous.connect(timeout=TIMEOUT))[0]
        foreign = await socket(bob_token, headers=[(b"origin", b"https://evil.example")])
        assert not (await foreign.connect(timeout=TIMEOUT))[0]
        bad = await socket(bob_token, "after=-1")
        assert not (await bad.connect(timeout=TIMEOUT))[0]
        # Charlie's socket sees his own (empty) stream, never Bob's events.
        ws = await socket(charlie_token, "after=0")
        assert (await ws.connect(timeout=TIMEOUT))[0]
        assert await ws.receive_json_from(timeout=TIMEOUT) == {"type": "ready", "last_seq": 0}
        await database_sync_to_async(publish)([bob.pk], 2)
        assert await ws.receive_nothing(timeout=0.5)
        await ws.disconnect()
        # A point beyond Bob's stream is answered with resync_required, then the close.
        ws = await socket(bob_token, "after=99")
        assert (await ws.connect(timeout=TIMEOUT))[0]
        frame = await ws.receive_json_from(timeout=TIMEOUT)
        assert frame["error"]["code"] == "resync_required"
        assert (await ws.receive_output(timeout=TIMEOUT))["type"] == "websocket.close"

    run(scenario())


# --- Server-Sent Events ---------------------------------------------------------------------


async def sse(token: str, *, until: Callable[[list[dict]], bool], **headers: str) -> tuple:
    """Drive the ASGI app for one SSE request; disconnect once `until(events)` holds."""
    query = headers.pop("query", "")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/events/stream",
        "raw_path": b"/api/v1/events/stream",
        "query_string": query.encode(),
        "root_path": "",
        "headers": [
            (b"host", b"127.0.0.1"),
            *bearer(token),
            *[(k.lower().replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    start: dict = {}
    buffer = ""
    events: list[dict] = []
    enough = asyncio.Event()
    requested = False

    async def receive() -> dict:
        nonlocal requested
        if not requested:
            requested = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await enough.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        nonlocal buffer
        if message["type"] == "http.response.start":
            start.update(message)
            if message["status"] != 200:
                enough.set()
            return
        buffer += message.get("body", b"").decode()
        while "\n\n" in buffer:
            block, buffer = buffer.split("\n\n", 1)
            fields = dict(
                line.split(": ", 1) for line in block.split("\n") if ": " in line and line[0] != ":"
            )
            if "data" in fields:
                events.append({"event": fields.get("event"), "id": fields.get("id"), **fields})
        if until(events) or not message.get("more_body", False):
            enough.set()

    await asyncio.wait_for(application(scope, receive, send), TIMEOUT * 3)
    return start.get("status"), events, buffer


def event_seqs(events: list[dict]) -> list[int]:
    return [json.loads(e["data"])["seq"] for e in events if e.get("id")]


def test_sse_resumes_a_burst_of_1000_after_last_event_id(bob):
    token = token_for(bob)
    publish([bob.pk], 3)

    async def scenario() -> None:
        status, events, _ = await sse(token, query="after=0", until=lambda ev: len(ev) >= 3)
        assert status == 200 and event_seqs(events) == [1, 2, 3]
        await database_sync_to_async(publish)([bob.pk], BURST)
        status, events, _ = await sse(token, Last_Event_ID="3", until=lambda ev: len(ev) >= BURST)
        assert event_seqs(events) == list(range(4, 4 + BURST))
        assert {e["event"] for e in events} == {"test.tick"}

    run(scenario())


def test_sse_answers_410_for_an_old_point_and_401_without_credentials(bob):
    token = token_for(bob)

    async def scenario() -> None:
        status, _, _ = await sse(token, Last_Event_ID="7", until=lambda ev: True)
        assert status == 410

    run(scenario())
    response = Client().get("/api/v1/events/stream")
    assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"


# --- long-poll ------------------------------------------------------------------------------


def test_long_poll_resumes_a_burst_of_1000_in_pages(bob):
    token = token_for(bob)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    start = client.get("/api/v1/events").json()
    assert start == {"events": [], "last_seq": 0, "more": False}
    publish([bob.pk], BURST)
    got, after = [], 0
    while True:
        body = client.get("/api/v1/events", {"after": after, "timeout": 0}).json()
        got += [e["seq"] for e in body["events"]]
        after = body["last_seq"]
        if not body["more"]:
            break
    assert got == list(range(1, BURST + 1))


def publish_and_close(user_ids: list[int], count: int) -> None:
    try:
        publish(user_ids, count)
    finally:
        connection.close()


def test_long_poll_waits_for_the_next_event(bob):
    token = token_for(bob)
    publish([bob.pk], 2)

    async def scenario() -> None:
        # Per request: AsyncClient(headers=...) does not reach the ASGI scope in Django 5.2.
        waiting = asyncio.ensure_future(
            AsyncClient().get(
                "/api/v1/events",
                {"after": 2, "timeout": 8},
                headers={"Authorization": f"Bearer {token}"},
            )
        )
        await asyncio.sleep(0.3)
        assert not waiting.done()
        # From another thread: the waiting request holds the test client's one sync thread.
        await sync_to_async(publish_and_close, thread_sensitive=False)([bob.pk], 1)
        response = await asyncio.wait_for(waiting, TIMEOUT)
        assert [e["seq"] for e in response.json()["events"]] == [3]

    run(scenario())


def test_long_poll_refuses_bad_input_strangers_and_old_points(bob, charlie):
    publish([bob.pk], 2)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(bob)}")
    for query in ({"after": "x"}, {"after": "-1"}, {"after": "1\x00"}, {"timeout": "nan"}):
        response = client.get("/api/v1/events", query)
        assert response.status_code == 400 and response.json()["error"]["code"] == "invalid"
    response = client.get("/api/v1/events", {"after": 5, "timeout": 0})
    assert response.status_code == 410
    assert response.json()["error"]["code"] == "resync_required"
    assert Client().get("/api/v1/events").status_code == 401
    assert client.post("/api/v1/events").status_code == 405
    charlie_client = Client(HTTP_AUTHORIZATION=f"Bearer {token_for(charlie)}")
    assert charlie_client.get("/api/v1/events", {"after": 0, "timeout": 0}).json()["events"] == []


def test_signals_reach_open_sockets_only_and_presence_follows_the_socket(bob, charlie):
    from tandem.realtime.models import Event
    from tandem.realtime.presence import presence_of
    from tandem.realtime.signals import asend_signal

    token = token_for(bob)
    state = database_sync_to_async(lambda: presence_of([bob.pk])[bob.pk])

    async def scenario() -> None:
        assert (await state()).state == "offline"
        ws = await socket(token, "after=0")
        assert (await ws.connect(timeout=TIMEOUT))[0]
        await ws.receive_json_from(timeout=TIMEOUT)  # ready
        assert (await state()).state == "online"
        await asend_signal([bob.pk], "typing", {"conversation": "c1"})
        assert await ws.receive_json_from(timeout=TIMEOUT) == {
            "type": "signal",
            "signal": {"kind": "typing", "data": {"conversation": "c1"}},
        }
        await asend_signal([charlie.pk], "typing", {"conversation": "c2"})
        assert await ws.receive_nothing(timeout=0.3)
        await ws.send_json_to({"type": "presence", "state": "away"})
        await ws.send_json_to({"type": "ping"})
        assert await ws.receive_json_from(timeout=TIMEOUT) == {"type": "pong"}
        assert (await state()).state == "away"
        await ws.disconnect()
        assert (await state()).last_seen is not None

    run(scenario())
    assert not Event.objects.exists()  # signals are never stored


def test_websocket_heartbeats_on_an_idle_socket_and_re_reads_the_stream(bob, settings):
    settings.TANDEM_EVENTS_HEARTBEAT_SECONDS = 0.2
    token = token_for(bob)

    async def scenario() -> None:
        ws = await socket(token, "after=0")
        assert (await ws.connect(timeout=TIMEOUT))[0]
        assert await ws.receive_json_from(timeout=TIMEOUT) == {"type": "ready", "last_seq": 0}
        assert await ws.receive_json_from(timeout=TIMEOUT) == {"type": "heartbeat"}
        assert await ws.receive_json_from(timeout=TIMEOUT) == {"type": "heartbeat"}
        await ws.disconnect()

    run(scenario())
