"""Fault: Redis goes away under a live web node and comes back; its WebSockets carry on.

A real node — uvicorn serving tandem.asgi in a subprocess, a migrated SQLite file, the
project's channel layer and cache on a private Redis (`redis_instance`, never 6379) — with a
1 s heartbeat. Alice's and Charlie's sockets are open when Redis is killed. While it is down:
Alice's heartbeats keep coming, a message Bob sends reaches her (read from the database by a
heartbeat: its wake-up is lost), new handshakes succeed (a second one of Alice's, Bob's first),
and Charlie's socket closes. Redis comes back empty: Alice and Bob read online again, typing
signals (which travel only over the layer) reach all three open sockets both ways, Charlie
stays offline (his closed socket's heartbeat ended with it), and the node logged no error.
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Origin

from tandem.core.tests.instances import RedisInstance, free_port

pytestmark = pytest.mark.fault

BASE_DIR = Path(__file__).resolve().parents[3]
HEARTBEAT = 1  # seconds (TANDEM_EVENTS_HEARTBEAT_SECONDS is whole seconds)
DEADLINE = 15.0  # for each wait: a bound, not a timing assertion
T = TypeVar("T")

# The database migrated (in the same process: one start-up less), then Alice (a coach) with a
# booking and a conversation with each of Bob and Charlie; each has an API token.
SCENARIO = """
import json
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from allauth.account.models import EmailAddress
from tandem.accounts.models import CoachApplication, User
from tandem.accounts.services import api_token_create
from tandem.booking.tests.conftest import at, book_session, make_coach, make_type
from tandem.messaging import services

def person(email, name):
    user = User.objects.create_user(email=email, password=None, display_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user

alice, bob = person("alice@example.com", "Alice Adler"), person("bob@example.com", "Bob Brown")
charlie = person("charlie@example.com", "Charlie Chen")
CoachApplication.objects.create(user=alice, headline="Coach", status="approved")
coach = make_coach(alice, slug="alice")
kind = make_type(coach, price=0)
book_session(bob, coach, kind, at(3, 10))
book_session(charlie, coach, kind, at(4, 10))
with_bob, _ = services.conversation_start(user=bob, other_id=alice.public_id)
with_charlie, _ = services.conversation_start(user=charlie, other_id=alice.public_id)
print(json.dumps({
    **{u.display_name.split()[0].lower(): api_token_create(user=u, name="fault")[1]
       for u in (alice, bob, charlie)},
    "with_bob": str(with_bob.public_id),
    "with_charlie": str(with_charlie.public_id),
}))
"""


def wait_until(condition: Callable[[], T | None], what: str) -> T:
    """Poll `condition` until it returns something truthy; fail with `what` at the deadline."""
    end = time.monotonic() + DEADLINE
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.05)


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout


class Node:
    """The web node: the environment, the uvicorn process and an HTTP client on it."""

    def __init__(self, tmp_path: Path, redis: RedisInstance) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = tmp_path / "node.log"
        self.env = {
            k: v
            for k, v in os.environ.items()
            if k not in {"DATABASE_URL", "REDIS_URL", "TANDEM_ENV", "TANDEM_DEBUG"}
        }
        self.env.update(
            DJANGO_SETTINGS_MODULE="tandem.settings",
            TANDEM_VAR_DIR=str(tmp_path / "var"),
            DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}",
            REDIS_URL=redis.url(),
            CHANNEL_PREFIX=f"blip{uuid.uuid4().hex[:8]}",
            CACHE_KEY_PREFIX=f"blip{uuid.uuid4().hex[:8]}",
            TANDEM_EVENTS_HEARTBEAT_SECONDS=str(HEARTBEAT),
            TANDEM_SITE_URL=self.url,
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx.Client(base_url=self.url, trust_env=False, timeout=10)

    def start(self) -> None:
        command = [
            sys.executable, "-m", "uvicorn", "tandem.asgi:application", "--port",
            str(self.port), "--lifespan", "off", "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

        def answers() -> bool:
            assert self.process is not None and self.process.poll() is None, self.log()
            try:
                return self.http.get("/healthz").status_code in (200, 503)
            except httpx.TransportError:
                return False

        wait_until(answers, "the web node answers")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        self.http.close()
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)

    def socket(self, token: str) -> ClientConnection:
        return connect(
            f"ws://127.0.0.1:{self.port}/ws/events?after=0",
            origin=Origin(self.url),
            additional_headers={"Authorization": f"Bearer {token}"},
            open_timeout=10,
        )


@pytest.fixture
def node(tmp_path: Path, redis_instance: RedisInstance) -> Iterator[tuple[Node, dict[str, Any]]]:
    node = Node(tmp_path, redis_instance)
    data = json.loads(manage(node.env, "shell", "-c", SCENARIO).strip().splitlines()[-1])
    node.start()
    try:
        yield node, data
    finally:
        node.stop()


class Frames:
    """What one socket has received, read as it arrives."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.seen: list[dict[str, Any]] = []

    def until(self, done: Callable[[dict[str, Any]], bool], what: str) -> dict[str, Any]:
        end = time.monotonic() + DEADLINE
        while True:
            remaining = end - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"gave up waiting: {what}; got {self.seen[-5:]}")
            try:
                frame: dict[str, Any] = json.loads(self.ws.recv(timeout=remaining))
            except TimeoutError:
                continue
            self.seen.append(frame)
            if done(frame):
                return frame

    def heartbeats(self, count: int, what: str) -> None:
        for _ in range(count):
            self.until(lambda f: f["type"] == "heartbeat", what)


def presence(node: Node, token: str, conversation: str) -> dict[str, Any]:
    response = node.http.get(
        f"/api/v1/conversations/{conversation}", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200, response.text
    (other,) = response.json()["participants"]
    state: dict[str, Any] = other["presence"]
    return state


def test_websockets_ride_out_a_redis_blip(node, redis_instance: RedisInstance) -> None:
    node, data = node
    sockets = contextlib.ExitStack()
    with sockets:
        scenario(node, data, redis_instance, sockets)


def scenario(
    node: Node, data: dict[str, Any], redis_instance: RedisInstance, sockets: contextlib.ExitStack
) -> None:
    started = time.monotonic()
    with_bob, with_charlie = data["with_bob"], data["with_charlie"]

    def state(reader: str, conversation: str) -> str:
        return str(presence(node, data[reader], conversation)["state"])

    def socket(user: str) -> Frames:
        frames = Frames(sockets.enter_context(node.socket(data[user])))
        frames.until(lambda f: f["type"] == "ready", f"{user}'s socket is ready")
        return frames

    alice = socket("alice")
    charlie = socket("charlie")
    wait_until(lambda: state("bob", with_bob) == "online", "Alice reads online")
    assert state("alice", with_charlie) == "online"

    redis_instance.stop()
    down = time.monotonic()
    alice.heartbeats(3, "heartbeats while Redis is down")
    # A message while Redis is down: stored; its wake-up is lost, a heartbeat reads it.
    sent = node.http.post(
        f"/api/v1/conversations/{with_bob}/messages",
        data={"body": "Are you there?"},
        headers={"Authorization": f"Bearer {data['bob']}"},
    )
    assert sent.status_code == 201, sent.text
    event = alice.until(lambda f: f["type"] == "event", "the message's event, from the database")
    assert event["event"]["data"]["conversation"] == with_bob
    # New handshakes while Redis is down: a second socket of Alice's, and Bob's first (so
    # his group's subscription fails and only his heartbeat can make it again).
    alice_again = socket("alice")
    assert alice_again.seen[-1]["last_seq"] == event["event"]["seq"]
    bob = socket("bob")
    alice_again.heartbeats(2, "the new socket's heartbeats while Redis is down")
    # Charlie's only socket closes while Redis is down: its cleanup must not stall or leave
    # a heartbeat behind.
    charlie.ws.close()
    bob.heartbeats(1, "Bob's heartbeat while Redis is down")
    outage = time.monotonic() - down

    redis_instance.start()  # empty: no presence marks, no subscriptions
    back = time.monotonic()
    wait_until(lambda: state("bob", with_bob) == "online", "Alice reads online again")
    # And Bob, whose socket opened in the outage.
    wait_until(lambda: state("alice", with_bob) == "online", "Bob reads online again")
    online_after = time.monotonic() - back

    def typed(user: str) -> bool:
        typing = node.http.post(
            f"/api/v1/conversations/{with_bob}/typing",
            headers={"Authorization": f"Bearer {data[user]}"},
        )
        assert typing.status_code == 202, typing.text
        return bool(typing.json()["sent"])  # False: the typing rate limit (2 s)

    def signalled(frames: Frames) -> bool:
        return any(f["type"] == "signal" for f in frames.seen)

    def reached(frames: Frames) -> bool:
        """A signal came, or two heartbeats passed without one."""
        beats = 0

        def signal_or_two_beats(frame: dict[str, Any]) -> bool:
            nonlocal beats
            beats += frame["type"] == "heartbeat"
            return frame["type"] == "signal" or beats == 2

        if not signalled(frames):
            frames.until(signal_or_two_beats, "a signal or two heartbeats")
        return signalled(frames)

    # Signals travel over the layer only: Alice's sockets get Bob's through the pub/sub
    # connection's own re-subscription, Bob's gets Alice's through his re-added group.
    wait_until(
        lambda: typed("bob") and reached(alice) & reached(alice_again),
        "a typing signal reaches both of Alice's sockets over Redis",
    )
    wait_until(lambda: typed("alice") and reached(bob), "Alice's typing reaches Bob's socket")
    signals_after = time.monotonic() - back
    # Charlie's closed socket re-marks nobody: his mark went with the old Redis, stays gone.
    alice.heartbeats(2, "heartbeats after Redis is back")
    assert state("alice", with_charlie) == "offline"

    for frames in (alice, alice_again, bob):
        frames.ws.send(json.dumps({"type": "ping"}))
        frames.until(lambda f: f["type"] == "pong", "the socket is still open")
    alice.ws.close()
    with pytest.raises(ConnectionClosed):
        alice.ws.recv(timeout=1)
    # No socket step failed beyond the expected warnings, no request failed.
    log = node.log()
    for failure in ("WebSocket", "Exception in ASGI application", "Internal Server Error"):
        assert failure not in log, log
    print(
        f"outage {outage:.1f} s; after Redis was back: online {online_after:.1f} s, signals "
        f"{signals_after:.1f} s; scenario {time.monotonic() - started:.1f} s"
    )
