"""Delete send idempotency records older than a day. Run from cron (`manage.py
messaging_sweep`) or as a loop with `--every SECONDS`; safe to run concurrently."""

import time

from django.core.management.base import BaseCommand, CommandParser

from tandem.messaging.services.sweep import messaging_sweep


class Command(BaseCommand):
    help = "Delete old message-send idempotency records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds.")

    def handle(self, *args: object, every: float, **options: object) -> None:
        while True:
            counts = messaging_sweep()
            self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
            if every <= 0:
                return
            time.sleep(every)
