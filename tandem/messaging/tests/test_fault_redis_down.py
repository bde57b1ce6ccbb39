"""Redis down on a real web node: reads served from the database keep working, typing fails
soft, sending a message still works, and /healthz answers 503 naming Redis; once Redis is
back, /healthz is 200 and nothing fails (issue 16).

A uvicorn process on a temporary SQLite file, with REDIS_URL at a private Redis server
(`redis_instance`, never the shared 6379) that the test kills and starts again. Unit tests
of the same paths point the cache at a closed port (test_redis_down.py here and in realtime);
this is the whole node, with a Redis that was there and went away under it.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tandem.core.tests.webnode import WebNode, node_env, prepare_database, wait_until

pytestmark = pytest.mark.fault

DEADLINE = 15.0  # for each wait, not a timing assertion


@dataclass
class Outcome:
    name: str
    status: int | str  # the HTTP status, or the client's exception class name
    expected: int
    seconds: float
    body: str = ""

    @property
    def ok(self) -> bool:
        return self.status == self.expected


@dataclass
class Node:
    node: WebNode
    data: dict[str, Any]
    client: httpx.Client

    def call(
        self, name: str, method: str, path: str, *, expected: int = 200, as_user: str = "bob",
        **kwargs: Any,
    ) -> Outcome:  # fmt: skip
        headers = {"Authorization": f"Bearer {self.data[as_user]}"} if as_user else {}
        headers.update(kwargs.pop("headers", {}))
        started = time.monotonic()
        try:
            response = self.client.request(
                method, self.node.base_url + path, headers=headers, **kwargs
            )
        except httpx.HTTPError as error:
            return Outcome(name, type(error).__name__, expected, time.monotonic() - started)
        return Outcome(
            name, response.status_code, expected, time.monotonic() - started, response.text
        )

    def page(self, name: str, path: str) -> Outcome:
        cookie = {"Cookie": "=".join(self.data["session_cookie"])}
        return self.call(name, "GET", path, as_user="", headers=cookie)

    def sse(self) -> Outcome:
        """Open the event stream from the start; read until its `ready` frame, then close."""
        started = time.monotonic()
        url = f"{self.node.base_url}/api/v1/events/stream"
        headers = {"Authorization": f"Bearer {self.data['bob']}"}
        try:
            with self.client.stream("GET", url, headers=headers, timeout=DEADLINE) as response:
                text = ""
                if response.status_code == 200:
                    for chunk in response.iter_text():
                        text += chunk
                        if "event: ready" in text:
                            break
                elapsed = time.monotonic() - started
                status = response.status_code if "event: ready" in text else "no ready frame"
                return Outcome("sse stream", status, 200, elapsed, text)
        except httpx.HTTPError as error:
            return Outcome("sse stream", type(error).__name__, 200, time.monotonic() - started)

    def reads(self) -> list[Outcome]:
        """Everything a participant reads; each needs only the database."""
        conversation = self.data["conversation"]
        base = f"/api/v1/conversations/{conversation}"
        outcomes = [
            self.call("conversations", "GET", "/api/v1/conversations"),
            self.call("conversation", "GET", base),
            self.call("messages", "GET", f"{base}/messages"),
            self.call("unread", "GET", "/api/v1/conversations/unread"),
            self.call("events", "GET", "/api/v1/events", params={"after": "0", "timeout": "0"}),
        ]
        last_seq = json.loads(outcomes[-1].body)["last_seq"] if outcomes[-1].ok else 0
        outcomes += [
            # Nothing new: waits (on the database, with no wake-up to wait for) and returns.
            self.call(
                "long-poll",
                "GET",
                "/api/v1/events",
                params={"after": str(last_seq), "timeout": "1"},
            ),
            self.sse(),
            self.page("inbox page", "/messages/"),
            self.page("thread page", f"/messages/{conversation}/"),
            self.page("dashboard page", "/dashboard/"),
        ]
        return outcomes

    def writes(self, text: str) -> list[Outcome]:
        """Typing (ephemeral: accepted either way), sending and marking read (durable)."""
        base = f"/api/v1/conversations/{self.data['conversation']}"
        return [
            self.call("typing", "POST", f"{base}/typing", expected=202),
            self.call("send", "POST", f"{base}/messages", expected=201, data={"body": text}),
            self.call("read", "POST", f"{base}/read", as_user="alice", json={}),
        ]

    def alice_sees(self, text: str) -> bool:
        """Alice's reads (the database is the truth) show the message Bob sent."""
        base = f"/api/v1/conversations/{self.data['conversation']}"
        messages = self.call("alice messages", "GET", f"{base}/messages", as_user="alice")
        events = self.call(
            "alice events",
            "GET",
            "/api/v1/events",
            as_user="alice",
            params={"after": "0", "timeout": "0"},
        )
        return (
            messages.ok
            and any(m["body"] == text for m in json.loads(messages.body)["items"])
            and events.ok
            and any(e["kind"] == "message.created" for e in json.loads(events.body)["events"])
        )

    def health(self) -> tuple[int, dict[str, Any]]:
        response = self.client.get(self.node.base_url + "/healthz")
        return response.status_code, response.json()


@pytest.fixture
def node(redis_instance, tmp_path: Path) -> Iterator[Node]:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    env = node_env(tmp_path, redis_url=redis_instance.url())
    web = WebNode(env, tmp_path / "node.log")
    web.launch()  # starting while the database is migrated
    try:
        data = prepare_database(env)
        web.wait_ready()
        with httpx.Client(trust_env=False, timeout=DEADLINE) as client:
            yield Node(web, data, client)
    finally:
        web.stop()
        print(f"--- node log (tail) ---\n{web.log()[-4000:]}")


def report(label: str, outcomes: list[Outcome]) -> list[Outcome]:
    bad = [o for o in outcomes if not o.ok]
    print(
        f"{label}: {len(outcomes)} requests, {len(bad)} failed; "
        + ", ".join(f"{o.name} {o.status} ({o.seconds:.2f}s)" for o in outcomes)
    )
    return bad


def test_reads_work_and_healthz_says_503_while_redis_is_down(redis_instance, node):
    assert node.health()[0] == 200
    assert report("Redis up", node.reads() + node.writes("before")) == []

    redis_instance.stop()
    status, body = node.health()
    print(f"/healthz with Redis down: {status} {body['checks']['redis']}")
    assert status == 503
    assert body["status"] == "down"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["database"]["ok"] is True
    down = node.reads() + node.writes("while Redis is down")
    assert report("Redis down", down) == []
    typing = next(o for o in down if o.name == "typing")
    assert json.loads(typing.body) == {"sent": False}  # the degraded answer: nothing sent
    assert node.alice_sees("while Redis is down")  # the wake-up was lost, not the message

    redis_instance.start()
    # At once (the node may not have reconnected yet), then once /healthz says it has.
    assert report("Redis just back", node.reads() + node.writes("as Redis comes back")) == []
    wait_until(lambda: node.health()[0] == 200, deadline=DEADLINE, what="/healthz 200 again")
    after = node.reads() + node.writes("after Redis is back")
    assert report("Redis back, /healthz 200", after) == []
    assert node.alice_sees("as Redis comes back")
    assert node.alice_sees("after Redis is back")
