"""Driving the ASGI application directly in tests: a request's scope, and one whole call."""

from __future__ import annotations

import asyncio
from typing import Any


def http_scope(method: str, path: str, *, headers: tuple = (), query: str = "") -> dict:
    return {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query.encode(),
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }


async def call(
    app: Any,
    method: str,
    path: str,
    *,
    headers: tuple = (),
    body: bytes = b"",
    query: str = "",
) -> tuple[int, dict[str, str], bytes]:
    """One request through `app`, whose body arrives whole; the client never disconnects."""
    scope = http_scope(method, path, headers=headers, query=query)
    sent = False
    messages: list[dict] = []

    async def receive() -> dict:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # never disconnects
        return {}

    async def send(message: dict) -> None:
        messages.append(message)

    await app(scope, receive, send)
    start = messages[0]
    found = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], found, b"".join(m.get("body", b"") for m in messages[1:])
