from django.db import models


class WorkerHeartbeat(models.Model):
    """The last time one worker process (`task_worker`, `notify_worker`) said it was alive.

    One row per process (name, host, pid), upserted every TANDEM_WORKER_HEARTBEAT_SECONDS;
    `/healthz` reads the newest `seen_at` per name (tandem/core/health.py). Kept in the
    database, not Redis: workers and web nodes share it, and it outlives a Redis outage.
    """

    name = models.CharField(max_length=64)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    seen_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["name", "host", "pid"], name="core_heartbeat_process")
        ]
        indexes = [models.Index(fields=["name", "seen_at"], name="core_heartbeat_name_seen")]

    def __str__(self) -> str:
        return f"{self.name}@{self.host}:{self.pid} {self.seen_at:%Y-%m-%d %H:%M:%S}"
