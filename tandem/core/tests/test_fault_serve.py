"""`manage.py serve` restarts a crashed child instead of stopping everything (issue 16).

A real `serve` on a temporary SQLite database: its task worker is SIGKILLed, a new one takes its
place (and beats), the web server answers `/healthz` all along, and SIGTERM then stops serve
and every child. Everything waits with deadlines; the whole file takes about 15-25 s here.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tandem.core.tests.instances import free_port
from tandem.core.tests.test_serve import BASE_DIR, alive, children_of, get, wait_until

pytestmark = pytest.mark.fault

START_DEADLINE = 40  # seconds: three Django processes starting on a busy 2-core machine
RESTART_DEADLINE = 20  # the first backoff step (1 s) plus a worker's start
STOP_DEADLINE = 15


def child_named(serve_pid: int, name: str) -> int | None:
    return next((pid for pid, args in children_of(serve_pid).items() if name in args), None)


def beating_pids(database: Path) -> set[int]:
    """The pids of the task workers that have written a heartbeat."""
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=5) as conn:
            rows = conn.execute(
                "SELECT pid FROM core_workerheartbeat WHERE name = 'task_worker'"
            ).fetchall()
    except sqlite3.OperationalError:  # locked by a writer for longer than the timeout
        return set()
    return {row[0] for row in rows}


class HealthPoller(threading.Thread):
    """GET /healthz every 0.1 s until stopped; records each status, or the error instead."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.statuses: list[int] = []
        self.errors: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                self.statuses.append(get(self.url)[0])
            except OSError as error:
                self.errors.append(repr(error))
            self.done.wait(0.1)


def test_a_killed_task_worker_is_restarted_while_the_web_server_keeps_answering(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TANDEM_ENV"}}
    env.update(TANDEM_VAR_DIR=str(tmp_path / "var"), DJANGO_SETTINGS_MODULE="tandem.settings")
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
    url = f"http://127.0.0.1:{port}/healthz"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        serve = subprocess.Popen(
            [sys.executable, manage, "serve", "--port", str(port)],
            cwd=BASE_DIR,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )

    def output() -> str:
        return log.read_text(errors="replace")[-4000:]

    def healthy() -> bool:
        assert serve.poll() is None, f"serve exited:\n{output()}"
        try:
            return get(url)[0] == 200
        except OSError:
            return False

    poller = HealthPoller(url)
    seen: set[int] = set()
    try:
        # given serve is up with all its children
        wait_until(healthy, deadline=START_DEADLINE, what="GET /healthz answers 200")
        web = child_named(serve.pid, "uvicorn")
        notifier = child_named(serve.pid, "notify_worker")
        killed = child_named(serve.pid, "task_worker")
        assert web and notifier and killed, children_of(serve.pid)
        seen.update(children_of(serve.pid))
        poller.start()
        wait_until(lambda: poller.statuses, deadline=10, what="the poller's first answer")

        # when its task worker is SIGKILLed
        os.kill(killed, signal.SIGKILL)

        # then a new task worker takes its place and reaches the database
        def replaced() -> int | None:
            assert serve.poll() is None, f"serve exited:\n{output()}"
            pid = child_named(serve.pid, "task_worker")
            return pid if pid not in (None, killed) else None

        new = wait_until(replaced, deadline=RESTART_DEADLINE, what="a new task_worker")
        assert isinstance(new, int)
        seen.add(new)
        database = tmp_path / "var" / "tandem.sqlite3"
        wait_until(
            lambda: new in beating_pids(database),
            deadline=RESTART_DEADLINE,
            what="the new task_worker's heartbeat",
        )
        wait_until(healthy, deadline=10, what="GET /healthz answers 200 after the restart")
        poller.done.set()
        poller.join(timeout=10)
        # ... the web server answered every health check meanwhile (none refused) ...
        assert poller.errors == [], poller.errors
        assert len(poller.statuses) >= 5
        # ... the other children were left alone ...
        assert child_named(serve.pid, "uvicorn") == web
        assert child_named(serve.pid, "notify_worker") == notifier
        assert not alive(killed)
        # ... and serve said what it did
        said = log.read_text(errors="replace")
        assert "task_worker was killed by SIGKILL; restarting it in 1 s" in said, output()
        assert "restarted task_worker (pid " in said

        # when serve is told to stop
        seen.update(children_of(serve.pid))
        serve.send_signal(signal.SIGTERM)
        # then it exits cleanly and no child, old or new, is left
        try:
            assert serve.wait(timeout=STOP_DEADLINE) == 0, output()
        except subprocess.TimeoutExpired:
            raise AssertionError(f"serve did not stop:\n{output()}") from None
        wait_until(
            lambda: not any(alive(pid) for pid in seen),
            deadline=STOP_DEADLINE,
            what="every child of serve exits",
        )
    finally:
        poller.done.set()
        if serve.poll() is None:
            for pid in children_of(serve.pid):
                os.kill(pid, signal.SIGKILL)
            serve.kill()
            serve.wait(timeout=STOP_DEADLINE)
