"""Serve the whole product from one command: the ASGI web server, the task worker
(`task_worker`: django-tasks-db's db_worker with a heartbeat) and the notification worker
(reminders).

Ctrl-C (SIGINT) or SIGTERM stops both; if either dies, the other is stopped too, so the
operator never ends up with half a product running.
"""

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from tandem.core.processes import stop_processes


class Command(BaseCommand):
    help = "Run the web server (uvicorn, ASGI), the task worker and the notification worker."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
        parser.add_argument("--workers", type=int, default=int(os.environ.get("WEB_WORKERS", "1")))

    def handle(self, *args: object, host: str, port: int, workers: int, **options: object) -> None:
        python = sys.executable
        web = [
            python, "-m", "uvicorn", "tandem.asgi:application",
            "--host", host, "--port", str(port), "--lifespan", "off",
        ]  # fmt: skip
        if workers > 1:
            # A listening socket per worker, so connections spread over them (webserver.py).
            web = [
                python, "-m", "tandem.core.webserver",
                "--host", host, "--port", str(port), "--workers", str(workers),
            ]  # fmt: skip
        # task_worker: django-tasks-db's db_worker with a heartbeat (/healthz reads it).
        worker = [
            python, "manage.py", "task_worker", "--no-reload", "--interval", "0.5",
        ]  # fmt: skip
        notifier = [python, "manage.py", "notify_worker", "-v", "0"]
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True

        # Handlers first: a Ctrl-C while the children start must still stop them.
        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        procs: list[subprocess.Popen] = []
        try:
            # Run both from the project directory: `serve` may be started from anywhere
            # (`python /srv/tandem/manage.py serve`), and both name the project relative to it.
            # Without Redis the workers' events reach the web process's connections
            # through it (tandem/realtime/bridge.py).
            wake_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
            # Every child sees the address served (HOST/PORT), so that each one's settings
            # derive the same public URL (TANDEM_SITE_URL's default) for the links it writes:
            # the worker's emails must not point at the default port when --port says another.
            web_env = {**os.environ, "HOST": host, "PORT": str(port)}
            # This node runs its own workers, so /healthz answers 503 when one of them is
            # down (unless the operator said otherwise).
            web_env.setdefault("TANDEM_HEALTH_REQUIRE_WORKERS", "1")
            workers_env = {**web_env, "TANDEM_WAKE_URL": f"http://{wake_host}:{port}/internal/wake"}
            for cmd, env in ((web, web_env), (worker, workers_env), (notifier, workers_env)):
                procs.append(subprocess.Popen(cmd, cwd=settings.BASE_DIR, env=env))
            self.stdout.write(f"Tandem is serving at http://{host}:{port}/ (Ctrl-C stops it)")
            while not stopping and all(p.poll() is None for p in procs):
                time.sleep(0.2)
        finally:
            stop_processes(procs)
        failed = [p.args[2] for p in procs if p.returncode not in (0, -signal.SIGTERM, None)]
        if failed and not stopping:
            raise SystemExit(f"stopped because a process exited: {failed}")
