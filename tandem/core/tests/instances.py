"""Private PostgreSQL and Redis servers for fault tests (the `fault` marker).

A fault test stops, restarts or kills the services it runs on; it must never do that to the
shared ones on 5432 and 6379 (other runs and CI use them). Each instance here lives in its own
temporary directory on a free port and is gone when the test ends.

PostgreSQL refuses to run as root, so as root the cluster is created and run as the
`postgres` system user (Debian's package makes it).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PG_BIN = Path(os.environ.get("TANDEM_PG_BIN", "/usr/lib/postgresql/15/bin"))
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
START_TIMEOUT = 30.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for_port(port: int, *, timeout: float = START_TIMEOUT, up: bool = True) -> None:
    """Until something listens on 127.0.0.1:port (or, with up=False, nothing does)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                if up:
                    return
        except OSError:
            if not up:
                return
        time.sleep(0.05)
    raise TimeoutError(f"port {port} is still {'closed' if up else 'open'} after {timeout}s")


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class PostgresInstance:
    """A throwaway PostgreSQL cluster: `start()`, `stop()`, `restart()`, `url(db)`."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tandem-pg-"))
        self.data = self.root / "data"
        self.log = self.root / "postgres.log"
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres", "postgres")
        subprocess.run(
            [*_as_postgres(), str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
             "-A", "trust", "--no-sync", "-E", "UTF8", "--locale=C"],
            check=True, capture_output=True,
        )  # fmt: skip
        with open(self.data / "postgresql.conf", "a") as conf:
            # A crashed server (stop -m immediate) must keep every committed transaction, so
            # commits still write the WAL; fsync is off because only the server crashes here,
            # never the machine (the OS keeps what was written), and the suite's time is bounded.
            conf.write(
                f"port = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.root}'\nfsync = off\n"
                "full_page_writes = off\nmax_connections = 200\n"
            )

    def _ctl(self, *args: str) -> None:
        subprocess.run(
            [*_as_postgres(), str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log),
             "-w", "-t", str(int(START_TIMEOUT)), *args],
            check=True, capture_output=True,
        )  # fmt: skip

    def start(self) -> None:
        self._ctl("start")
        wait_for_port(self.port)

    def stop(self, mode: str = "fast") -> None:
        """`fast` disconnects clients and shuts down cleanly; `immediate` is a crash."""
        self._ctl("stop", "-m", mode)

    def restart(self, *, down_for: float = 0.0, mode: str = "fast") -> None:
        self.stop(mode)
        time.sleep(down_for)
        self.start()

    def create_database(self, name: str) -> str:
        subprocess.run(
            [str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres",
             name],
            check=True, capture_output=True,
        )  # fmt: skip
        return self.url(name)

    def url(self, db: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{db}"

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.CalledProcessError):  # not running
            self.stop("immediate")
        shutil.rmtree(self.root, ignore_errors=True)


class RedisInstance:
    """A throwaway Redis server that keeps nothing on disk: `start()`, `stop()`, `url(db)`."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.root = Path(tempfile.mkdtemp(prefix="tandem-redis-"))
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.root), "--logfile",
             str(self.root / "redis.log")],
        )  # fmt: skip
        wait_for_port(self.port)

    def stop(self) -> None:
        """Kill the server (as a crash would): clients see their connections drop."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        wait_for_port(self.port, up=False)

    def restart(self, *, down_for: float = 0.0) -> None:
        self.stop()
        time.sleep(down_for)
        self.start()

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def destroy(self) -> None:
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)
