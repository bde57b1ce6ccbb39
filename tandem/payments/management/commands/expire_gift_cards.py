"""Expire gift cards past their date; what is left on them is posted as breakage revenue.

Run it from cron (`manage.py expire_gift_cards`) or as a loop with `--every SECONDS`. Safe to
run twice or concurrently: each card is claimed by a conditional UPDATE and its breakage
posting has a unique correlation key.
"""

import time

from django.core.management.base import BaseCommand, CommandParser

from tandem.payments.giftcards.services import giftcards_expire


class Command(BaseCommand):
    help = "Expire gift cards past their expiry date and post their remaining balance."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--every", type=int, default=0, help="Repeat every N seconds.")

    def handle(self, *args: object, every: int, **options: object) -> None:
        while True:
            self.stdout.write(f"expired gift cards: {giftcards_expire()}")
            if every <= 0:
                return
            time.sleep(every)
