"""The ASGI handler: sync views through the whole middleware chain in one thread per request
(reused, never shared), async views on the event loop, and the middleware's guarantees
unchanged under ASGI.

pytest-asyncio is not used: each test drives the app with asyncio.run.
"""

import asyncio
import json
import threading

import pytest
from django.conf import settings
from django.core.signals import request_finished, request_started

from tandem.asgi import django_asgi_app
from tandem.core.asgi_handler import _view_is_async

# The app's threads use their own connections: they must see what the test commits.
pytestmark = pytest.mark.django_db(transaction=True)


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
    method: str, path: str, *, headers: tuple = (), body: bytes = b"", query: str = ""
) -> tuple[int, dict[str, str], bytes]:
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

    await django_asgi_app(scope, receive, send)
    start = messages[0]
    found = {k.decode().lower(): v.decode() for k, v in start["headers"]}
    return start["status"], found, b"".join(m.get("body", b"") for m in messages[1:])


def test_sync_and_async_views_are_told_apart() -> None:
    urlconf = settings.ROOT_URLCONF
    assert _view_is_async(urlconf, "/api/v1/events/stream")
    assert _view_is_async(urlconf, "/api/v1/events")
    assert not _view_is_async(urlconf, "/api/v1/bookings")
    assert not _view_is_async(urlconf, "/")
    assert not _view_is_async(urlconf, "/no/such/page")


def test_a_request_runs_its_sync_code_in_one_thread_which_the_next_request_reuses() -> None:
    seen: list[tuple[str, int]] = []

    def started(**kwargs: object) -> None:
        seen.append(("started", threading.get_ident()))

    def finished(**kwargs: object) -> None:
        seen.append(("finished", threading.get_ident()))

    request_started.connect(started)
    request_finished.connect(finished)
    try:

        async def scenario() -> None:
            for _ in range(2):
                status, _, body = await call("GET", "/healthz")
                assert status == 200, body

        asyncio.run(scenario())
    finally:
        request_started.disconnect(started)
        request_finished.disconnect(finished)
    assert [what for what, _ in seen] == ["started", "finished", "started", "finished"]
    threads = {ident for _, ident in seen}
    assert len(threads) == 1  # one thread for all of both requests
    assert threading.get_ident() not in threads  # never the event loop's


def test_concurrent_requests_never_share_a_thread() -> None:
    inside: list[int] = []
    gate = threading.Barrier(2, timeout=5)

    def started(**kwargs: object) -> None:
        inside.append(threading.get_ident())
        gate.wait()  # both requests are in their threads at once

    request_started.connect(started)
    try:

        async def scenario() -> None:
            answers = await asyncio.gather(call("GET", "/healthz"), call("GET", "/healthz"))
            assert [status for status, _, _ in answers] == [200, 200]

        asyncio.run(scenario())
    finally:
        request_started.disconnect(started)
    assert len(set(inside)) == 2


def test_pages_keep_their_security_headers() -> None:
    status, headers, _ = asyncio.run(call("GET", "/"))
    assert status == 200
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_api_errors_keep_their_shape_and_session_posts_need_csrf(bob) -> None:  # type: ignore[no-untyped-def]
    from django.test import Client

    client = Client()
    client.force_login(bob, backend="django.contrib.auth.backends.ModelBackend")
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def scenario() -> None:
        # Session auth without the CSRF token: refused, in the API's error shape.
        status, headers, body = await call(
            "POST",
            "/api/v1/bookings",
            headers=((b"cookie", cookie.encode()), (b"content-type", b"application/json")),
            body=b"{}",
        )
        assert status == 403
        assert headers["content-type"].startswith("application/json")
        assert "error" in json.loads(body)
        # The same session reads fine.
        status, _, body = await call("GET", "/api/v1/me", headers=((b"cookie", cookie.encode()),))
        assert status == 200, body
        assert json.loads(body)["email"] == bob.email
        # No credentials at all: 401 in the error shape; no such endpoint: 404, JSON.
        status, _, body = await call("GET", "/api/v1/bookings")
        assert status == 401
        assert json.loads(body)["error"]["code"]
        status, headers, _ = await call("GET", "/api/v1/nope")
        assert status == 404
        assert headers["content-type"].startswith("application/json")

    asyncio.run(scenario())


def test_async_views_still_answer_on_the_event_loop(bob) -> None:  # type: ignore[no-untyped-def]
    from tandem.accounts.services import api_token_create

    _, raw = api_token_create(user=bob, name="asgi test")
    status, _, body = asyncio.run(
        call(
            "GET",
            "/api/v1/events",
            headers=((b"authorization", f"Bearer {raw}".encode()),),
            query="timeout=0",
        )
    )
    assert status == 200, body
    assert "events" in json.loads(body)


@pytest.fixture
def asgi_urls(settings):  # type: ignore[no-untyped-def]
    settings.ROOT_URLCONF = "tandem.core.tests.asgi_urls"


def test_a_streaming_answer_arrives_whole_and_is_closed_once(asgi_urls) -> None:  # type: ignore[no-untyped-def]
    finished: list[int] = []

    def on_finished(**kwargs: object) -> None:
        finished.append(threading.get_ident())

    request_finished.connect(on_finished)
    try:
        status, _, body = asyncio.run(call("GET", "/stream"))
    finally:
        request_finished.disconnect(on_finished)
    assert status == 200
    assert body == b"part 0;part 1;part 2;"
    assert len(finished) == 1
    assert finished[0] != threading.get_ident()  # closed in the request's thread


def test_async_code_called_from_a_sync_view_runs_on_the_servers_loop(asgi_urls) -> None:  # type: ignore[no-untyped-def]
    async def scenario() -> tuple[int, int]:
        status, _, body = await call("GET", "/loop")
        assert status == 200, body
        return json.loads(body)["loop"], id(asyncio.get_running_loop())

    used, server = asyncio.run(scenario())
    assert used == server


def test_cookies_are_sent_as_set_cookie_headers(asgi_urls) -> None:  # type: ignore[no-untyped-def]
    status, headers, body = asyncio.run(call("GET", "/cookie"))
    assert (status, body) == (200, b"ok")
    assert headers["set-cookie"].startswith("flavour=oat")


def test_a_client_gone_before_its_body_arrived_gets_no_answer() -> None:
    messages: list[dict] = []
    scope = http_scope("POST", "/api/v1/bookings")

    async def receive() -> dict:
        return {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        messages.append(message)

    asyncio.run(django_asgi_app(scope, receive, send))
    assert messages == []
