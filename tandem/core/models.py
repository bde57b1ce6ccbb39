from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time one worker process (`task_worker`, `notify_worker`) said it was alive.

    One row per process (name, host, pid), upserted every TANDEM_WORKER_HEARTBEAT_SECONDS;
    `/healthz` reads the newest `seen_at` per name (tandem/core/health.py). Kept in the
    database, not Redis: workers and web nodes share it, and it outlives a Redis outage.

    `worker_id` is the id under which a `task_worker` claims jobs right now (django-tasks-db
    appends it to the job's `worker_ids`): a RUNNING job whose last worker id has no recent
    beat was left by a dead worker, and the reaper puts it back (tandem/core/jobs.py).
    """

    name = models.CharField(max_length=64)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    worker_id = models.CharField(max_length=64, blank=True, default="")
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "host", "pid"], name="core_heartbeat_process")
        ]
        indexes = [models.Index(fields=["name", "seen_at"], name="core_heartbeat_name_seen")]

    def __str__(self) -> str:
        return f"{self.name}@{self.host}:{self.pid} {self.seen_at:%Y-%m-%d %H:%M:%S}"


class EffectDone(models.Model):
    """A side effect a job has had, by key: a job that runs again skips what is recorded.

    For effects outside the database (an email handed to the SMTP server), written right after
    the effect (tandem/core/effects.py). Effects inside the database carry their own unique key
    in their own table instead, in the same transaction. Pruned after
    TANDEM_EFFECT_RETENTION_DAYS, long after any retry of the job that wrote it.
    """

    key = models.CharField(max_length=255, unique=True)
    done_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.key} {self.done_at:%Y-%m-%d %H:%M:%S}"
