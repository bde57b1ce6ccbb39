"""Serve the whole product from one command: the ASGI web server, the task worker
(`task_worker`: django-tasks-db's db_worker with a heartbeat), the notification worker
(reminders) and the housekeeping sweeps every 5 minutes (`housekeeping`: the backstops the
timers run in production, and the directory's next free slots kept fresh).

A child that exits is started again after a backoff (1 s, 2 s, 4 s … 30 s; per child; see
tandem/core/supervisor.py), so a worker that dies with a database restart comes back instead of
taking the product down. Ctrl-C (SIGINT) or SIGTERM stops them all.
"""

import os
import signal
import sys
from collections.abc import Mapping

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tandem.core.housekeeping import EVERY_SECONDS
from tandem.core.processes import stop_processes
from tandem.core.supervisor import Child, Supervisor, popen


def children(
    *, host: str, port: int, workers: int, environ: Mapping[str, str], python: str, cwd: str
) -> list[Child]:
    """The web server, the two workers and the sweeps, each with the environment it is
    (re)started with."""
    web: tuple[str, ...] = (
        python, "-m", "uvicorn", "tandem.asgi:application",
        "--host", host, "--port", str(port), "--lifespan", "off",
    )  # fmt: skip
    if workers > 1:
        # A listening socket per worker, so connections spread over them (webserver.py).
        web = (
            python, "-m", "tandem.core.webserver",
            "--host", host, "--port", str(port), "--workers", str(workers),
        )  # fmt: skip
    # task_worker: django-tasks-db's db_worker with a heartbeat (/healthz reads it).
    worker = (python, "manage.py", "task_worker", "--no-reload", "--interval", "0.5")
    notifier = (python, "manage.py", "notify_worker", "-v", "0")
    sweeps = (python, "manage.py", "housekeeping", "-v", "0", "--every", str(EVERY_SECONDS))
    # Without Redis the workers' events reach the web process's connections through it
    # (tandem/realtime/bridge.py).
    wake_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    # Every child sees the address served (HOST/PORT), so that each one's settings derive the
    # same public URL (TANDEM_SITE_URL's default) for the links it writes: the worker's emails
    # must not point at the default port when --port says another.
    web_env = {**environ, "HOST": host, "PORT": str(port)}
    # This node runs its own workers, so /healthz answers 503 when one of them is down (unless
    # the operator said otherwise).
    web_env.setdefault("TANDEM_HEALTH_REQUIRE_WORKERS", "1")
    workers_env = {**web_env, "TANDEM_WAKE_URL": f"http://{wake_host}:{port}/internal/wake"}
    # All run from the project directory: `serve` may be started from anywhere
    # (`python /srv/tandem/manage.py serve`), and they name the project relative to it.
    return [
        Child("web", web, web_env, cwd),
        Child("task_worker", worker, workers_env, cwd),
        Child("notify_worker", notifier, workers_env, cwd),
        Child("housekeeping", sweeps, workers_env, cwd),
    ]


class Command(BaseCommand):
    help = (
        "Run the web server (uvicorn, ASGI), the task worker, the notification worker and "
        "the housekeeping sweeps; restart any of them that exits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "1")))

    def handle(self, *args: object, host: str, port: int, workers: int, **options: object) -> None:
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        # Handlers first: a Ctrl-C while the children start must still stop them.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        supervisor = Supervisor(
            children(
                host=host,
                port=port,
                workers=workers,
                environ=os.environ,
                python=sys.executable,
                cwd=str(settings.BASE_DIR),
            ),
            spawn=popen,
            stop=stop_processes,
        )
        self.stdout.write(f"Tandem is serving at http://{host}:{port}/ (Ctrl-C stops it)")
        supervisor.run(lambda: stopping)
