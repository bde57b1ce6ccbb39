"""Leases on jobs (tandem/core/jobs.py): a job left RUNNING by a dead worker goes back to the
queue, a live worker's does not; jobs failed by a database outage are retried, a bounded number
of times; the task worker's loop waits out an outage and resumes under a new worker id.

"Now" is injected everywhere; the outage loop gets a fake sleep and clock.
"""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import InterfaceError, OperationalError, ProgrammingError
from django_tasks import TaskResultStatus as Status
from django_tasks_db.models import DBTaskResult, get_date_max

from tandem.core.heartbeats import beat
from tandem.core.jobs import (
    GAVE_UP,
    backoff,
    live_worker_ids,
    reap,
    release_worker,
    run_surviving_outages,
)
from tandem.core.models import WorkerHeartbeat

NOW = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
LEASE = 60


@pytest.fixture(autouse=True)
def job_settings(settings):
    settings.TANDEM_JOB_LEASE_SECONDS = LEASE
    settings.TANDEM_JOB_MAX_ATTEMPTS = 3
    settings.TANDEM_JOB_RETRY_SECONDS = 5
    settings.TANDEM_JOB_RETRY_MAX_SECONDS = 300


def job(
    status: str,
    worker_ids: list[str],
    *,
    started: datetime | None = None,
    finished: datetime | None = None,
    error: str = "",
) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        task_path="tandem.core.tests.test_outbox.noop_task",
        args_kwargs={"args": [1], "kwargs": {}},
        backend_name="default",
        run_after=get_date_max(),
        worker_ids=worker_ids,
        started_at=started,
        finished_at=finished,
        exception_class_path=error,
        traceback="Traceback: the server closed the connection" if error else "",
    )


def heartbeat(worker_id: str, seen_at: datetime, pid: int = 1) -> None:
    WorkerHeartbeat.objects.create(
        name="task_worker", host="worker-host", pid=pid, worker_id=worker_id, seen_at=seen_at
    )


def status_of(row: DBTaskResult) -> str:
    row.refresh_from_db()
    return row.status


# --- Leases ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_running_job_of_a_dead_worker_goes_back_to_the_queue():
    heartbeat("dead", NOW - timedelta(seconds=LEASE + 1))  # its last beat is older than the lease
    orphan = job(Status.RUNNING, ["dead"], started=NOW - timedelta(minutes=5))
    never_beat = job(Status.RUNNING, ["unknown"], started=NOW - timedelta(minutes=5))

    assert reap(now=NOW).reclaimed == 2

    for row in (orphan, never_beat):
        assert status_of(row) == Status.READY
        assert row.run_after == NOW + backoff(1) == NOW + timedelta(seconds=5)
    assert not reap(now=NOW)  # nothing left to do: a second reap is a no-op


@pytest.mark.django_db
def test_a_live_workers_long_job_and_a_just_claimed_one_are_left_alone():
    heartbeat("alive", NOW - timedelta(seconds=5))
    long_job = job(Status.RUNNING, ["dead-before", "alive"], started=NOW - timedelta(hours=2))
    # Claimed a moment ago by a worker whose first beat may not have landed yet.
    fresh = job(Status.RUNNING, ["starting"], started=NOW - timedelta(seconds=LEASE - 1))

    assert not reap(now=NOW)

    assert status_of(long_job) == Status.RUNNING
    assert status_of(fresh) == Status.RUNNING
    assert live_worker_ids(NOW) == {"alive"}


@pytest.mark.django_db
def test_only_the_last_claim_counts():
    # Reclaimed once already and now run by a live worker: the dead first one is irrelevant.
    heartbeat("second", NOW)
    row = job(Status.RUNNING, ["first", "second"], started=NOW - timedelta(minutes=5))
    assert not reap(now=NOW)
    assert status_of(row) == Status.RUNNING


@pytest.mark.django_db
def test_a_job_that_keeps_killing_its_worker_is_given_up_with_the_reason():
    poison = job(Status.RUNNING, ["w1", "w2", "w3"], started=NOW - timedelta(minutes=5))

    assert reap(now=NOW).given_up == 1

    poison.refresh_from_db()
    assert poison.status == Status.FAILED
    assert poison.finished_at == NOW
    assert poison.exception_class_path == GAVE_UP
    assert "worker died" in poison.traceback and "attempt 3 of 3" in poison.traceback
    assert "w1, w2, w3" in poison.traceback


@pytest.mark.django_db
def test_the_wait_doubles_with_each_attempt_up_to_the_cap(settings):
    assert [backoff(n).total_seconds() for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    settings.TANDEM_JOB_RETRY_MAX_SECONDS = 15
    assert backoff(10) == timedelta(seconds=15)
    second = job(Status.RUNNING, ["a", "b"], started=NOW - timedelta(minutes=5))
    reap(now=NOW)
    second.refresh_from_db()
    assert second.run_after == NOW + timedelta(seconds=10)


@pytest.mark.django_db
def test_a_job_claimed_again_between_the_reapers_read_and_write_is_not_moved(monkeypatch):
    row = job(Status.RUNNING, ["dead"], started=NOW - timedelta(minutes=5))

    def meanwhile(now):
        # Another reaper put it back and a live worker claimed it again (a new started_at)
        # after this reaper read it: its conditional UPDATE must match nothing.
        DBTaskResult.objects.filter(pk=row.pk).update(
            worker_ids=["dead", "new-owner"], started_at=NOW - timedelta(seconds=1)
        )
        return set()

    monkeypatch.setattr("tandem.core.jobs.live_worker_ids", meanwhile)
    assert not reap(now=NOW)
    row.refresh_from_db()
    assert (row.status, row.worker_ids) == (Status.RUNNING, ["dead", "new-owner"])


# --- Transient failures -------------------------------------------------------------------


@pytest.mark.django_db
def test_a_job_failed_by_a_database_outage_is_retried_then_given_up():
    finished = NOW - timedelta(seconds=1)
    first = job(Status.FAILED, ["w1"], finished=finished, error="django.db.utils.OperationalError")
    second = job(Status.FAILED, ["w1", "w2"], finished=finished, error="psycopg.InterfaceError")
    last = job(
        Status.FAILED, ["w1", "w2", "w3"], finished=finished, error="django.db.utils.InterfaceError"
    )
    bug = job(Status.FAILED, ["w1"], finished=finished, error="builtins.ValueError")

    result = reap(now=NOW)

    assert (result.retried, result.given_up) == (2, 1)
    for row, attempts in ((first, 1), (second, 2)):
        row.refresh_from_db()
        assert row.status == Status.READY
        assert row.run_after == NOW + backoff(attempts)
        assert row.finished_at is None
    last.refresh_from_db()
    assert last.status == Status.FAILED
    assert last.exception_class_path == GAVE_UP
    assert "failed 3 times with a database error" in last.traceback
    assert "django.db.utils.InterfaceError" in last.traceback  # the last error is kept
    assert "the server closed the connection" in last.traceback
    assert status_of(bug) == Status.FAILED  # a bug is not retried
    assert not reap(now=NOW)  # the given-up one is not looked at again


# --- A worker's own previous id -------------------------------------------------------------


@pytest.mark.django_db
def test_release_worker_puts_back_only_that_workers_jobs_at_once():
    mine = job(Status.RUNNING, ["old-me"], started=NOW - timedelta(seconds=1))
    other = job(Status.RUNNING, ["someone"], started=NOW - timedelta(seconds=1))
    earlier = job(Status.RUNNING, ["old-me", "someone"], started=NOW - timedelta(seconds=1))

    assert release_worker("old-me", now=NOW) == 1

    assert status_of(mine) == Status.READY
    assert status_of(other) == Status.RUNNING
    assert status_of(earlier) == Status.RUNNING


@pytest.mark.django_db
def test_a_beat_records_the_worker_id_it_claims_under():
    beat("task_worker", worker_id="w-1", now=NOW)
    beat("task_worker", worker_id="w-2", now=NOW + timedelta(seconds=1))
    assert list(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == ["w-2"]
    assert live_worker_ids(NOW + timedelta(seconds=2)) == {"w-2"}  # the old id is dead


# --- Surviving an outage -------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def ids():
    n = 0

    def next_id() -> str:
        nonlocal n
        n += 1
        return f"w{n}"

    return next_id


def test_an_outage_is_waited_out_and_the_worker_resumes_under_a_new_id():
    time = FakeTime()
    outcomes: list[Exception | None] = [
        OperationalError("server closed the connection"),
        InterfaceError("connection already closed"),
        None,  # then it runs until it is stopped
    ]
    runs: list[str] = []
    starts: list[tuple[str, str | None]] = []
    closed: list[int] = []

    def run(worker_id: str) -> None:
        runs.append(worker_id)
        outcome = outcomes.pop(0)
        if outcome is not None:
            raise outcome

    resumes = run_surviving_outages(
        run,
        start=lambda worker_id, previous: starts.append((worker_id, previous)),
        worker_id="w0",
        next_worker_id=ids(),
        after_outage=lambda: closed.append(1),
        sleep=time.sleep,
        clock=time.clock,
    )

    assert resumes == 2
    assert runs == ["w0", "w1", "w2"]  # a new id for each run
    # Each start gives back what the previous id held.
    assert starts == [("w0", None), ("w1", "w0"), ("w2", "w1")]
    assert time.sleeps == [0.5, 1.0]
    assert len(closed) == 2  # the connections are closed after each outage


def test_while_the_database_stays_down_the_waits_double_up_to_the_cap():
    time = FakeTime()
    down_for = 7
    starts: list[tuple[str, str | None]] = []

    def start(worker_id: str, previous: str | None) -> None:
        starts.append((worker_id, previous))
        if len(starts) <= down_for:
            raise OperationalError("connection refused")

    run_surviving_outages(
        lambda worker_id: None,
        start=start,
        worker_id="w0",
        next_worker_id=ids(),
        sleep=time.sleep,
        clock=time.clock,
    )
    assert time.sleeps == [0.5, 1.0, 2.0, 4.0, 8.0, 10.0, 10.0]
    # The first id is the one whose jobs are given back, once the database answers.
    assert starts[-1] == ("w7", "w0")
    assert all(previous == "w0" for _, previous in starts[1:])


def test_after_a_long_good_run_a_new_outage_starts_the_waits_over():
    time = FakeTime()
    outcomes = [5.0, 0.0, 0.0, 60.0, 0.0, None]  # seconds each run lasted before failing

    def run(worker_id: str) -> None:
        lasted = outcomes.pop(0)
        if lasted is None:
            return
        time.now += lasted
        raise OperationalError("terminating connection due to administrator command")

    run_surviving_outages(
        run,
        start=lambda worker_id, previous: None,
        worker_id="w0",
        next_worker_id=ids(),
        sleep=time.sleep,
        clock=time.clock,
    )
    assert time.sleeps == [0.5, 1.0, 2.0, 0.5, 1.0]


def test_other_errors_still_end_the_worker():
    with pytest.raises(ProgrammingError):
        run_surviving_outages(
            lambda worker_id: (_ for _ in ()).throw(ProgrammingError("no such table")),
            start=lambda worker_id, previous: None,
            worker_id="w0",
            sleep=lambda seconds: pytest.fail("must not wait"),
        )


def test_a_lease_shorter_than_three_heartbeats_is_warned_about(settings):
    from tandem.core.checks import job_lease_check

    settings.TANDEM_WORKER_HEARTBEAT_SECONDS = 10
    settings.TANDEM_JOB_LEASE_SECONDS = 60
    assert job_lease_check() == []
    settings.TANDEM_JOB_LEASE_SECONDS = 20
    assert [message.id for message in job_lease_check()] == ["core.W003"]
