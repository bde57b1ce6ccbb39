"""`manage.py serve`: one command runs the web server, the task worker and the notification
worker, and Ctrl-C stops them all. (A child that crashes is restarted: the rule is unit-tested
in test_supervisor.py, and a real SIGKILLed worker in test_fault_serve.py.)

The command lines and environments are checked without starting anything; then a real server
is started in a subprocess (SQLite in a temporary var/), so the rest is slower than the other
tests; everything waits with deadlines, and nothing asserts how long anything took.
"""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from websockets.exceptions import InvalidStatus
from websockets.sync.client import connect

from tandem.core.management.commands.serve import children

BASE_DIR = Path(settings.BASE_DIR)
START_DEADLINE = 30  # seconds
STOP_DEADLINE = 15

# Direct connections only, whatever proxy the environment names.
http = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(condition: Callable[[], object], *, deadline: float, what: str) -> object:
    """Poll `condition` until it is truthy; fail with `what` when the deadline passes."""
    end = time.monotonic() + deadline
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.1)


def get(url: str) -> tuple[int, bytes]:
    try:
        with http.open(url, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def children_of(pid: int) -> dict[int, str]:
    result = subprocess.run(
        ["ps", "--ppid", str(pid), "-o", "pid=,args="], capture_output=True, text=True
    )
    children = {}
    for line in result.stdout.splitlines():
        child_pid, _, args = line.strip().partition(" ")
        children[int(child_pid)] = args
    return children


def alive(pid: int) -> bool:
    """True while `pid` runs (a zombie counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return "State:\tZ" not in status


class Server:
    def __init__(
        self, process: subprocess.Popen, port: int, log: Path, env: dict[str, str]
    ) -> None:
        self.process = process
        self.port = port
        self.log = log
        self.env = env  # what `serve` runs with (its var/, its secret)

    def manage(self, *args: str, extra_env: dict[str, str] | None = None) -> str:
        """Run a management command against this server's database; its output."""
        done = subprocess.run(
            [sys.executable, str(BASE_DIR / "manage.py"), *args],
            cwd=BASE_DIR,
            env={**self.env, **(extra_env or {})},
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def test_every_child_gets_the_same_environment_and_address():
    environ = {"SECRET_KEY": "s3cret", "DATABASE_URL": "postgres://db/tandem"}
    web, worker, notifier, sweeps = children(
        host="0.0.0.0", port=8123, workers=1, environ=environ, python="py", cwd="/srv/tandem"
    )
    assert [c.name for c in (web, worker, notifier, sweeps)] == [
        "web", "task_worker", "notify_worker", "housekeeping",
    ]  # fmt: skip
    for child in (web, worker, notifier, sweeps):
        # what the operator set reaches every child, with the address served
        assert child.env["SECRET_KEY"] == "s3cret"
        assert child.env["DATABASE_URL"] == "postgres://db/tandem"
        assert (child.env["HOST"], child.env["PORT"]) == ("0.0.0.0", "8123")
        assert child.env["TANDEM_HEALTH_REQUIRE_WORKERS"] == "1"
        assert child.cwd == "/srv/tandem"
    # the workers wake the web process on the loopback (the address served is a wildcard)
    assert worker.env == notifier.env == sweeps.env
    assert worker.env["TANDEM_WAKE_URL"] == "http://127.0.0.1:8123/internal/wake"
    assert "TANDEM_WAKE_URL" not in web.env
    assert web.command[:3] == ("py", "-m", "uvicorn")
    assert worker.command[1:3] == ("manage.py", "task_worker")
    assert notifier.command[1:3] == ("manage.py", "notify_worker")
    assert sweeps.command[1:] == ("manage.py", "housekeeping", "-v", "0", "--every", "300")
    assert environ == {"SECRET_KEY": "s3cret", "DATABASE_URL": "postgres://db/tandem"}


def test_the_operator_may_say_workers_are_not_required_and_ask_for_web_workers():
    web, worker, *_ = children(
        host="127.0.0.1",
        port=8123,
        workers=3,
        environ={"TANDEM_HEALTH_REQUIRE_WORKERS": "0"},
        python="py",
        cwd="/srv/tandem",
    )
    assert web.env["TANDEM_HEALTH_REQUIRE_WORKERS"] == "0"
    assert worker.env["TANDEM_HEALTH_REQUIRE_WORKERS"] == "0"
    assert web.command == (
        "py", "-m", "tandem.core.webserver", "--host", "127.0.0.1", "--port", "8123",
        "--workers", "3",
    )  # fmt: skip


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("serve")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TANDEM_ENV"}}
    # No heartbeat within a test's time: live events must arrive by their wake-up.
    env.update(
        TANDEM_VAR_DIR=str(tmp / "var"),
        DJANGO_SETTINGS_MODULE="tandem.settings",
        TANDEM_EVENTS_HEARTBEAT_SECONDS="3600",
    )
    env.pop("SECRET_KEY", None)
    env.pop("REDIS_URL", None)
    manage = str(BASE_DIR / "manage.py")
    migrated = subprocess.run(
        [sys.executable, manage, "migrate", "--no-input", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    port = free_port()
    log = tmp / "serve.log"
    with log.open("wb") as out:
        # Started from another directory on purpose: serve must not depend on the cwd.
        process = subprocess.Popen(
            [sys.executable, manage, "serve", "--port", str(port)],
            cwd=tmp,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Server(process, port, log, env)
    try:
        yield running
    finally:
        if process.poll() is None:
            for child in children_of(process.pid):
                os.kill(child, signal.SIGKILL)
            process.kill()
            process.wait(timeout=STOP_DEADLINE)


def wait_until_healthy(server: Server) -> dict:
    def healthy() -> dict | None:
        assert server.process.poll() is None, f"serve exited early:\n{server.output()}"
        try:
            status, body = get(f"{server.url}/healthz")
        except OSError:  # not listening yet
            return None
        return json.loads(body) if status == 200 else None

    return wait_until(healthy, deadline=START_DEADLINE, what="GET /healthz answers 200")  # type: ignore[return-value]


def test_serve_answers_health_checks_with_all_its_processes_running(server):
    body = wait_until_healthy(server)
    assert body["status"] == "ok"
    assert body["database"] == "sqlite"
    # serve requires its workers: a 200 means both have beaten already (their first beat is
    # immediate), and /healthz says so.
    workers = body["checks"]["workers"]["workers"]
    assert workers["task_worker"]["ok"] and workers["notify_worker"]["ok"], body

    def all_children() -> dict[int, str] | None:
        kids = children_of(server.process.pid)
        found = " ".join(kids.values())
        wanted = ("uvicorn", "task_worker", "notify_worker", "housekeeping")
        return kids if all(name in found for name in wanted) else None

    kids = wait_until(
        all_children,
        deadline=START_DEADLINE,
        what="uvicorn, task_worker, notify_worker and housekeeping run",
    )
    assert len(kids) == 4, kids


def test_serve_serves_pages_and_static_files(server):
    wait_until_healthy(server)
    status, page = get(f"{server.url}/accounts/login/")
    assert status == 200
    assert b'name="login"' in page
    status, _ = get(f"{server.url}/static/vendor/bootstrap/css/bootstrap.min.css")
    assert status == 200


def test_a_websocket_ping_pongs_through_uvicorn(server):
    wait_until_healthy(server)
    origin = f"http://127.0.0.1:{server.port}"
    with connect(
        f"ws://127.0.0.1:{server.port}/ws/health",
        additional_headers={"Origin": origin},
        proxy=None,
        open_timeout=10,
    ) as ws:
        ws.send(json.dumps({"ping": "over the wire"}))
        assert json.loads(ws.recv(timeout=10)) == {"pong": "over the wire"}
        ws.send("{not json")
        assert json.loads(ws.recv(timeout=10))["error"]["code"] == "invalid"
        ws.send(json.dumps({"ping": 2}))
        assert json.loads(ws.recv(timeout=10)) == {"pong": 2}


def test_a_websocket_from_a_foreign_origin_is_refused_by_uvicorn(server):
    wait_until_healthy(server)
    with (
        pytest.raises(InvalidStatus) as refused,
        connect(
            f"ws://127.0.0.1:{server.port}/ws/health",
            additional_headers={"Origin": "http://evil.example"},
            proxy=None,
            open_timeout=10,
        ),
    ):
        pass
    assert refused.value.response.status_code == 403


MAKE_USER = """
from tandem.accounts.models import User
from tandem.accounts.services import api_token_create
user = User.objects.create_user(email="wake@example.com", password=None, display_name="Wake")
print(api_token_create(user=user, name="wake")[1])
"""
PUBLISH = """
from django.db import transaction
from tandem.accounts.models import User
from tandem.realtime.services import send_event_on_commit
with transaction.atomic():
    send_event_on_commit([User.objects.get(email="wake@example.com").pk], "test.wake", {"n": 1})
"""


def test_an_event_a_worker_commits_reaches_an_open_socket_at_once(server):
    # Embedded mode, no Redis: a worker process's in-memory channel layer cannot reach the
    # web process's sockets; serve's bridge carries the wake-up (heartbeats are off here).
    wait_until_healthy(server)
    token = server.manage("shell", "-c", MAKE_USER).strip().splitlines()[-1]
    with connect(
        f"ws://127.0.0.1:{server.port}/ws/events?after=0",
        additional_headers={
            "Origin": f"http://127.0.0.1:{server.port}",
            "Authorization": f"Bearer {token}",
        },
        proxy=None,
        open_timeout=10,
    ) as ws:
        assert json.loads(ws.recv(timeout=10))["type"] == "ready"
        wake_url = f"http://127.0.0.1:{server.port}/internal/wake"
        server.manage("shell", "-c", PUBLISH, extra_env={"TANDEM_WAKE_URL": wake_url})
        frame = json.loads(ws.recv(timeout=10))
        assert frame["type"] == "event" and frame["event"]["kind"] == "test.wake"


def test_the_wake_endpoint_refuses_unsigned_posts(server):
    wait_until_healthy(server)
    request = urllib.request.Request(
        f"{server.url}/internal/wake",
        data=b'{"1": {"seq": 1}}',
        method="POST",
        headers={"X-Tandem-Wake-Signature": "0" * 64},
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        http.open(request, timeout=5)
    assert refused.value.code == 403
    assert get(f"{server.url}/internal/wake")[0] == 405


def test_ctrl_c_stops_serve_and_all_its_children(server):
    # Last in this module: it stops the shared server.
    wait_until_healthy(server)
    children = list(children_of(server.process.pid))
    assert len(children) == 4
    # when
    server.process.send_signal(signal.SIGINT)
    # then serve exits cleanly ...
    try:
        returncode = server.process.wait(timeout=STOP_DEADLINE)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"serve did not stop:\n{server.output()}") from None
    assert returncode == 0, server.output()
    # ... and no child is left behind
    wait_until(
        lambda: not any(alive(pid) for pid in children),
        deadline=STOP_DEADLINE,
        what="uvicorn, task_worker, notify_worker and housekeeping exit",
    )
