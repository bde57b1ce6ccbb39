"""Forget stream events older than TANDEM_EVENT_RETENTION_DAYS (default 7).

A client resuming from before the cut gets `resync_required` and reloads. Run it from cron
(`manage.py prune_events`) or as a loop with `--every SECONDS`. Safe to run concurrently.
"""

import time

from django.core.management.base import BaseCommand, CommandParser

from tandem.realtime.services import prune_events


class Command(BaseCommand):
    help = "Delete stream events older than the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds.")

    def handle(self, *args: object, every: float, **options: object) -> None:
        while True:
            self.stdout.write(f"events deleted: {prune_events()}")
            if every <= 0:
                return
            time.sleep(every)
