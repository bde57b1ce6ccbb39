"""Recompute the directory's `next_available_at` for listed coaches whose value went stale.

A stored next slot goes stale by itself as time passes (the slot moves into the past).
Changes to rules, session types and bookings refresh it on commit; this sweep catches the
rest. Run it from cron every few minutes (`manage.py refresh_next_available`), or with
`--every SECONDS` as a long-running loop next to `db_worker`. It is safe to run twice or
concurrently: each run recomputes from committed state and writes only that column.
"""

import time

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from tandem.availability import services


class Command(BaseCommand):
    help = (
        "Recompute next_available_at for listed coaches whose value is in the past, or unset "
        "while they have an active session type (--all: every listed coach)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--all", action="store_true", help="Recompute every listed coach, not just stale ones."
        )
        parser.add_argument(
            "--every",
            type=float,
            default=0,
            metavar="SECONDS",
            help="Keep running, sweeping every SECONDS (stop with Ctrl-C/SIGTERM).",
        )

    def handle(self, *args: object, **options: object) -> None:
        every = float(options["every"] or 0)  # type: ignore[arg-type]
        while True:
            ids = services.stale_next_available_ids(
                now=timezone.now(), everyone=bool(options["all"])
            )
            services.refresh_next_available(ids)
            if options["verbosity"]:
                self.stdout.write(f"Refreshed next_available_at for {len(ids)} coaches.")
            if every <= 0:
                return
            time.sleep(every)
