"""stop_processes: the one way `manage.py serve` and `core.webserver` stop their children."""

import signal
import subprocess
import sys

from tandem.core.processes import stop_processes

SLEEPS = "import time; print('ready', flush=True); time.sleep(60)"
IGNORES_SIGTERM = (
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
    "print('ready', flush=True); time.sleep(60)"
)


def started(code: str) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    assert process.stdout.readline() == "ready\n"  # its signal handling is in place
    return process


def test_a_running_child_is_stopped_with_sigterm():
    child = started(SLEEPS)
    stop_processes([child])
    assert child.returncode == -signal.SIGTERM


def test_a_child_that_ignores_sigterm_is_killed_after_the_grace():
    stubborn, polite = started(IGNORES_SIGTERM), started(SLEEPS)
    stop_processes([stubborn, polite], grace=0.5)
    assert stubborn.returncode == -signal.SIGKILL
    assert polite.returncode == -signal.SIGTERM


def test_a_child_that_already_exited_keeps_its_own_status():
    done = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    done.wait()
    stop_processes([done])
    assert done.returncode == 3


def test_no_children_is_nothing_to_do():
    stop_processes([])
