"""Load the demo practice. Safe to run any number of times: it converges, it never duplicates.

Accounts are only ever created, never reset: a demo user who changed a password, a profile or
their availability keeps the change. Dated things (time off, a closed holiday, bookings) are
placed relative to today and topped up when the ones from an earlier run have passed, so the
practice stays alive however long ago it was first loaded.
"""

import importlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.text import slugify

from tandem.accounts.models import CoachApplication, User
from tandem.availability.models import DateOverride, TimeOff, WeeklyInterval
from tandem.booking.models import Booking, BookingEvent
from tandem.coaches.models import CoachProfile, Language, SessionType, Specialty
from tandem.demo.orgs import NORTHWIND_LOGINS, seed_goals, seed_orgs
from tandem.demo.payments import seed_payments, seed_payout
from tandem.demo.workspace import seed_workspace
from tandem.messaging.services import conversation_start, message_send
from tandem.notifications.services import schedule_set
from tandem.notifications.services.bookings import booking_changed
from tandem.orgs.models import Membership, Organisation

DEMO_PASSWORD = "tandem-demo-2026"

# (email, display name, zone, locale, role note)
DEMO_USERS = [
    ("staff@tandem.local", "Sam Staff", "UTC", "en", "staff"),
    ("alice@tandem.local", "Alice Adler", "Europe/Berlin", "en", "coach"),
    ("bob@tandem.local", "Bob Brown", "America/New_York", "en", "client"),
    ("charlie@tandem.local", "Charlie Chen", "Asia/Singapore", "en", "client"),
    ("priya@tandem.local", "Priya Patel", "Asia/Kolkata", "en", "coach"),
    ("marcus@tandem.local", "Marcus Reid", "America/New_York", "en", "coach"),
    ("hana@tandem.local", "Hana Sato", "Asia/Tokyo", "en", "coach"),
    ("diego@tandem.local", "Diego Díaz", "America/Mexico_City", "es", "coach (pending)"),
    ("olivia@tandem.local", "Olivia Ortiz", "Europe/London", "en", "org admin"),
]


@dataclass(frozen=True)
class DemoType:
    name: str
    minutes: int
    price: str
    description: str = ""
    requires_confirmation: bool = False
    buffer_after: int = 0
    notice_minutes: int | None = None  # None: the session type's default
    step_minutes: int | None = None


@dataclass(frozen=True)
class DemoCoach:
    key: str
    headline: str
    bio: str
    currency: str
    years: int
    credentials: str
    # (slug, name) and (code, name): found by either, created when missing.
    specialties: list[tuple[str, str]]
    languages: list[tuple[str, str]]
    types: list[DemoType]
    # Mon-Fri, these wall-clock intervals (minutes after local midnight) each day.
    hours: list[tuple[int, int]]
    # (month, day) public holidays of the coach's country: the next one is closed.
    holidays: list[tuple[int, int]] = field(default_factory=list)


INTRO = DemoType("Intro call", 30, "0", "A free first conversation: goals, fit, next steps.")
# Bookable at short notice, every quarter hour: what "Book now" offers while the coach is online.
QUICK = DemoType(
    "Quick call", 30, "45.00", "Half an hour, soon: for when it can't wait.",
    notice_minutes=0, step_minutes=15,
)  # fmt: skip

DEMO_COACHES = [
    DemoCoach(
        key="alice",
        headline="Leadership coach for first-time engineering managers",
        bio=(
            "I spent twelve years building software in Berlin, the last five leading teams. "
            "Now I help engineers who have just become managers find their feet: one-to-ones, "
            "feedback that lands, delegating without losing sleep."
        ),
        currency="EUR",
        years=9,
        credentials="ICF Professional Certified Coach (PCC)",
        specialties=[("leadership", "Leadership"), ("career", "Career")],
        languages=[("en", "English"), ("de", "German")],
        types=[
            INTRO,
            QUICK,
            DemoType("Coaching session", 60, "120.00", "One focused hour.", buffer_after=15),
            DemoType(
                "Leadership intensive",
                90,
                "170.00",
                "A longer session for a real problem, with a written summary afterwards.",
                requires_confirmation=True,
                buffer_after=15,
            ),
        ],
        hours=[(9 * 60, 12 * 60), (13 * 60, 17 * 60)],
        holidays=[(1, 1), (5, 1), (10, 3), (12, 25), (12, 26)],
    ),
    DemoCoach(
        key="priya",
        headline="Career transitions and confident interviewing",
        bio=(
            "Former recruiter, now on your side of the table. We map where you want to go, "
            "tell your story in two minutes, and practise the interviews until they feel easy."
        ),
        currency="INR",
        years=6,
        credentials="Certified career coach",
        specialties=[("career", "Career"), ("interview", "Interview preparation")],
        languages=[("en", "English"), ("hi", "Hindi")],
        types=[
            INTRO,
            DemoType("Interview practice", 60, "4500.00", "A mock interview with feedback."),
            DemoType(
                "Career strategy session",
                90,
                "6500.00",
                "Where next, and how to get there.",
                requires_confirmation=True,
            ),
        ],
        hours=[(10 * 60, 13 * 60), (14 * 60 + 30, 18 * 60 + 30)],
        holidays=[(1, 26), (8, 15), (10, 2)],
    ),
    DemoCoach(
        key="marcus",
        headline="Executive presence and public speaking for new leaders",
        bio=(
            "Twenty years on stages and in boardrooms. I coach leaders who have to speak, "
            "pitch and decide in public, and want to do it as themselves."
        ),
        currency="USD",
        years=14,
        credentials="ICF Master Certified Coach (MCC)",
        specialties=[("executive", "Executive"), ("communication", "Communication")],
        languages=[("en", "English"), ("es", "Spanish")],
        types=[
            INTRO,
            QUICK,
            DemoType("Coaching session", 60, "150.00", buffer_after=10),
            DemoType("Executive intensive", 90, "210.00", buffer_after=10),
        ],
        hours=[(8 * 60, 12 * 60), (13 * 60, 16 * 60 + 30)],
        holidays=[(1, 1), (7, 4), (12, 25)],
    ),
    DemoCoach(
        key="hana",
        headline="Mindful productivity for creative teams",
        bio=(
            "Designer turned coach. Calm, practical sessions on focus, energy and saying no, "
            "for people whose work is making things."
        ),
        currency="JPY",
        years=5,
        credentials="",
        specialties=[("productivity", "Productivity"), ("mindfulness", "Mindfulness")],
        languages=[("ja", "Japanese"), ("en", "English")],
        types=[INTRO, DemoType("Focus session", 60, "12000.00", "An hour on one thing.")],
        hours=[(9 * 60, 12 * 60), (13 * 60, 18 * 60)],
        holidays=[(1, 1), (5, 3), (11, 3)],
    ),
]


@dataclass(frozen=True)
class DemoBooking:
    type_name: str
    days: int  # from the coach's today: positive ahead, negative back
    minute: int  # local wall-clock start
    status: str
    rescheduled: bool = False  # moved here from a day earlier


S = Booking.Status
# (coach, client) -> what they have booked. Future ones are at least two days ahead.
DEMO_BOOKINGS = {
    ("alice", "bob"): [
        DemoBooking("Intro call", -21, 9 * 60, S.COMPLETED),
        DemoBooking("Coaching session", -14, 10 * 60, S.COMPLETED),
        DemoBooking("Coaching session", -7, 15 * 60, S.CANCELLED),
        DemoBooking("Coaching session", 2, 10 * 60, S.CONFIRMED),
        DemoBooking("Coaching session", 9, 14 * 60, S.CANCELLED),
        DemoBooking("Coaching session", 16, 11 * 60, S.CONFIRMED, rescheduled=True),
        DemoBooking("Leadership intensive", 12, 13 * 60, S.PENDING),
    ],
    ("priya", "charlie"): [
        DemoBooking("Intro call", -10, 10 * 60, S.COMPLETED),
        DemoBooking("Interview practice", 3, 11 * 60, S.CONFIRMED),
    ],
}
# What each client wrote when booking (each their own: Charlie's sessions once carried Bob's).
DEMO_BOOKING_NOTES = {
    "bob": "I'd like to work on delegating without losing track.",
    "charlie": "I have interviews coming up and want to practise telling my story.",
}
MIN_LEAD = timedelta(days=2)


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
        coach_ids = self._seed()
        self._refresh_denormalised(coach_ids)
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, name, zone, _, role in DEMO_USERS:
            self.stdout.write(f"  {email:<24} {role:<16} {name} ({zone})")
        self.stdout.write(f"  {NORTHWIND_LOGINS}")

    @transaction.atomic
    def _seed(self) -> list[int]:
        self.now = timezone.now()
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

        for coach in DEMO_COACHES:
            CoachApplication.objects.get_or_create(
                user=users[coach.key],
                status=CoachApplication.Status.APPROVED,
                defaults={
                    "headline": coach.headline,
                    "decided_at": self.now,
                    "decided_by": staff,
                },
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

        profiles = {coach.key: self._coach(coach, users[coach.key]) for coach in DEMO_COACHES}
        for (coach_key, client_key), plan in DEMO_BOOKINGS.items():
            self._bookings(
                profiles[coach_key], users[client_key], plan, DEMO_BOOKING_NOTES[client_key]
            )
        self._conversation(users["bob"], users["alice"])
        self._reminders(profiles["alice"], org)
        seed_payments(users, profiles, self.now)
        # Before the workspace: its demo starts an engagement for every booked pair.
        seed_orgs(users, profiles, self.now, DEMO_PASSWORD)
        seed_workspace(users, profiles, self.now)
        # After the workspace: the participants' goals go into the engagements it started.
        seed_goals(profiles, self.now)
        # Last: the payout pays what was earned up to its period end, the orgs demo's
        # back-dated sponsored sessions included.
        seed_payout(profiles, self.now)
        return [profile.pk for profile in profiles.values()]

    def _reminders(self, alice: CoachProfile, org: Organisation) -> None:
        """Alice reminds herself on a ladder; Northwind reminds its members a day and two
        hours ahead; every upcoming confirmed session has its reminders scheduled, and its
        people have it in their notification centre (both idempotent)."""
        schedule_set(coach=alice, coach_offsets=[300, 240, 180, 120, 60])
        schedule_set(organisation=org, client_offsets=[1440, 120])
        upcoming = Booking.objects.filter(start__gt=self.now, status=S.CONFIRMED)
        for booking_id in upcoming.values_list("pk", flat=True):
            booking_changed(booking_id, "confirmed", now=self.now)  # reminders too

    def _conversation(self, client: User, coach: User) -> None:
        """Bob and Alice have talked already (through the services: encrypted at rest)."""
        conversation, created = conversation_start(user=client, other_id=coach.public_id)
        if not created:
            return
        for sender, text in (
            (client, "Hi Alice, looking forward to our next session. Anything to prepare?"),
            (coach, "Hi Bob! Bring *one* situation from this week you'd like to work on."),
        ):
            message_send(user=sender, conversation_id=conversation.public_id, body=text)

    # --- coaches ---------------------------------------------------------------------------

    def _coach(self, coach: DemoCoach, user: User) -> CoachProfile:
        values = {
            "headline": coach.headline,
            "bio": coach.bio,
            "timezone": user.timezone,
            "currency": coach.currency,
            "years_experience": coach.years,
            "credentials": coach.credentials,
        }
        profile, created = CoachProfile.objects.get_or_create(
            user=user,
            defaults={
                **values,
                "slug": self._free_slug(user.display_name),
                "is_verified": True,
                "is_active": True,
            },
        )
        if not created:
            # A profile made on approval (or by the migration for coaches approved before
            # profiles existed) has blanks: fill those, keep whatever the coach wrote.
            blank = [name for name in values if values[name] and not getattr(profile, name)]
            if not profile.session_types.exists() and profile.currency != coach.currency:
                blank.append("currency")
            for name in blank:
                setattr(profile, name, values[name])
            if blank:
                profile.save(update_fields=[*blank, "updated_at"])
        if not profile.specialties.exists():
            profile.specialties.set([specialty(*pair) for pair in coach.specialties])
        if not profile.languages.exists():
            profile.languages.set([language(*pair) for pair in coach.languages])
        for demo_type in coach.types:
            defaults = {
                "description": demo_type.description,
                "duration_minutes": demo_type.minutes,
                "price": Decimal(demo_type.price),
                "currency": profile.currency,
                "requires_confirmation": demo_type.requires_confirmation,
                "buffer_after_minutes": demo_type.buffer_after,
            }
            if demo_type.notice_minutes is not None:
                defaults["min_notice_minutes"] = demo_type.notice_minutes
            if demo_type.step_minutes is not None:
                defaults["slot_step_minutes"] = demo_type.step_minutes
            SessionType.objects.get_or_create(coach=profile, name=demo_type.name, defaults=defaults)
        min_price = profile.session_types.filter(is_active=True).aggregate(p=Min("price"))["p"]
        if profile.min_price != min_price:
            profile.min_price = min_price
            profile.save(update_fields=["min_price", "updated_at"])

        # Weekly hours only for a coach who has none: a demo coach may edit theirs.
        if not profile.weekly.exists():
            WeeklyInterval.objects.bulk_create(
                WeeklyInterval(coach=profile, weekday=day, start_minute=a, end_minute=b)
                for day in range(5)
                for a, b in coach.hours
            )
        zone = ZoneInfo(profile.timezone)
        today = self.now.astimezone(zone).date()
        if coach.holidays and not profile.overrides.filter(date__gte=today).exists():
            DateOverride.objects.create(coach=profile, date=next_holiday(today, coach.holidays))
        if not profile.time_off.filter(end__gt=self.now).exists():
            # A week away: Monday to Monday, five weeks from now, local midnights.
            monday = today + timedelta(days=35 - today.weekday())
            TimeOff.objects.create(
                coach=profile,
                start=local_instant(monday, 0, zone),
                end=local_instant(monday + timedelta(days=7), 0, zone),
                reason="Holiday",
            )
        return profile

    def _free_slug(self, name: str) -> str:
        base = slugify(name)[:50] or "coach"
        slug, n = base, 1
        while CoachProfile.objects.filter(slug=slug).exists():
            n += 1
            slug = f"{base}-{n}"
        return slug

    # --- bookings --------------------------------------------------------------------------

    def _bookings(
        self, coach: CoachProfile, client: User, plan: list[DemoBooking], notes: str
    ) -> None:
        """Upcoming ones when the client has none upcoming with this coach; past ones likewise."""
        theirs = Booking.objects.filter(coach=coach, client=client)
        has_upcoming = theirs.filter(start__gt=self.now).exists()
        has_past = theirs.filter(start__lte=self.now).exists()
        for item in plan:
            if (item.days > 0 and has_upcoming) or (item.days <= 0 and has_past):
                continue
            session_type = coach.session_types.filter(name=item.type_name).first()
            if session_type is None:  # renamed by the demo coach: leave it be
                continue
            start = self._place(coach, session_type, item)
            if start is None:
                continue
            end = start + timedelta(minutes=session_type.duration_minutes)
            created = min(self.now - timedelta(days=1), start - timedelta(days=5))
            booking = Booking.objects.create(
                coach=coach,
                client=client,
                session_type=session_type,
                start=start,
                end=end,
                blocked_start=start - timedelta(minutes=session_type.buffer_before_minutes),
                blocked_end=end + timedelta(minutes=session_type.buffer_after_minutes),
                status=item.status,
                price=session_type.price,
                currency=session_type.currency,
                notes=notes,
                created_at=created,
                updated_at=created,
            )
            self._history(booking, item, created)

    def _history(self, booking: Booking, item: DemoBooking, created: datetime) -> None:
        """What the booking's life would have recorded, so the demo shows a real timeline."""
        client, coach_user = booking.client, booking.coach.user
        pending = item.status == S.PENDING or booking.session_type.requires_confirmation
        events = [
            BookingEvent(
                booking=booking,
                kind=BookingEvent.Kind.REQUESTED if pending else BookingEvent.Kind.BOOKED,
                actor=client,
                at=created,
                to_status=S.PENDING if pending else S.CONFIRMED,
                to_start=booking.start,
            )
        ]
        if item.status == S.PENDING:
            booking.pending_expires_at = min(
                self.now + timedelta(hours=settings.TANDEM_PENDING_EXPIRY_HOURS), booking.start
            )
        elif pending:
            events.append(
                BookingEvent(
                    booking=booking,
                    kind=BookingEvent.Kind.ACCEPTED,
                    actor=coach_user,
                    at=created + timedelta(hours=2),
                    from_status=S.PENDING,
                    to_status=S.CONFIRMED,
                    to_start=booking.start,
                )
            )
        if item.rescheduled:
            booking.sequence += 1
            events.append(
                BookingEvent(
                    booking=booking,
                    kind=BookingEvent.Kind.RESCHEDULED,
                    actor=client,
                    at=created + timedelta(hours=6),
                    from_status=S.CONFIRMED,
                    to_status=S.CONFIRMED,
                    from_start=booking.start - timedelta(days=1),
                    to_start=booking.start,
                    message="A team offsite moved; the day after works better.",
                )
            )
        if item.status == S.CANCELLED:
            at = min(created + timedelta(days=1), booking.start - timedelta(days=2))
            booking.sequence += 1
            booking.cancelled_at, booking.cancelled_by = at, client
            booking.cancel_reason = "schedule_conflict"
            booking.cancel_message = "Quarter-end deadline, sorry!"
            events.append(
                BookingEvent(
                    booking=booking,
                    kind=BookingEvent.Kind.CANCELLED,
                    actor=client,
                    at=at,
                    from_status=S.CONFIRMED,
                    to_status=S.CANCELLED,
                    to_start=booking.start,
                    reason_code="schedule_conflict",
                    message=booking.cancel_message,
                )
            )
        if item.status == S.COMPLETED:
            events.append(
                BookingEvent(
                    booking=booking,
                    kind=BookingEvent.Kind.COMPLETED,
                    actor=coach_user,
                    at=booking.end + timedelta(minutes=5),
                    from_status=S.CONFIRMED,
                    to_status=S.COMPLETED,
                    to_start=booking.start,
                )
            )
        booking.save()
        BookingEvent.objects.bulk_create(events)

    def _place(
        self, coach: CoachProfile, session_type: SessionType, item: DemoBooking
    ) -> datetime | None:
        """The first day from the planned one (moving away from today) where it fits."""
        zone = ZoneInfo(coach.timezone)
        day = self.now.astimezone(zone).date() + timedelta(days=item.days)
        step = timedelta(days=1 if item.days > 0 else -1)
        length = timedelta(minutes=session_type.duration_minutes)
        before = timedelta(minutes=session_type.buffer_before_minutes)
        after = timedelta(minutes=session_type.buffer_after_minutes)
        for _ in range(60):
            start = local_instant(day, item.minute, zone)
            end = start + length
            future_ok = item.days > 0 and start >= self.now + MIN_LEAD
            past_ok = item.days <= 0 and end <= self.now
            if (
                (future_ok or past_ok)
                and self._open(coach, day, item.minute, session_type.duration_minutes)
                and not TimeOff.objects.filter(coach=coach, start__lt=end, end__gt=start).exists()
                and not Booking.objects.filter(
                    coach=coach,
                    blocked_start__lt=end + after,
                    blocked_end__gt=start - before,
                )
                .exclude(status__in=Booking.CANCELLED_STATUSES)
                .exists()
            ):
                return start
            day += step
        return None

    def _open(self, coach: CoachProfile, day: date, minute: int, minutes: int) -> bool:
        if coach.overrides.filter(date=day).exists():
            return False
        return coach.weekly.filter(
            weekday=day.weekday(), start_minute__lte=minute, end_minute__gte=minute + minutes
        ).exists()

    # --- after the commit ------------------------------------------------------------------

    def _refresh_denormalised(self, coach_ids: list[int]) -> None:
        """Fill the directory's search document and next free time, where those exist."""
        for module_name, function_name in [
            ("tandem.coaches.search", "refresh_search_vectors"),
            ("tandem.availability.services", "refresh_next_available"),
        ]:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                continue
            refresh = getattr(module, function_name, None)
            if refresh is not None:
                refresh(coach_ids)


def specialty(slug: str, name: str) -> Specialty:
    found = Specialty.objects.filter(Q(slug=slug) | Q(name__iexact=name)).first()
    return found or Specialty.objects.create(slug=slug, name=name)


def language(code: str, name: str) -> Language:
    language, _ = Language.objects.get_or_create(code=code, defaults={"name": name})
    return language


def local_instant(day: date, minute: int, zone: ZoneInfo) -> datetime:
    local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=minute)
    return local.astimezone(UTC)


def next_holiday(today: date, holidays: list[tuple[int, int]]) -> date:
    """The first of these dates, on a weekday, at least three days from today."""
    candidates = sorted(
        date(year, month, day)
        for year in (today.year, today.year + 1, today.year + 2)
        for month, day in holidays
    )
    return next(day for day in candidates if day >= today + timedelta(days=3) and day.weekday() < 5)
