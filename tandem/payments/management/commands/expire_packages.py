"""Expire packages past their end: unused credits are forfeited and what is left on each
package's account is posted to the coach (less the platform fee).

Run it from cron (`manage.py expire_packages`) or as a loop with `--every SECONDS`. Safe to run
twice or concurrently: each purchase is re-read under a lock and expires once, and its
breakage posts once (the ledger's correlation key).
"""

import time

from django.core.management.base import BaseCommand, CommandParser

from tandem.payments.packages.services import packages_expire


class Command(BaseCommand):
    help = "Expire packages past their end; forfeit unused credits; post the breakage."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds.")

    def handle(self, *args: object, every: int, **options: object) -> None:
        while True:
            total = 0
            while True:  # in batches until none is due
                expired = packages_expire()
                total += expired
                if expired == 0:
                    break
            self.stdout.write(f"packages expired: {total}")
            if every <= 0:
                return
            time.sleep(every)
