"""A PostgreSQL restart costs no request once the database is back, and while it is down
requests fail cleanly: 503 with Retry-After (JSON in the error shape under /api/, an HTML page
elsewhere), after at most the pool's wait, never a hang (issue 16).

A real web node (`tandem.core.webserver --workers 2`: two processes, each with its own
connection pool) on a private PostgreSQL server (`pg_instance`, never the shared 5432),
warmed with requests that read the database, then: a clean restart, a crash (`immediate`),
and an outage with requests waiting on it. After each, 50 sequential and 50 concurrent
requests (each on a new TCP connection, so the kernel spreads them over both workers).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from .webnode import WebNode, node_env, prepare_database

pytestmark = pytest.mark.fault

# How long a request waits for a pooled connection (settings: DB_POOL_TIMEOUT, 10 s by
# default): shorter here, so the outage costs the suite less time.
POOL_TIMEOUT = 4
REQUESTS = 50


@dataclass
class Outcome:
    name: str
    status: int | str  # the HTTP status, or the client's exception class name
    seconds: float
    content_type: str = ""
    retry_after: str | None = None
    body: str = ""

    @property
    def ok(self) -> bool:
        return self.status == 200


class Traffic:
    """Requests that each read the database: API reads with Bob's token, a page and an API
    read with his browser session, and /healthz. A new connection for each (no keep-alive)."""

    def __init__(self, node: WebNode, data: dict[str, Any]) -> None:
        self.base = node.base_url
        self.client = httpx.Client(
            trust_env=False,
            timeout=POOL_TIMEOUT + 20,
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=0),
        )
        token = {"Authorization": f"Bearer {data['bob']}"}
        session = {"Cookie": "=".join(data["session_cookie"])}
        conversation = data["conversation"]
        self.kinds: list[tuple[str, str, dict[str, str]]] = [
            ("api conversations", "/api/v1/conversations", token),
            ("api messages", f"/api/v1/conversations/{conversation}/messages", token),
            ("page inbox", f"/messages/{conversation}/", session),
            ("api unread (session)", "/api/v1/conversations/unread", session),
            ("healthz", "/healthz", {}),
        ]

    def one(self, n: int) -> Outcome:
        name, path, headers = self.kinds[n % len(self.kinds)]
        started = time.monotonic()
        try:
            response = self.client.get(self.base + path, headers=headers)
        except httpx.HTTPError as error:
            return Outcome(name, type(error).__name__, time.monotonic() - started)
        return Outcome(
            name,
            response.status_code,
            round(time.monotonic() - started, 2),
            response.headers.get("content-type", ""),
            response.headers.get("retry-after"),
            response.text,
        )

    def sequential(self, count: int = REQUESTS) -> list[Outcome]:
        return [self.one(n) for n in range(count)]

    def concurrent(self, count: int = REQUESTS, width: int = 10) -> list[Outcome]:
        with ThreadPoolExecutor(width) as pool:
            return list(pool.map(self.one, range(count)))

    def close(self) -> None:
        self.client.close()


@pytest.fixture
def traffic(pg_instance, tmp_path: Path) -> Iterator[Traffic]:
    logging.getLogger("httpx").setLevel(logging.WARNING)  # not a line per request
    env = node_env(tmp_path, database_url=pg_instance.create_database("tandem"))
    env["DB_POOL_TIMEOUT"] = str(POOL_TIMEOUT)
    started = time.monotonic()
    node = WebNode(env, tmp_path / "node.log", workers=2)
    node.launch()  # starting while the database is migrated
    try:
        data = prepare_database(env)
        migrated = time.monotonic()
        node.wait_ready()
        print(f"migrated in {migrated - started:.1f}s, up {time.monotonic() - migrated:.1f}s later")
        traffic = Traffic(node, data)
        try:
            yield traffic
        finally:
            traffic.close()
    finally:
        node.stop()
        print(f"--- node log (tail) ---\n{node.log()[-3000:]}")


def failed(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if not o.ok]


def after_the_database_is_back(traffic: Traffic, label: str) -> list[Outcome]:
    outcomes = traffic.sequential() + traffic.concurrent()
    bad = failed(outcomes)
    slowest = max(o.seconds for o in outcomes)
    print(f"{label}: {len(outcomes)} requests, {len(bad)} failed, slowest {slowest:.2f}s")
    return bad


def test_a_postgresql_restart_costs_no_request_once_it_is_back(pg_instance, traffic):
    warm = traffic.concurrent(40)
    assert failed(warm) == [], failed(warm)

    # A clean restart (fast: the server closes every connection), then a crash.
    pg_instance.restart(mode="fast")
    assert after_the_database_is_back(traffic, "after a fast restart") == []
    pg_instance.restart(mode="immediate")
    assert after_the_database_is_back(traffic, "after a crash (immediate)") == []

    # Down for a while, with requests waiting on it: each fails after at most the pool's
    # wait, with a 503 (the database, not the request, is at fault) that says when to retry.
    pg_instance.stop(mode="fast")
    down = time.monotonic()
    during = traffic.concurrent(2 * len(traffic.kinds), width=len(traffic.kinds) * 2)
    pg_instance.start()
    print(
        f"during the outage ({time.monotonic() - down:.1f}s): {len(during)} requests, "
        f"{len(failed(during))} failed: "
        + ", ".join(f"{o.name} {o.status} in {o.seconds}s" for o in during)
    )
    for outcome in during:
        assert outcome.status == 503, outcome
        assert outcome.seconds < POOL_TIMEOUT + 3, outcome  # a bounded wait, not a hang
        if outcome.name == "healthz":
            assert '"status": "down"' in outcome.body, outcome
        elif outcome.name.startswith("api"):
            assert outcome.content_type.startswith("application/json"), outcome
            assert outcome.retry_after is not None and int(outcome.retry_after) > 0, outcome
            assert '"code": "unavailable"' in outcome.body, outcome
        else:
            assert outcome.content_type.startswith("text/html"), outcome
            assert outcome.retry_after is not None and int(outcome.retry_after) > 0, outcome
            assert "Error 503" in outcome.body and "unavailable for a moment" in outcome.body
    assert after_the_database_is_back(traffic, "after an outage with requests waiting") == []
