"""Clients that stop reading, against a real server: shared by the fault test
(test_fault_slow_clients.py) and the measurement script (bench/slow_clients.py).

A `Node` is one uvicorn process serving tandem.asgi from a project directory (this checkout,
or an older one the bench compares with) on a fresh SQLite file and a given Redis, with
`users` users that each have an API token. `stuck_socket` completes a WebSocket handshake on
a raw TCP socket with a small receive buffer and then never reads (`stuck_stream`: the same
for a Server-Sent Events stream); `Reader` is a normal
client that reads every frame. `publish` starts a process that appends events to the users'
streams as services do (one transaction each, woken after the commit).
"""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from websockets.sync.client import connect

BASE_DIR = Path(__file__).resolve().parents[3]

USERS = """
import json
from tandem.accounts.models import User
from tandem.accounts.services import api_token_create
users = []
for i in range({count}):
    user = User.objects.create_user(email=f"slow{{i}}@example.com", password=None,
                                    display_name=f"Slow {{i}}")
    users.append([user.pk, api_token_create(user=user, name="slow")[1]])
print(json.dumps(users))
"""

PUBLISH = """
import sys
from django.db import transaction
from tandem.realtime.services import send_event_on_commit
ids, count, size = {ids!r}, {count}, {size}
for n in range(count):
    with transaction.atomic():
        send_event_on_commit(ids, "test.burst", {{"n": n, "pad": "x" * size}})
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rss_mib(pid: int) -> float:
    """Resident memory of a process, MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"no VmRSS for {pid}")


def wait_until(condition: Callable[[], object], *, deadline: float, what: str) -> None:
    end = time.monotonic() + deadline
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.1)


@dataclass
class Node:
    """One web node: uvicorn serving `project` (a checkout of Tandem) on a free port."""

    work: Path
    redis_url: str
    users: int
    project: Path = BASE_DIR
    settings: dict[str, str] = field(default_factory=dict)
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None
    tokens: list[tuple[int, str]] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TANDEM_ENV"}}
        env.update(
            DJANGO_SETTINGS_MODULE="tandem.settings",
            TANDEM_VAR_DIR=str(self.work / "var"),
            REDIS_URL=self.redis_url,
            CHANNEL_PREFIX=f"slow-{self.work.name}",
            CACHE_KEY_PREFIX=f"slow-{self.work.name}",
            DEBUG="false",
            TANDEM_SITE_URL=f"http://127.0.0.1:{self.port}",
            PYTHONPATH=str(self.project),
            **self.settings,
        )
        return env

    @property
    def log_path(self) -> Path:
        return self.work / "uvicorn.log"

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    def start(self) -> None:
        """Migrate, add the users, start uvicorn and wait until it answers."""
        self.work.mkdir(parents=True, exist_ok=True)
        self.manage("migrate", "--no-input", "-v", "0")
        made = self.manage("shell", "-c", USERS.format(count=self.users))
        self.tokens = [(int(pk), str(token)) for pk, token in json.loads(made.splitlines()[-1])]
        command = [
            sys.executable, "-m", "uvicorn", "tandem.asgi:application", "--port",
            str(self.port), "--lifespan", "off", "--log-level", "warning", "--no-access-log",
        ]  # fmt: skip
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=self.project, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

        def answers() -> bool:
            assert self.process is not None and self.process.poll() is None, self.log()
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
            except OSError:
                return False
            return True

        wait_until(answers, deadline=30, what=f"uvicorn on {self.port}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def rss(self) -> float:
        assert self.process is not None
        return rss_mib(self.process.pid)

    def publish(self, user_ids: list[int], count: int, size: int) -> subprocess.Popen[bytes]:
        """`count` events of about `size` bytes to each user, one transaction each."""
        code = PUBLISH.format(ids=user_ids, count=count, size=size)
        return subprocess.Popen(
            [sys.executable, "manage.py", "shell", "-c", code],
            cwd=self.project,
            env=self.env,
            stdout=subprocess.DEVNULL,
        )

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=15)


def stuck_socket(port: int, token: str) -> socket.socket:
    """A WebSocket that completes its handshake and then never reads: a raw TCP socket
    with a small receive buffer, so the server's buffers fill up early."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(uuid.uuid4().bytes).decode()
    request = (
        f"GET /ws/events HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Origin: http://127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    sock.sendall(request.encode())
    head = b""
    while not head.endswith(b"\r\n\r\n"):  # one byte at a time: not one frame more
        byte = sock.recv(1)
        assert byte, f"closed during the handshake: {head!r}"
        head += byte
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def stuck_stream(port: int, token: str) -> socket.socket:
    """A Server-Sent Events stream that reads its response's head and then nothing."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", port))
    request = (
        f"GET /api/v1/events/stream?after=0 HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Accept: text/event-stream\r\nAuthorization: Bearer {token}\r\n\r\n"
    )
    sock.sendall(request.encode())
    head = b""
    while not head.endswith(b"\r\n\r\n"):
        byte = sock.recv(1)
        assert byte, f"closed before the response: {head!r}"
        head += byte
    assert head.startswith(b"HTTP/1.1 200"), head
    return sock


def read_to_end(sock: socket.socket, *, deadline: float) -> int | None:
    """Read what the server had sent until it closes the connection: the bytes read, or
    None if it was still open at the deadline."""
    end = time.monotonic() + deadline
    total = 0
    while (left := end - time.monotonic()) > 0:
        sock.settimeout(left)
        try:
            chunk = sock.recv(1 << 20)
        except TimeoutError:
            return None
        except ConnectionResetError:
            return total
        if not chunk:
            return total
        total += len(chunk)
    return None


class Reader(threading.Thread):
    """A client that reads every frame: the sequence numbers of the events it received."""

    def __init__(self, port: int, token: str) -> None:
        super().__init__(daemon=True)
        self.url = f"ws://127.0.0.1:{port}/ws/events"
        self.headers = {"Origin": f"http://127.0.0.1:{port}", "Authorization": f"Bearer {token}"}
        self.seqs: list[int] = []
        self.ready = threading.Event()
        self.stopping = threading.Event()
        self.error: BaseException | None = None

    def run(self) -> None:
        try:
            with connect(self.url, additional_headers=self.headers, proxy=None) as ws:
                while not self.stopping.is_set():
                    try:
                        frame: dict[str, Any] = json.loads(ws.recv(timeout=0.5))
                    except TimeoutError:
                        continue
                    if frame["type"] == "ready":
                        self.ready.set()
                    elif frame["type"] == "event":
                        self.seqs.append(frame["event"]["seq"])
        except BaseException as exc:  # reported by the test
            self.error = exc
