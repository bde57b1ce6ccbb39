"""Keep a fixed set of child processes running: `manage.py serve`'s rule for a crash.

Every child that exits while the supervisor is not stopping is started again, with the same
command, directory and environment, after a delay that doubles with each crash in a row
(1 s, 2 s, 4 s … capped at 30 s) and goes back to the first once the child had stayed up for
a minute before it crashed. Each child has its own count: a worker that keeps crashing does
not slow down the web server's restart.

A child that keeps crashing is retried at the cap forever, loudly (an ERROR line per crash
once at the cap), never given up on: what makes a worker crash in a loop is most often
something outside it that comes back on its own (the database restarting or unreachable,
which is the crash this exists for), and giving up would turn that outage into a permanent one
that needs an operator (a process manager told to restart always, as systemd's
`Restart=always`, keeps retrying too). Meanwhile `/healthz` reports the worker down (its
heartbeat goes stale; 503 under `serve`), so monitoring sees it without the supervisor exiting.

Stopping (Ctrl-C, SIGTERM: the caller's `stopping()` turns true) stops every running child and
starts none, not even one whose restart was due.

The loop takes its process starter, clock and sleep as arguments, so it is tested with fake
processes and a fake clock (tandem/core/tests/test_supervisor.py); `serve` passes
`subprocess.Popen`, `time.monotonic` and `time.sleep`.
"""

from __future__ import annotations

import logging
import signal
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

logger = logging.getLogger(__name__)


class Process(Protocol):
    """What the supervisor needs of a started child (`subprocess.Popen` is one)."""

    @property
    def pid(self) -> int: ...

    def poll(self) -> int | None: ...


P = TypeVar("P", bound=Process)


@dataclass(frozen=True)
class Child:
    """One process to keep running. `env` is the whole environment it is started with."""

    name: str
    command: tuple[str, ...]
    env: Mapping[str, str]
    cwd: str | None = None


@dataclass(frozen=True)
class Backoff:
    """How long to wait before restarting a child that crashed `crashes` times in a row."""

    first: float = 1.0
    cap: float = 30.0
    # A child that had stayed up this long before it exited starts its count again.
    stable_after: float = 60.0

    def delay(self, crashes: int) -> float:
        """The wait before restart number `crashes` (1 for the first crash in a row)."""
        # The exponent is bounded so that a child crashing for a year cannot overflow a float.
        return float(min(self.cap, self.first * 2.0 ** min(max(crashes - 1, 0), 64)))


@dataclass(frozen=True)
class Restart:
    """A crash seen and the restart it scheduled (also logged)."""

    name: str
    returncode: int | None  # None: the restart itself failed to start the process
    crashes: int  # in a row, this one included
    delay: float
    at: float  # the clock when the crash was seen


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "could not be started"
    if returncode < 0:
        try:
            return f"was killed by {signal.Signals(-returncode).name}"
        except ValueError:
            return f"was killed by signal {-returncode}"
    return f"exited with code {returncode}"


@dataclass
class _Slot(Generic[P]):
    child: Child
    process: P | None = None
    started_at: float = 0.0
    crashes: int = 0
    restart_at: float | None = None  # set while waiting out a backoff


@dataclass
class Supervisor(Generic[P]):
    """Start `children`, restart each one that exits, stop them all when told to.

    `spawn` starts one child and returns its process; `stop` stops the processes given (and
    returns once they have exited); `clock` is a monotonic clock in seconds; `sleep` waits that
    many seconds (it may return early). `poll_interval` is how often exits and `stopping()` are
    checked, so it bounds how late a stop or a restart can be.
    """

    children: Sequence[Child]
    spawn: Callable[[Child], P]
    stop: Callable[[Sequence[P]], None]
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    backoff: Backoff = field(default_factory=Backoff)
    poll_interval: float = 0.2
    restarts: list[Restart] = field(default_factory=list)
    # The process of each child, by name, as last started (for the caller and tests).
    processes: dict[str, P] = field(default_factory=dict)

    def run(self, stopping: Callable[[], bool]) -> None:
        """Keep the children running until `stopping()` is true, then stop them all.

        A child that cannot be started the first time (a wrong command) is an error: the ones
        already started are stopped and the exception propagates.
        """
        slots: list[_Slot[P]] = [_Slot(child) for child in self.children]
        try:
            for slot in slots:
                if stopping():
                    return
                self._start(slot)
            while not stopping():
                self._tick(slots, stopping)
                self.sleep(self._pause(slots))
        finally:
            self.stop([slot.process for slot in slots if slot.process is not None])

    def _start(self, slot: _Slot[P]) -> P:
        process = self.spawn(slot.child)
        slot.process = process
        slot.started_at = self.clock()
        slot.restart_at = None
        self.processes[slot.child.name] = process
        return process

    def _tick(self, slots: Sequence[_Slot[P]], stopping: Callable[[], bool]) -> None:
        for slot in slots:
            # Checked per child: a stop that arrives mid-pass (a Ctrl-C also reaches the
            # children, which exit) must not be mistaken for a crash nor restart anything.
            if stopping():
                return
            now = self.clock()
            if slot.process is not None:
                returncode = slot.process.poll()
                if returncode is not None:
                    self._crashed(slot, returncode, now)
            elif slot.restart_at is not None and now >= slot.restart_at:
                try:
                    process = self._start(slot)
                except OSError:
                    # Rare (out of processes or memory): counts as one more crash in a row.
                    self._crashed(slot, None, now)
                    continue
                logger.warning("restarted %s (pid %d)", slot.child.name, process.pid)

    def _crashed(self, slot: _Slot[P], returncode: int | None, now: float) -> None:
        if returncode is not None and now - slot.started_at >= self.backoff.stable_after:
            slot.crashes = 0
        slot.crashes += 1
        delay = self.backoff.delay(slot.crashes)
        slot.process = None
        slot.restart_at = now + delay
        self.restarts.append(Restart(slot.child.name, returncode, slot.crashes, delay, now))
        at_cap = delay >= self.backoff.cap
        logger.log(
            logging.ERROR if at_cap else logging.WARNING,
            "%s %s; restarting it in %g s (crash %d in a row%s)",
            slot.child.name,
            describe_exit(returncode),
            delay,
            slot.crashes,
            "; it keeps crashing, retrying at the cap until it stays up" if at_cap else "",
        )

    def _pause(self, slots: Sequence[_Slot[P]]) -> float:
        """Until the next poll, or sooner if a restart falls due before it."""
        now = self.clock()
        due = [slot.restart_at - now for slot in slots if slot.restart_at is not None]
        return max(0.0, min([self.poll_interval, *due]))


def popen(child: Child) -> subprocess.Popen[bytes]:
    """Start `child` as a real process (the `spawn` `serve` uses)."""
    return subprocess.Popen(child.command, cwd=child.cwd, env=dict(child.env))
