"""Stopping the child processes a launcher started (`manage.py serve`, `core.webserver`)."""

import signal
import subprocess
import time
from collections.abc import Sequence
from typing import Any

STOP_GRACE_SECONDS = 10.0


def stop_processes(
    processes: Sequence[subprocess.Popen[Any]], *, grace: float = STOP_GRACE_SECONDS
) -> None:
    """SIGTERM every child still running, give them `grace` seconds in all to exit, then kill
    whichever has not. Returns once every child has exited (so each has a returncode)."""
    for process in processes:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    # One deadline shared by all: stopping N children takes at most `grace`, not N times `grace`.
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
