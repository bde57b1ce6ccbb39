"""Housekeeping for bookings: lapse due requests, delete old holds and idempotency records.

Pending requests lapse on time without this (a task is scheduled for each at its expiry, and
booking a slot lapses due requests first); this sweep is the backstop if the worker was down.
Run it from cron (`manage.py booking_sweep`) or as a loop with `--every SECONDS`. Safe to run
twice or concurrently: each request is claimed by a conditional UPDATE.
"""

import time

from django.core.management.base import BaseCommand, CommandParser

from tandem.booking import services


class Command(BaseCommand):
    help = "Lapse due pending requests; delete long-expired holds and old idempotency records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=float, default=0, help="Repeat every N seconds.")

    def handle(self, *args: object, every: float, **options: object) -> None:
        while True:
            counts = services.booking_sweep()
            self.stdout.write(", ".join(f"{name}: {count}" for name, count in counts.items()))
            if every <= 0:
                return
            time.sleep(every)
