"""Load the demo practice. Safe to run any number of times: it converges, it never duplicates."""

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from tandem.accounts.models import CoachApplication, User
from tandem.orgs.models import Membership, Organisation

DEMO_PASSWORD = "tandem-demo-2026"

# (email, display name, zone, locale, role note)
DEMO_USERS = [
    ("staff@tandem.local", "Sam Staff", "UTC", "en", "staff"),
    ("alice@tandem.local", "Alice Adler", "Europe/Berlin", "en", "coach"),
    ("bob@tandem.local", "Bob Brown", "America/New_York", "en", "client"),
    ("charlie@tandem.local", "Charlie Chen", "Asia/Singapore", "en", "client"),
    ("priya@tandem.local", "Priya Patel", "Asia/Kolkata", "en", "coach"),
    ("diego@tandem.local", "Diego Díaz", "America/Mexico_City", "es", "coach (pending)"),
    ("olivia@tandem.local", "Olivia Ortiz", "Europe/London", "en", "org admin"),
]


class Command(BaseCommand):
    help = "Create or refresh the demo accounts (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--migrate",
            action="store_true",
            help="Apply migrations first (one process instead of two: `make run` starts faster).",
        )

    def handle(self, *args: object, migrate: bool = False, **options: object) -> None:
        if migrate:
            call_command("migrate", interactive=False, verbosity=0)
        self._seed()

    @transaction.atomic
    def _seed(self) -> None:
        users: dict[str, User] = {}
        for email, name, zone, locale, _ in DEMO_USERS:
            user, created = User.objects.get_or_create(
                email=email,
                defaults={"display_name": name, "timezone": zone, "locale": locale},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            EmailAddress.objects.update_or_create(
                user=user, email=email, defaults={"verified": True, "primary": True}
            )
            users[email.split("@")[0]] = user

        staff = users["staff"]
        if not staff.is_staff:
            staff.is_staff = staff.is_superuser = True
            staff.save(update_fields=["is_staff", "is_superuser"])

        for key, headline in [
            ("alice", "Leadership coach for first-time engineering managers"),
            ("priya", "Career transitions and confident interviewing"),
        ]:
            CoachApplication.objects.get_or_create(
                user=users[key],
                status=CoachApplication.Status.APPROVED,
                defaults={"headline": headline, "decided_at": timezone.now(), "decided_by": staff},
            )
        CoachApplication.objects.get_or_create(
            user=users["diego"],
            status=CoachApplication.Status.PENDING,
            defaults={"headline": "Bilingual wellbeing coach"},
        )

        org, _ = Organisation.objects.get_or_create(
            slug="northwind", defaults={"name": "Northwind Traders"}
        )
        Membership.objects.get_or_create(
            organisation=org, user=users["olivia"], defaults={"role": Membership.Role.ADMIN}
        )
        Membership.objects.get_or_create(
            organisation=org, user=users["bob"], defaults={"role": Membership.Role.MEMBER}
        )

        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, name, zone, _, role in DEMO_USERS:
            self.stdout.write(f"  {email:<24} {role:<16} {name} ({zone})")
