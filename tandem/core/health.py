"""What `/healthz` checks: the database, Redis (when REDIS_URL is set) and the workers' beats.

Each check is cheap and time-boxed (a dead Redis costs at most ~1 s, not a hung probe; a dead
PostgreSQL the pool's wait for a connection, DB_POOL_TIMEOUT, 10 s by default), and
reports only booleans, timings and error class names: never a URL, host or password.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, connection

from .heartbeats import WORKER_NAMES, newest_beats

REDIS_TIMEOUT_SECONDS = 0.5

Check = dict[str, Any]


@dataclass(frozen=True)
class HealthReport:
    status: str  # "ok" | "degraded" (optional part down, still 200) | "down" (503)
    checks: dict[str, Check]

    @property
    def http_status(self) -> int:
        return 503 if self.status == "down" else 200


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)


def check_database() -> Check:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError as error:
        return {"ok": False, "ms": _elapsed_ms(started), "error": type(error).__name__}
    return {"ok": True, "ms": _elapsed_ms(started), "vendor": connection.vendor}


def check_redis(url: str) -> Check:
    """PING the Redis that the cache and the channel layer both use (settings: REDIS_URL)."""
    started = time.perf_counter()
    client = redis.Redis.from_url(
        url, socket_connect_timeout=REDIS_TIMEOUT_SECONDS, socket_timeout=REDIS_TIMEOUT_SECONDS
    )
    try:
        client.ping()
    except (redis.RedisError, OSError) as error:
        return {"ok": False, "ms": _elapsed_ms(started), "error": type(error).__name__}
    finally:
        client.close()
    return {"ok": True, "ms": _elapsed_ms(started)}


def check_workers(now: datetime, *, required: bool) -> Check:
    """Each worker's newest heartbeat age; a worker is down when its beat is older than the
    limit. Required: every worker `serve` runs must have beaten (one never seen is down).
    Not required: only workers ever seen are judged (a node with none is fine)."""
    stale_after = settings.TANDEM_HEALTH_WORKER_STALE_SECONDS
    try:
        beats = newest_beats()
    except DatabaseError as error:
        return {"ok": False, "error": type(error).__name__}
    names = sorted({*WORKER_NAMES, *beats}) if required else sorted(beats)
    workers: dict[str, Check] = {}
    for name in names:
        seen = beats.get(name)
        age = None if seen is None else round(max(0.0, (now - seen).total_seconds()), 1)
        workers[name] = {"ok": age is not None and age <= stale_after, "age_s": age}
    return {
        "ok": all(worker["ok"] for worker in workers.values()),
        "required": required,
        "stale_after_s": stale_after,
        "workers": workers,
    }


def health_report(now: datetime) -> HealthReport:
    """Run every check; "down" when a required one fails.

    The database and Redis are always required. The workers are required only with
    TANDEM_HEALTH_REQUIRE_WORKERS (on under `manage.py serve`); otherwise a worker seen once
    and now stale makes the status "degraded" but still 200 (a web-only node stays in
    rotation), and one never seen is not reported.
    """
    checks: dict[str, Check] = {"database": check_database()}
    if settings.REDIS_URL:
        checks["redis"] = check_redis(settings.REDIS_URL)
    require_workers = settings.TANDEM_HEALTH_REQUIRE_WORKERS
    if checks["database"]["ok"]:
        checks["workers"] = check_workers(now, required=require_workers)
    else:  # their beats are in the database: a second wait for it would tell nothing new
        checks["workers"] = {"ok": False, "required": require_workers, "error": "database"}
    required = ["database", "redis", *(["workers"] if require_workers else [])]
    failing = [name for name, check in checks.items() if not check["ok"]]
    if any(name in required for name in failing):
        status = "down"
    elif failing:
        status = "degraded"
    else:
        status = "ok"
    return HealthReport(status=status, checks=checks)
