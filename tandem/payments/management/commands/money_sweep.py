"""Lapse unpaid card payments whose hold ended, expire packages and gift cards (forfeits
posted to the ledger once). Each of these also happens on time through a job scheduled at
the expiry; this is the backstop. Run from cron, or as a loop with `--every SECONDS`."""

import time

from django.core.management.base import BaseCommand, CommandParser

from tandem.payments.sweep import money_sweep


class Command(BaseCommand):
    help = "Lapse unpaid card payments; expire packages and gift cards."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds.")

    def handle(self, *args: object, every: float, **options: object) -> None:
        while True:
            counts = money_sweep()
            self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
            if every <= 0:
                return
            time.sleep(every)
