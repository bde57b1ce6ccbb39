"""The health check that load balancers and `make run` poll."""

import os
from datetime import UTC, datetime, timedelta
from unittest.mock import patch

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client, override_settings

from tandem.core.health import check_workers
from tandem.core.heartbeats import WORKER_NAMES, HeartbeatThread, beat
from tandem.core.models import WorkerHeartbeat


def test_healthz_answers_200_json_with_the_database_vendor(db):
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == connection.vendor
    assert body["database"] in {"sqlite", "postgresql"}


def test_healthz_is_never_cached(db):
    response = Client().get("/healthz")
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


# --- Each dependency (issue 16): database, Redis, workers' heartbeats --------------------

# Nothing listens on port 1: connecting is refused at once. The password must never show.
DEAD_REDIS = "redis://:hunter2-secret@127.0.0.1:1/0"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def beat_at(name: str, seen_at: datetime, pid: int = 4242) -> None:
    WorkerHeartbeat.objects.create(name=name, host="worker-host", pid=pid, seen_at=seen_at)


def beat_all(seen_at: datetime) -> None:
    for name in WORKER_NAMES:
        beat_at(name, seen_at)


def get_health(now: datetime = NOW):
    with patch("tandem.core.views.timezone.now", return_value=now):
        return Client().get("/healthz")


@override_settings(REDIS_URL="", TANDEM_HEALTH_REQUIRE_WORKERS=True)
def test_all_dependencies_up_answers_200_with_each_check(db):
    beat_all(NOW - timedelta(seconds=5))
    response = get_health()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["database"]["ms"] >= 0
    assert "redis" not in body["checks"]  # not configured: nothing to check
    workers = body["checks"]["workers"]["workers"]
    assert workers["task_worker"] == {"ok": True, "age_s": 5.0}
    assert workers["notify_worker"] == {"ok": True, "age_s": 5.0}


@override_settings(REDIS_URL=DEAD_REDIS, TANDEM_HEALTH_REQUIRE_WORKERS=True)
def test_redis_down_answers_503_with_the_database_still_ok_and_no_secret(db):
    beat_all(NOW)
    response = get_health()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["redis"]["ok"] is False
    assert body["checks"]["redis"]["error"]  # an error class name, nothing more
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["workers"]["ok"] is True
    text = response.content.decode()
    assert "hunter2" not in text
    assert "redis://" not in text
    assert "127.0.0.1" not in text


@override_settings(REDIS_URL="", TANDEM_HEALTH_REQUIRE_WORKERS=True)
def test_a_stale_worker_answers_503_when_workers_are_required(db):
    beat_at("task_worker", NOW - timedelta(seconds=5))
    beat_at("notify_worker", NOW - timedelta(seconds=61))
    response = get_health()
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    workers = body["checks"]["workers"]
    assert workers["ok"] is False
    assert workers["stale_after_s"] == 60
    assert workers["workers"]["notify_worker"] == {"ok": False, "age_s": 61.0}
    assert workers["workers"]["task_worker"]["ok"] is True


@override_settings(REDIS_URL="", TANDEM_HEALTH_REQUIRE_WORKERS=True)
def test_a_worker_never_seen_answers_503_when_workers_are_required(db):
    beat_at("task_worker", NOW)
    response = get_health()
    assert response.status_code == 503
    assert response.json()["checks"]["workers"]["workers"]["notify_worker"] == {
        "ok": False,
        "age_s": None,
    }


@override_settings(REDIS_URL="", TANDEM_HEALTH_REQUIRE_WORKERS=True)
def test_the_newest_beat_of_a_name_counts_when_a_worker_was_restarted(db):
    beat_all(NOW - timedelta(hours=2))  # the processes before a restart
    for name in WORKER_NAMES:
        beat_at(name, NOW - timedelta(seconds=1), pid=5000)
    response = get_health()
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


@override_settings(REDIS_URL="", TANDEM_HEALTH_REQUIRE_WORKERS=False)
def test_without_required_workers_none_seen_is_ok_and_a_stale_one_degraded_but_200(db):
    response = get_health()
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    assert response.json()["checks"]["workers"]["workers"] == {}
    beat_at("task_worker", NOW - timedelta(minutes=5))
    response = get_health()
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["workers"]["workers"] == {"task_worker": {"ok": False, "age_s": 300.0}}


def test_beat_upserts_one_row_per_process_and_prunes_day_old_rows(db):
    beat_at("notify_worker", NOW - timedelta(days=2), pid=1)
    beat("notify_worker", now=NOW - timedelta(seconds=30))
    beat("notify_worker", now=NOW)
    rows = list(WorkerHeartbeat.objects.filter(name="notify_worker"))
    assert [(row.pid, row.seen_at) for row in rows] == [(os.getpid(), NOW)]


def test_worker_check_reads_ages_against_the_given_now(db):
    beat_at("task_worker", NOW - timedelta(seconds=60))
    beat_at("notify_worker", NOW - timedelta(seconds=60, milliseconds=100))
    check = check_workers(NOW, required=True)
    assert check["workers"]["task_worker"] == {"ok": True, "age_s": 60.0}
    assert check["workers"]["notify_worker"]["ok"] is False
    assert check["ok"] is False


def test_the_heartbeat_thread_beats_at_once(transactional_db):
    thread = HeartbeatThread("task_worker", interval=3600)
    thread.start()
    try:
        # It beats before its first wait; join on the row, not on time.
        for _ in range(200):
            if WorkerHeartbeat.objects.filter(name="task_worker", pid=os.getpid()).exists():
                break
            thread.stopped.wait(0.05)
    finally:
        thread.stop()
        thread.join(timeout=10)
    assert WorkerHeartbeat.objects.filter(name="task_worker", pid=os.getpid()).exists()


@pytest.mark.skipif(not settings.REDIS_URL, reason="needs REDIS_URL (the PostgreSQL + Redis run)")
@override_settings(TANDEM_HEALTH_REQUIRE_WORKERS=False)
def test_a_live_redis_is_reported_ok(db):
    response = get_health()
    assert response.status_code == 200
    assert response.json()["checks"]["redis"]["ok"] is True
