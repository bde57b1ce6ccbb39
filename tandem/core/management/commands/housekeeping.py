"""Run every housekeeping sweep (tandem/core/housekeeping.py) once, or in a loop with
`--every SECONDS` (what `manage.py serve` starts). A sweep that fails is logged and the others
still run; the loop carries on at the next round (a restarted database, say), and a single run
exits non-zero."""

from __future__ import annotations

import io
import logging
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import close_old_connections

from tandem.core.housekeeping import SWEEPS

logger = logging.getLogger(__name__)


class Command(BaseCommand):
    help = "Run every housekeeping sweep (booking, money, directory, messaging, events)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds.")

    def handle(self, *args: object, every: float, **options: object) -> None:
        while True:
            failed = self.run_round(loud=int(str(options.get("verbosity", 1))) >= 1)
            if every <= 0:
                if failed:
                    raise CommandError(f"Failed: {', '.join(failed)} (see the log).")
                return
            time.sleep(every)
            # A long-lived loop: a connection broken meanwhile (a database restart) is
            # dropped before the next round, not reused.
            close_old_connections()

    def run_round(self, *, loud: bool) -> list[str]:
        failed = []
        for name in SWEEPS:
            counts = io.StringIO()  # each sweep's counts, said only at -v 1 and above
            try:
                call_command(name, stdout=counts)
            except Exception:
                logger.exception("housekeeping: %s failed", name)
                failed.append(name)
            if loud:
                self.stdout.write(f"{name}: {counts.getvalue().strip()}")
        return failed
