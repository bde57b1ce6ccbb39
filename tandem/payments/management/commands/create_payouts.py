"""Create the payouts of a period: `manage.py create_payouts --period-end YYYY-MM-DD`.

Safe to run again (one payout per coach, currency and period). Run it after the period's
last day, e.g. from cron on the 1st of each month for the month before."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.core.errors import ServiceError
from tandem.payments.ledger.money import format_minor
from tandem.payments.payouts.services import parse_period_end, payouts_create


class Command(BaseCommand):
    help = "Create payouts for every coach with money owed at the end of the period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--period-end", required=True, help="The period's last day.")
        parser.add_argument("--method", choices=["manual", "stripe_connect"], default=None)

    def handle(self, *args: object, **options: object) -> None:
        try:
            end = parse_period_end(options["period_end"])
            made = payouts_create(period_end=end, method=options["method"])  # type: ignore[arg-type]
        except ServiceError as exc:
            raise CommandError(exc.message) from exc
        for p in made:
            self.stdout.write(
                f"{p.public_id} {p.coach.slug} {format_minor(p.amount, p.currency)} {p.status}"
            )
        self.stdout.write(f"{len(made)} payout(s) for the period ending {options['period_end']}.")
