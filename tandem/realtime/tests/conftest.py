"""Real-time fixtures: publish events as a service would (in a transaction, wake on commit);
an ASGI server (uvicorn in a thread) for browser tests of the live pages."""

import logging
import socket
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from tandem.realtime.services import send_event_on_commit


def publish(user_ids: Iterable[int], count: int, kind: str = "test.tick") -> None:
    """`count` events to each user, one transaction each (as `count` separate changes)."""
    ids = list(user_ids)
    for n in range(count):
        with transaction.atomic():
            send_event_on_commit(ids, kind, {"n": n})


# --- An ASGI server for browser tests --------------------------------------------------------
#
# pytest-django's live_server is a threaded WSGI server: it cannot upgrade a WebSocket, and an
# endless SSE response would hold one of its threads. The real-time pages need the ASGI app as
# production serves it, so these tests run uvicorn in a thread of the test process. With
# `transactional_db` its threads see what the test commits (and the test what they commit):
# SQLite's test database is a shared-cache in-memory one; PostgreSQL is PostgreSQL.


@dataclass
class AsgiServer:
    url: str
    port: int
    server: Any  # uvicorn.Server
    thread: threading.Thread

    def stop(self) -> None:
        # Pages still open hold streams and long-polls the shutdown has to cut; uvicorn logs
        # each as an error, which here is the expected end of the test, not a failure.
        log = logging.getLogger("uvicorn.error")
        level = log.level
        log.setLevel(logging.CRITICAL)
        try:
            self.server.should_exit = True
            self.thread.join(timeout=10)
            if self.thread.is_alive():  # a stream that would not end: stop waiting for it
                self.server.force_exit = True
                self.thread.join(timeout=5)
        finally:
            log.setLevel(level)
        assert not self.thread.is_alive(), "the ASGI server did not stop"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_asgi_server(*, websockets: bool = True, port: int | None = None) -> AsgiServer:
    """uvicorn serving tandem.asgi on a free port (or `port`: a restart), in a daemon
    thread, once it answers.

    websockets=False serves HTTP only (uvicorn's ws="none"): a WebSocket handshake then gets
    an ordinary HTTP answer, as behind a proxy that does not pass WebSockets on.
    """
    import uvicorn

    from tandem.asgi import application

    port = port or _free_port()
    config = uvicorn.Config(
        application,
        host="127.0.0.1",
        port=port,
        lifespan="off",
        # Without WebSockets uvicorn warns on every upgrade request; that is the point here.
        log_level="warning" if websockets else "error",
        ws="auto" if websockets else "none",
        timeout_graceful_shutdown=2,  # open streams are cut after this when the test ends
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise AssertionError(f"uvicorn did not start on port {port}")
        time.sleep(0.05)
    return AsgiServer(f"http://127.0.0.1:{port}", port, server, thread)


@pytest.fixture
def serve_asgi(transactional_db, settings) -> Iterator[Callable[..., AsgiServer]]:
    """Start ASGI servers (`serve_asgi(websockets=False)` for one without WebSockets,
    `serve_asgi(port=old.port)` to restart one); all are stopped when the test ends.

    The server started last is the site's public URL, as `make run` makes the address it
    serves: its pages' WebSockets pass the origin check, and links point at it."""
    from channels.layers import channel_layers

    started: list[AsgiServer] = []

    def start(*, websockets: bool = True, port: int | None = None) -> AsgiServer:
        server = start_asgi_server(websockets=websockets, port=port)
        settings.TANDEM_SITE_URL = server.url
        started.append(server)
        return server

    yield start
    for server in started:
        if server.thread.is_alive():
            server.stop()
    # The channel layer belonged to the servers' event loops, now closed.
    channel_layers.backends.clear()


@pytest.fixture
def asgi_server(serve_asgi) -> AsgiServer:
    return serve_asgi()


@pytest.fixture
def asgi_login() -> Callable[..., None]:
    """Sign a user in to a browser context for an ASGI server (as `login_as` does for
    live_server): a session made by Django's test client becomes the browser's cookie."""
    from django.conf import settings
    from django.test import Client

    def login(context, server: AsgiServer, user) -> None:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": server.url}]
        )

    return login
