"""The notification worker: sends due deliveries (reminders, emails, pushes) on time, once.

Runs beside the task worker (`manage.py serve` starts one). Several may run at once, on any
number of machines: they share the work through leases in the database, and one that dies
(even SIGKILL) leaves its claims to be taken over when their lease runs out.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import time
import uuid

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import DatabaseError, close_old_connections, connections

from tandem.core.heartbeats import beat
from tandem.notifications.services import run_due

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Send due notifications and reminders (claim with a lease, send, mark sent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--batch", type=int, default=200, help="deliveries per claim")
        parser.add_argument(
            "--poll", type=float, default=None, help="seconds between looks when idle"
        )
        parser.add_argument("--once", action="store_true", help="one batch, then exit")

    def handle(
        self, *args: object, batch: int, poll: float | None, once: bool, **kw: object
    ) -> None:
        poll = settings.TANDEM_DELIVERY_POLL_SECONDS if poll is None else poll
        owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        stopping = False

        def stop(signum: int, frame: object) -> None:
            nonlocal stopping
            stopping = True  # finish the batch in hand, then leave

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if int(kw.get("verbosity", 1)) > 0:
            self.stdout.write(f"notify_worker {owner} polling every {poll}s")
        next_beat = 0.0  # the first heartbeat at once: /healthz counts this worker from its start
        while not stopping:
            close_old_connections()
            try:
                # From the loop itself: a stale beat means this loop stopped turning.
                if time.monotonic() >= next_beat:
                    beat("notify_worker")
                    next_beat = time.monotonic() + settings.TANDEM_WORKER_HEARTBEAT_SECONDS
                claimed = run_due(owner=owner, limit=batch)
            except DatabaseError:
                # The database went away or is busy: what this worker held comes back
                # after its lease; try again shortly rather than exit.
                logger.exception("notify_worker: database error; retrying")
                connections.close_all()
                time.sleep(max(poll, 1.0))
                continue
            if once:
                return
            if claimed < batch:
                time.sleep(poll)
