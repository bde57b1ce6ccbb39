"""`tandem.core.webserver`: N uvicorn workers, each on its own SO_REUSEPORT socket, behind one
supervisor that stops them all on SIGTERM. A real server in a subprocess (SQLite in a
temporary var/); everything waits with deadlines, nothing asserts how long anything took."""

import os
import signal
import subprocess
import sys

from .test_serve import BASE_DIR, children_of, free_port, get, wait_until


def test_two_workers_each_listen_and_stop_together(tmp_path):
    port = free_port()
    env = {
        **{k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")},
        "TANDEM_VAR_DIR": str(tmp_path),
    }
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
        cwd=BASE_DIR,
        env=env,
        check=True,
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "tandem.core.webserver", "--port", str(port), "--workers", "2"],
        cwd=BASE_DIR,
        env=env,
    )
    try:
        workers = wait_until(
            lambda: len(children_of(proc.pid)) == 2 and children_of(proc.pid),
            deadline=30,
            what="two workers",
        )
        wait_until(lambda: _answers(port), deadline=30, what="GET /healthz answers 200 on the port")
        # Each worker holds a listening socket of its own on the port.
        listening = wait_until(
            lambda: all(_listens(pid, port) for pid in workers), deadline=30, what="both listen"
        )
        assert listening
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
        for pid in workers:
            wait_until(lambda pid=pid: not _alive(pid), deadline=15, what=f"worker {pid} ends")
    finally:
        if proc.poll() is None:
            proc.kill()


def _answers(port: int) -> bool:
    try:
        return get(f"http://127.0.0.1:{port}/healthz")[0] == 200
    except OSError:
        return False


def _listens(pid: int, port: int) -> bool:
    """Whether the process has a listening TCP socket on the port (from /proc)."""
    inodes = set()
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
        with open("/proc/net/tcp") as table:
            rows = table.read().splitlines()[1:]
    except OSError:
        return False
    for row in rows:
        fields = row.split()
        local, state, inode = fields[1], fields[3], fields[9]
        if state == "0A" and int(local.split(":")[1], 16) == port and inode in inodes:
            return True
    return False


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat") as stat:  # a zombie has ended
            return stat.read().split()[2] != "Z"
    except OSError:
        return False
