"""The supervisor `manage.py serve` runs its children under: a child that exits is restarted
after a per-child backoff that doubles up to a cap and starts again once the child had stayed
up; a stop stops everything and restarts nothing.

Fake processes and a fake clock: `sleep` advances the clock, each fake process exits at the
time its script says, so nothing here waits for real.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import pytest

from tandem.core.supervisor import Backoff, Child, Supervisor, describe_exit

FOREVER = None


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


@dataclass
class FakeProcess:
    name: str
    pid: int
    started_at: float
    lifetime: float | None  # None: runs until stopped
    exit_code: int
    clock: Clock
    stopped_at: float | None = None

    def poll(self) -> int | None:
        if self.stopped_at is not None:
            return -15
        if self.lifetime is not None and self.clock() >= self.started_at + self.lifetime:
            return self.exit_code
        return None


@dataclass
class Scripted:
    """Starts fake processes; each child's successive runs last as long as its script says."""

    clock: Clock
    lifetimes: dict[str, list[float | None]]
    exit_code: int = 1
    started: list[FakeProcess] = field(default_factory=list)
    stop_calls: list[list[FakeProcess]] = field(default_factory=list)
    pids: itertools.count[int] = field(default_factory=lambda: itertools.count(100))

    def spawn(self, child: Child) -> FakeProcess:
        script = self.lifetimes.get(child.name, [])
        lifetime = script.pop(0) if script else FOREVER
        process = FakeProcess(
            child.name, next(self.pids), self.clock(), lifetime, self.exit_code, self.clock
        )
        self.started.append(process)
        return process

    def stop(self, processes: Sequence[FakeProcess]) -> None:
        self.stop_calls.append(list(processes))
        for process in processes:
            if process.poll() is None:
                process.stopped_at = self.clock()

    def starts(self, name: str) -> list[float]:
        return [p.started_at for p in self.started if p.name == name]


CHILDREN = [
    Child("web", ("web",), {"SHARED": "1"}),
    Child("task_worker", ("task_worker",), {"SHARED": "1"}),
    Child("notify_worker", ("notify_worker",), {"SHARED": "1"}),
]


def supervise(
    lifetimes: dict[str, list[float | None]],
    *,
    until: float | Callable[[], bool],
    backoff: Backoff | None = None,
    exit_code: int = 1,
    children: Sequence[Child] = CHILDREN,
) -> tuple[Supervisor[FakeProcess], Scripted, Clock]:
    clock = Clock()
    scripted = Scripted(clock, lifetimes, exit_code)
    supervisor = Supervisor(
        children,
        spawn=scripted.spawn,
        stop=scripted.stop,
        clock=clock,
        sleep=clock.sleep,
        backoff=backoff or Backoff(first=1.0, cap=30.0, stable_after=60.0),
        poll_interval=0.5,
    )
    stopping = until if callable(until) else (lambda: clock() >= until)
    supervisor.run(stopping)
    return supervisor, scripted, clock


def test_all_children_start_in_order_and_run_until_stopped():
    supervisor, scripted, clock = supervise({}, until=100.0)
    assert [p.name for p in scripted.started] == ["web", "task_worker", "notify_worker"]
    assert supervisor.restarts == []
    # one stop, of all three, which are then all gone
    assert len(scripted.stop_calls) == 1
    assert [p.name for p in scripted.stop_calls[0]] == ["web", "task_worker", "notify_worker"]
    assert all(p.poll() is not None for p in scripted.started)
    assert clock() == 100.0  # the loop noticed the stop at its first poll after it


def test_a_crashed_child_is_restarted_and_the_others_keep_running():
    # given the task worker dies after 2 s (a database restart, say)
    supervisor, scripted, _ = supervise({"task_worker": [2.0, FOREVER]}, until=50.0)
    # then it alone is started again, after the first backoff step
    assert scripted.starts("task_worker") == [0.0, 3.0]
    assert scripted.starts("web") == [0.0]
    assert scripted.starts("notify_worker") == [0.0]
    [restart] = supervisor.restarts
    assert (restart.name, restart.returncode, restart.crashes, restart.delay) == (
        "task_worker",
        1,
        1,
        1.0,
    )
    # and the stop stops the new process, not the dead one
    assert supervisor.processes["task_worker"] is scripted.started[-1]
    assert scripted.started[-1] in scripted.stop_calls[0]


def test_the_backoff_doubles_per_crash_in_a_row_up_to_the_cap():
    # given a worker that crashes 0.5 s after every start
    _, scripted, _ = supervise({"task_worker": [0.5] * 9}, until=200.0)
    starts = scripted.starts("task_worker")
    # each start is 0.5 s of life plus the wait: 1, 2, 4, 8, 16, then 30 at the cap
    waits = [b - a - 0.5 for a, b in itertools.pairwise(starts)]
    assert waits == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0, 30.0]


def test_a_child_that_keeps_crashing_is_retried_at_the_cap_forever_and_loudly(caplog):
    caplog.set_level(logging.WARNING, logger="tandem.core.supervisor")
    supervisor, scripted, _ = supervise({"task_worker": [0.5] * 1000}, until=3600.0, exit_code=2)
    # an hour of crashing: still being restarted, every 30 s once at the cap
    assert len(scripted.starts("task_worker")) > 100
    assert supervisor.restarts[-1].delay == 30.0
    assert supervisor.restarts[-1].crashes == len(supervisor.restarts)
    # each crash at the cap is an ERROR naming the child, its exit code and the wait
    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == len([r for r in supervisor.restarts if r.delay == 30.0])
    assert "task_worker exited with code 2; restarting it in 30 s" in errors[-1].getMessage()
    assert "keeps crashing" in errors[-1].getMessage()


def test_each_child_has_its_own_backoff():
    # given both workers crash repeatedly, the notifier far less often
    _, scripted, _ = supervise(
        {"task_worker": [0.5, 0.5, 0.5, FOREVER], "notify_worker": [10.0, FOREVER]},
        until=100.0,
    )
    assert scripted.starts("task_worker") == [0.0, 1.5, 4.0, 8.5]
    # the notifier's first crash waits the first step, not the task worker's third
    assert scripted.starts("notify_worker") == [0.0, 11.0]


def test_the_backoff_starts_again_after_the_child_stayed_up():
    # given three quick crashes, then a run of 100 s (past stable_after), then another crash
    supervisor, scripted, _ = supervise(
        {"task_worker": [0.5, 0.5, 0.5, 100.0, 0.5, FOREVER]}, until=300.0
    )
    delays = [r.delay for r in supervisor.restarts]
    assert delays == [1.0, 2.0, 4.0, 1.0, 2.0]
    assert [r.crashes for r in supervisor.restarts] == [1, 2, 3, 1, 2]
    starts = scripted.starts("task_worker")
    assert starts[4] - starts[3] == 100.0 + 1.0


def test_a_run_just_short_of_stable_keeps_counting():
    supervisor, _, _ = supervise({"task_worker": [0.5, 59.5, 0.5, FOREVER]}, until=300.0)
    assert [r.delay for r in supervisor.restarts] == [1.0, 2.0, 4.0]


def test_several_children_crashing_together_restart_in_their_order():
    _, scripted, _ = supervise(
        {"notify_worker": [1.0, FOREVER], "web": [1.0, FOREVER], "task_worker": [1.0, FOREVER]},
        until=20.0,
    )
    restarted = [p.name for p in scripted.started[3:]]
    assert restarted == ["web", "task_worker", "notify_worker"]
    assert {p.started_at for p in scripted.started[3:]} == {2.0}


def test_a_killed_child_is_logged_with_its_signal_and_restarted(caplog):
    caplog.set_level(logging.WARNING, logger="tandem.core.supervisor")
    _, scripted, _ = supervise({"task_worker": [2.0, FOREVER]}, until=10.0, exit_code=-9)
    assert len(scripted.starts("task_worker")) == 2
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == (
        "task_worker was killed by SIGKILL; restarting it in 1 s (crash 1 in a row)"
    )
    assert messages[1] == f"restarted task_worker (pid {scripted.started[-1].pid})"
    # nothing but the name, the code and the wait: no command line, no environment
    assert "SHARED" not in " ".join(messages)


def test_a_child_exiting_cleanly_is_restarted_too():
    # serve's children are servers: one that returns, even with 0, is not meant to be gone
    supervisor, scripted, _ = supervise({"web": [3.0, FOREVER]}, until=10.0, exit_code=0)
    assert scripted.starts("web") == [0.0, 4.0]
    assert supervisor.restarts[0].returncode == 0


def test_a_restart_gets_the_same_command_and_environment():
    seen: list[Child] = []
    clock = Clock()
    scripted = Scripted(clock, {"task_worker": [1.0, FOREVER]})

    def spawn(child: Child) -> FakeProcess:
        seen.append(child)
        return scripted.spawn(child)

    Supervisor(CHILDREN, spawn=spawn, stop=scripted.stop, clock=clock, sleep=clock.sleep).run(
        lambda: clock() >= 10.0
    )
    assert [c.name for c in seen] == ["web", "task_worker", "notify_worker", "task_worker"]
    assert seen[3] is seen[1]


def test_a_stop_during_the_backoff_restarts_nothing_and_does_not_wait_it_out():
    # given the worker crashed and waits 30 s (its sixth crash in a row) ...
    _, scripted, clock = supervise({"task_worker": [0.5] * 6}, until=40.0)
    starts = scripted.starts("task_worker")
    assert starts == [0.0, 1.5, 4.0, 8.5, 17.0, 33.5]
    # ... it crashed again at 34 and was due back at 64; the stop at 40 ended the loop there
    assert clock() == 40.0
    assert len(scripted.stop_calls) == 1
    assert "task_worker" not in [p.name for p in scripted.stop_calls[0]]


def test_a_child_exiting_with_the_stop_is_not_restarted():
    # Ctrl-C in a terminal reaches the children too: they exit as the stop arrives, which is
    # no crash.
    clock = Clock()
    scripted = Scripted(clock, {"web": [5.0], "task_worker": [5.0], "notify_worker": [5.0]})
    supervisor = Supervisor(
        CHILDREN,
        spawn=scripted.spawn,
        stop=scripted.stop,
        clock=clock,
        sleep=clock.sleep,
        poll_interval=0.5,
    )
    supervisor.run(lambda: clock() >= 5.0)
    assert supervisor.restarts == []
    assert len(scripted.started) == 3


def test_a_stop_that_arrives_mid_pass_restarts_nothing():
    # given all three exit at 1 s, and the stop arrives while the loop looks at them in turn
    clock = Clock()
    scripted = Scripted(clock, {"web": [1.0], "task_worker": [1.0], "notify_worker": [1.0]})
    checks = 0

    def stopping() -> bool:
        nonlocal checks
        if clock() < 1.0:
            return False
        checks += 1
        # the loop's own check and the one before `web` pass; the stop is there for the rest
        return checks >= 3

    supervisor = Supervisor(
        CHILDREN,
        spawn=scripted.spawn,
        stop=scripted.stop,
        clock=clock,
        sleep=clock.sleep,
        poll_interval=0.5,
    )
    supervisor.run(stopping)
    assert [r.name for r in supervisor.restarts] == ["web"]  # seen before the stop came
    assert len(scripted.started) == 3  # and nothing started again


def test_a_stop_while_the_children_start_stops_those_started():
    clock = Clock()
    scripted = Scripted(clock, {})
    supervisor = Supervisor(
        CHILDREN, spawn=scripted.spawn, stop=scripted.stop, clock=clock, sleep=clock.sleep
    )
    supervisor.run(lambda: len(scripted.started) >= 1)
    assert [p.name for p in scripted.started] == ["web"]
    assert scripted.stop_calls == [[scripted.started[0]]]


def test_a_child_that_cannot_be_started_at_first_stops_the_others_and_raises():
    clock = Clock()
    scripted = Scripted(clock, {})

    def spawn(child: Child) -> FakeProcess:
        if child.name == "task_worker":
            raise FileNotFoundError("no such program")
        return scripted.spawn(child)

    supervisor = Supervisor(
        CHILDREN, spawn=spawn, stop=scripted.stop, clock=clock, sleep=clock.sleep
    )
    with pytest.raises(FileNotFoundError):
        supervisor.run(lambda: False)
    assert scripted.stop_calls == [[scripted.started[0]]]


def test_a_restart_that_fails_to_start_is_one_more_crash():
    # given the worker crashes at 1 s, its restart runs 0.5 s, and the next restart fails
    clock = Clock()
    scripted = Scripted(clock, {"task_worker": [1.0, 0.5, FOREVER]})
    spawned: list[str] = []

    def spawn(child: Child) -> FakeProcess:
        spawned.append(child.name)
        if len(spawned) == 5:  # task_worker's second restart
            raise OSError("out of processes")
        return scripted.spawn(child)

    supervisor = Supervisor(
        CHILDREN,
        spawn=spawn,
        stop=scripted.stop,
        clock=clock,
        sleep=clock.sleep,
        poll_interval=0.5,
    )
    supervisor.run(lambda: clock() >= 30.0)
    # then the failed start waits the next step and is tried again
    assert [(r.returncode, r.delay) for r in supervisor.restarts] == [
        (1, 1.0),
        (1, 2.0),
        (None, 4.0),
    ]
    assert scripted.starts("task_worker") == [0.0, 2.0, 8.5]


def test_the_delay_is_capped_and_never_overflows():
    backoff = Backoff(first=1.0, cap=30.0)
    assert [backoff.delay(n) for n in range(1, 8)] == [1.0, 2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
    assert backoff.delay(10**6) == 30.0


@pytest.mark.parametrize(
    ("returncode", "said"),
    [
        (1, "exited with code 1"),
        (0, "exited with code 0"),
        (-9, "was killed by SIGKILL"),
        (-15, "was killed by SIGTERM"),
        (None, "could not be started"),
    ],
)
def test_how_an_exit_is_described(returncode, said):
    assert describe_exit(returncode) == said
