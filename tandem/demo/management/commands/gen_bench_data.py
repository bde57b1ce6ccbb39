"""Generate the large benchmark dataset: coaches, their rules, clients and bookings.

    manage.py gen_bench_data --coaches 10000 --bookings 100000 [--clients 2000] [--seed 1] [--reset]

Fast by construction: every table is filled with bulk_create in batches, passwords share one
hash computed once, and the whole run is one transaction. Everything it creates hangs off users
whose email ends in BENCH_DOMAIN, so `--reset` can remove exactly that and nothing else.

Bookings are placed on each coach's real availability (weekly rules, overrides and time off,
expanded in the coach's zone) and never overlap one another per coach, buffers included, so
the data satisfies the booking invariant whatever the database enforces. The number of
bookings per coach is deliberately skewed: a few "hot" coaches with open calendars carry
thousands each (the /slots benchmark picks the busiest), the rest follow a long-tailed
distribution.
"""

from __future__ import annotations

import bisect
import importlib
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.text import slugify

from tandem.accounts.models import CoachApplication, User
from tandem.availability.models import DateOverride, OverrideInterval, TimeOff, WeeklyInterval
from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile, Language, SessionType, Specialty

BENCH_DOMAIN = "bench.tandem.local"
BENCH_PASSWORD = "tandem-bench-2026"
BATCH = 2000
QUARTER = timedelta(minutes=15)
PAST_DAYS = 30
FUTURE_DAYS = 90
# Hot coaches: open every day from early to late, short sessions back to back.
HOT_PER_COACH = 2000
HOT_SHARE = 0.25
# Everyone else is kept well below full so that random placement finds room quickly.
MAX_OCCUPANCY = 0.35

# (zone, currency, weight): DST in both hemispheres, half- and quarter-hour offsets.
ZONES = [
    ("America/New_York", "USD", 14),
    ("America/Los_Angeles", "USD", 10),
    ("America/Chicago", "USD", 5),
    ("America/Sao_Paulo", "BRL", 4),
    ("America/St_Johns", "CAD", 1),
    ("Europe/London", "GBP", 12),
    ("Europe/Berlin", "EUR", 12),
    ("Europe/Madrid", "EUR", 4),
    ("Asia/Kolkata", "INR", 10),
    ("Asia/Kathmandu", "NPR", 1),
    ("Asia/Singapore", "SGD", 3),
    ("Asia/Tokyo", "JPY", 6),
    ("Australia/Sydney", "AUD", 6),
    ("Australia/Lord_Howe", "AUD", 1),
    ("Pacific/Auckland", "NZD", 2),
    ("Pacific/Chatham", "NZD", 1),
]
# Roughly what one EUR buys, and the step prices are rounded to.
CURRENCY_SCALE = {
    "EUR": (Decimal("1"), 5),
    "USD": (Decimal("1.1"), 5),
    "GBP": (Decimal("0.85"), 5),
    "CAD": (Decimal("1.5"), 5),
    "BRL": (Decimal("5.5"), 10),
    "INR": (Decimal("90"), 100),
    "NPR": (Decimal("145"), 100),
    "SGD": (Decimal("1.45"), 5),
    "JPY": (Decimal("160"), 500),
    "AUD": (Decimal("1.65"), 5),
    "NZD": (Decimal("1.8"), 5),
}
# The zone's usual language first (when the table has it), English often second.
ZONE_LANGUAGE = {
    "Europe/Berlin": "de",
    "Europe/Madrid": "es",
    "America/Sao_Paulo": "pt",
    "Asia/Kolkata": "hi",
    "Asia/Kathmandu": "ne",
    "Asia/Tokyo": "ja",
    "Asia/Singapore": "zh",
}
# Used only when the tables are empty (the coaches app seeds them in a data migration).
FALLBACK_SPECIALTIES = [
    ("leadership", "Leadership"),
    ("career", "Career"),
    ("executive", "Executive"),
    ("life", "Life"),
    ("health-wellness", "Health & wellness"),
    ("relationships", "Relationships"),
    ("business", "Business"),
    ("mindfulness", "Mindfulness"),
    ("public-speaking", "Public speaking"),
    ("productivity", "Productivity"),
]
FALLBACK_LANGUAGES = [
    ("en", "English"),
    ("de", "German"),
    ("fr", "French"),
    ("es", "Spanish"),
    ("pt", "Portuguese"),
    ("hi", "Hindi"),
    ("ja", "Japanese"),
    ("zh", "Chinese"),
]


def words(text: str) -> list[str]:
    return text.split()


FIRST_NAMES = words("""
Ada Aiko Alex Amara Ana Anil Arjun Ben Bianca Carlos Chen Chloe Dana David Elena
Emeka Emma Farah Felix Grace Hannah Hiro Ian Ines Isla Ivan Jade James Jonas Kai Kavya Laila
Leo Lina Lucas Maya Mateo Mei Mia Mohammed Nadia Noah Nora Oliver Omar Priti Rafael Ravi Rosa
Sam Sara Sofia Tariq Theo Uma Victor Yara Yuki Zara Zoe""")
LAST_NAMES = words("""
Adeyemi Bauer Becker Brown Castro Chen Cohen Das Dubois Evans Fischer Garcia Gupta
Haddad Hansen Ito Iyer Jensen Kaur Kim Kowalski Kumar Larsen Lopez Martin Meyer Moreau Müller
Nakamura Nguyen Novak Okafor Olsen Patel Perez Quinn Reddy Rossi Santos Sato Schmidt Silva Singh
Smith Suzuki Tanaka Taylor Walker Wang Weber Williams Wilson Yamamoto Young Zhang""")
ADJECTIVES = words("""
Calm Practical Warm Direct Curious Evidence-based Pragmatic Thoughtful Energetic
Patient Structured Compassionate""")
AUDIENCES = [
    "first-time managers",
    "founders",
    "career changers",
    "senior engineers",
    "new parents",
    "graduates",
    "creative teams",
    "nurses and doctors",
    "remote teams",
    "small-business owners",
    "introverts",
    "returning professionals",
]
BIO_SENTENCES = [
    "I have coached {n} clients over {y} years, most of them {audience}.",
    "Sessions are practical: we leave every call with one small, concrete next step.",
    "My background is in {field}, which shapes how I listen and what I ask.",
    "I am certified by an international coaching federation and supervised monthly.",
    "Expect honest questions, clear structure and room to think out loud.",
    "Clients come to me about {topic}; they stay for the accountability.",
    "I work in short cycles: agree a goal, try something, review what happened.",
    "Outside coaching I teach workshops on {topic} for companies and universities.",
]
FIELDS = ["engineering", "medicine", "teaching", "finance", "design", "sport", "law", "HR"]
TYPE_NAMES = {
    30: ["Intro call", "Quick check-in", "Focus session"],
    45: ["Coaching session (45 min)", "Strategy call"],
    60: ["Coaching session", "Deep work session", "Career session"],
    90: ["Intensive (90 min)", "Workshop session", "Package session"],
}
BASE_PRICE_EUR = {30: (40, 90), 45: (60, 120), 60: (80, 180), 90: (120, 260)}


@dataclass
class TypePlan:
    name: str
    duration: int
    price: Decimal
    buffer_before: int
    buffer_after: int
    min_notice: int
    window_days: int
    step: int
    requires_confirmation: bool
    is_active: bool = True
    pk: int = 0  # the session type's id, set once the session types are written

    @property
    def length(self) -> timedelta:
        return timedelta(minutes=self.duration)

    @property
    def before(self) -> timedelta:
        return timedelta(minutes=self.buffer_before)

    @property
    def after(self) -> timedelta:
        return timedelta(minutes=self.buffer_after)


@dataclass
class CoachPlan:
    index: int
    first: str
    last: str
    zone_name: str
    currency: str
    hot: bool
    specialties: list[int]
    languages: list[int]
    weekly: dict[int, list[tuple[int, int]]]
    overrides: dict[date, list[tuple[int, int]]]
    time_off: list[tuple[datetime, datetime]]
    types: list[TypePlan]
    profile_pk: int = 0  # the profile's id, set once the profiles are written
    # This coach's blocked ranges, kept sorted by start (they never overlap).
    busy_starts: list[datetime] = field(default_factory=list)
    busy_ends: list[datetime] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.zone = ZoneInfo(self.zone_name)
        self.active_types = [t for t in self.types if t.is_active]

    def try_block(self, start: datetime, end: datetime) -> bool:
        """Claim [start, end) unless it overlaps a range already claimed."""
        i = bisect.bisect_right(self.busy_starts, start)
        if i > 0 and self.busy_ends[i - 1] > start:
            return False
        if i < len(self.busy_starts) and self.busy_starts[i] < end:
            return False
        self.busy_starts.insert(i, start)
        self.busy_ends.insert(i, end)
        return True

    def weekly_minutes(self) -> int:
        return sum(b - a for intervals in self.weekly.values() for a, b in intervals)


def wall_to_utc(day: date, minute: int, zone: ZoneInfo, *, is_end: bool) -> datetime:
    """A wall-clock minute of a local date as a UTC instant, on the safe side.

    Around DST changes a wall time may not exist or exist twice; of the two readings, starts
    take the later and ends the earlier one, so the instants between are open whatever the
    zone did that day.
    """
    local = datetime(day.year, day.month, day.day, tzinfo=zone) + timedelta(minutes=minute)
    readings = (local.replace(fold=0).astimezone(UTC), local.replace(fold=1).astimezone(UTC))
    return min(readings) if is_end else max(readings)


def subtract(
    start: datetime, end: datetime, cuts: list[tuple[datetime, datetime]]
) -> list[tuple[datetime, datetime]]:
    pieces = [(start, end)]
    for cut_start, cut_end in cuts:
        next_pieces = []
        for a, b in pieces:
            if cut_end <= a or cut_start >= b:
                next_pieces.append((a, b))
                continue
            if a < cut_start:
                next_pieces.append((a, cut_start))
            if cut_end < b:
                next_pieces.append((cut_end, b))
        pieces = next_pieces
    return pieces


def day_windows(plan: CoachPlan, day: date) -> list[tuple[datetime, datetime]]:
    """The open UTC ranges of one local date of the coach: override or weekly, minus time off."""
    intervals = plan.overrides[day] if day in plan.overrides else plan.weekly.get(day.weekday())
    windows: list[tuple[datetime, datetime]] = []
    for a, b in intervals or ():
        start = wall_to_utc(day, a, plan.zone, is_end=False)
        end = wall_to_utc(day, b, plan.zone, is_end=True)
        if start < end:
            windows.extend(subtract(start, end, plan.time_off))
    windows.sort()
    return windows


def align_up(instant: datetime, base: datetime, step: timedelta) -> datetime:
    return base + step * -(-(instant - base) // step)


class Command(BaseCommand):
    help = "Generate the benchmark dataset (users under @bench.tandem.local)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--coaches", type=int, default=10_000)
        parser.add_argument("--bookings", type=int, default=100_000)
        parser.add_argument("--clients", type=int, default=2_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--reset", action="store_true", help="Delete existing bench data first."
        )

    def handle(self, *args: object, **options: object) -> None:
        coaches = int(options["coaches"])  # type: ignore[call-overload]
        bookings = int(options["bookings"])  # type: ignore[call-overload]
        clients = int(options["clients"])  # type: ignore[call-overload]
        if coaches < 1 or clients < 1 or bookings < 0:
            raise CommandError("Need at least one coach and one client, and bookings >= 0.")
        self.rng = random.Random(int(options["seed"]))  # type: ignore[call-overload]
        self.started = time.perf_counter()
        self.timings: list[tuple[str, float]] = []
        existing = bench_users().count()
        if existing and not options["reset"]:
            raise CommandError(
                f"{existing} bench users exist already; pass --reset to replace them."
            )
        # Hours, not minutes: keeps wall-clock alignment simple in every zone.
        self.now = timezone.now().replace(minute=0, second=0, microsecond=0)
        self.range_start = self.now - timedelta(days=PAST_DAYS)
        self.range_end = self.now + timedelta(days=FUTURE_DAYS)
        first_day = (self.range_start - timedelta(days=1)).date()
        self.days = [
            first_day + timedelta(days=n)
            for n in range((self.range_end.date() - first_day).days + 2)
        ]

        with transaction.atomic():
            if existing:
                self._reset()
                self._lap("reset")
            self._generate(coaches, clients, bookings)
        self._refresh_denormalised()
        total = time.perf_counter() - self.started
        laps = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in self.timings)
        self.stdout.write(f"Done in {total:.1f} s on {connection.vendor} ({laps}).")

    # --- steps ---------------------------------------------------------------------------

    def _lap(self, name: str) -> None:
        now = time.perf_counter()
        previous = sum(seconds for _, seconds in self.timings)
        self.timings.append((name, now - self.started - previous))

    def _reset(self) -> None:
        users = bench_users()
        profiles = CoachProfile.objects.filter(user__in=users)
        # Children first, each a single DELETE; then the users (cascading to what is left).
        deleted = [
            Booking.objects.filter(Q(coach__in=profiles) | Q(client__in=users)).delete(),
            OverrideInterval.objects.filter(override__coach__in=profiles).delete(),
            *(
                model.objects.filter(coach__in=profiles).delete()
                for model in (DateOverride, TimeOff, WeeklyInterval, SessionType)
            ),
            CoachProfile.specialties.through.objects.filter(coachprofile__in=profiles).delete(),
            CoachProfile.languages.through.objects.filter(coachprofile__in=profiles).delete(),
            profiles.delete(),
            EmailAddress.objects.filter(user__in=users).delete(),
            CoachApplication.objects.filter(user__in=users).delete(),
            users.delete(),
        ]
        count = sum(n for n, _ in deleted)
        self.stdout.write(f"Removed the previous bench data ({count} rows).")

    def _generate(self, n_coaches: int, n_clients: int, n_bookings: int) -> None:
        specialty_ids, language_ids = self._reference_data()
        n_hot = max(1, min(10, n_bookings // 10_000)) if n_bookings else 0
        n_hot = min(n_hot, n_coaches)
        plans = [
            self._plan_coach(i, specialty_ids, language_ids, hot=i < n_hot)
            for i in range(n_coaches)
        ]
        self._lap("plan")

        password = make_password(BENCH_PASSWORD)
        coach_users = self._create_users(
            [
                (f"coach{p.index:05d}@{BENCH_DOMAIN}", f"{p.first} {p.last}", p.zone_name)
                for p in plans
            ],
            password,
        )
        zones = [zone for zone, _, _ in ZONES]
        weights = [weight for _, _, weight in ZONES]
        client_zones = self.rng.choices(zones, weights=weights, k=n_clients)
        client_users = self._create_users(
            [
                (
                    f"client{i:05d}@{BENCH_DOMAIN}",
                    f"{self.rng.choice(FIRST_NAMES)} {self.rng.choice(LAST_NAMES)}",
                    client_zones[i],
                )
                for i in range(n_clients)
            ],
            password,
        )
        decided = self.now - timedelta(days=60)
        CoachApplication.objects.bulk_create(
            (
                CoachApplication(
                    user=user,
                    status=CoachApplication.Status.APPROVED,
                    headline="Benchmark coach",
                    created_at=decided,
                    decided_at=decided,
                )
                for user in coach_users
            ),
            batch_size=BATCH,
        )
        self._lap("users")

        self._create_profiles(plans, coach_users)
        self._lap("profiles")
        self._create_rules(plans)
        self._lap("rules")

        client_ids = [user.pk for user in client_users]
        rows = self._place_bookings(plans, n_bookings, client_ids)
        self._lap("placing")
        Booking.objects.bulk_create(rows, batch_size=BATCH)
        self._lap("bookings")

        self.coach_profile_ids = [p.profile_pk for p in plans]
        hot = sorted((len(p.busy_starts) for p in plans if p.hot), reverse=True)
        per_coach = Counter(len(p.busy_starts) for p in plans)
        self.stdout.write(
            f"Created {n_coaches} coaches, {n_clients} clients, "
            f"{sum(len(p.types) for p in plans)} session types, "
            f"{sum(len(v) for p in plans for v in p.weekly.values())} weekly intervals, "
            f"{sum(len(p.overrides) for p in plans)} overrides, "
            f"{sum(len(p.time_off) for p in plans)} time-off ranges, {len(rows)} bookings."
        )
        self.stdout.write(
            f"Bookings per coach: hot {hot}, median "
            f"{sorted(len(p.busy_starts) for p in plans)[n_coaches // 2]}, "
            f"coaches without bookings {per_coach.get(0, 0)}."
        )

    def _reference_data(self) -> tuple[list[int], dict[str, int]]:
        if not Specialty.objects.exists():
            for slug, name in FALLBACK_SPECIALTIES:
                Specialty.objects.get_or_create(slug=slug, defaults={"name": name})
        if not Language.objects.exists():
            for code, name in FALLBACK_LANGUAGES:
                Language.objects.get_or_create(code=code, defaults={"name": name})
        self.specialty_names = dict(Specialty.objects.order_by("pk").values_list("pk", "name"))
        specialty_ids = list(self.specialty_names)
        language_ids = dict(Language.objects.order_by("pk").values_list("code", "pk"))
        return specialty_ids, language_ids

    def _create_users(self, rows: list[tuple[str, str, str]], password: str) -> list[User]:
        joined = self.now - timedelta(days=120)
        users = User.objects.bulk_create(
            (
                User(
                    email=email,
                    display_name=name,
                    timezone=zone,
                    password=password,
                    date_joined=joined,
                )
                for email, name, zone in rows
            ),
            batch_size=BATCH,
        )
        if any(user.pk is None for user in users):  # a backend that returns no ids
            ids = dict(bench_users().values_list("email", "pk"))
            for user in users:
                user.pk = ids[user.email]
        EmailAddress.objects.bulk_create(
            (
                EmailAddress(user_id=user.pk, email=user.email, verified=True, primary=True)
                for user in users
            ),
            batch_size=BATCH,
        )
        return users

    def _create_profiles(self, plans: list[CoachPlan], users: list[User]) -> None:
        rng = self.rng
        profiles = []
        for plan, user in zip(plans, users, strict=True):
            specialty_names = [self.specialty_names[pk] for pk in plan.specialties]
            audience = rng.choice(AUDIENCES)
            headline = f"{rng.choice(ADJECTIVES)} {specialty_names[0].lower()} coach for {audience}"
            bio = " ".join(
                sentence.format(
                    n=rng.randrange(20, 400),
                    y=rng.randrange(2, 25),
                    audience=audience,
                    field=rng.choice(FIELDS),
                    topic=rng.choice(specialty_names).lower(),
                )
                for sentence in rng.sample(BIO_SENTENCES, rng.randint(2, 4))
            )
            profiles.append(
                CoachProfile(
                    user_id=user.pk,
                    slug=f"{slugify(f'{plan.first} {plan.last}')[:40]}-{plan.index}",
                    headline=headline,
                    bio=bio,
                    timezone=plan.zone_name,
                    currency=plan.currency,
                    years_experience=rng.randrange(1, 30),
                    credentials="ICF ACC" if rng.random() < 0.4 else "",
                    is_verified=True,
                    is_active=True,
                    min_price=min(t.price for t in plan.active_types),
                    created_at=self.now - timedelta(days=rng.randrange(60, 120)),
                )
            )
        profiles = CoachProfile.objects.bulk_create(profiles, batch_size=BATCH)
        if any(profile.pk is None for profile in profiles):
            ids = dict(
                CoachProfile.objects.filter(user__in=bench_users()).values_list("user_id", "pk")
            )
            for profile in profiles:
                profile.pk = ids[profile.user_id]
        for plan, profile in zip(plans, profiles, strict=True):
            plan.profile_pk = profile.pk
        specialty_through = CoachProfile.specialties.through
        specialty_through.objects.bulk_create(
            (
                specialty_through(coachprofile_id=plan.profile_pk, specialty_id=pk)
                for plan in plans
                for pk in plan.specialties
            ),
            batch_size=BATCH,
        )
        language_through = CoachProfile.languages.through
        language_through.objects.bulk_create(
            (
                language_through(coachprofile_id=plan.profile_pk, language_id=pk)
                for plan in plans
                for pk in plan.languages
            ),
            batch_size=BATCH,
        )

    def _create_rules(self, plans: list[CoachPlan]) -> None:
        session_types = []
        for plan in plans:
            for t in plan.types:
                session_types.append(
                    SessionType(
                        coach_id=plan.profile_pk,
                        name=t.name,
                        duration_minutes=t.duration,
                        price=t.price,
                        currency=plan.currency,
                        buffer_before_minutes=t.buffer_before,
                        buffer_after_minutes=t.buffer_after,
                        min_notice_minutes=t.min_notice,
                        booking_window_days=t.window_days,
                        slot_step_minutes=t.step,
                        requires_confirmation=t.requires_confirmation,
                        is_active=t.is_active,
                        created_at=self.now - timedelta(days=60),
                    )
                )
        created = SessionType.objects.bulk_create(session_types, batch_size=BATCH)
        if any(st.pk is None for st in created):
            raise CommandError("This database backend returns no ids from bulk inserts.")
        it = iter(created)
        for plan in plans:
            for t in plan.types:
                t.pk = next(it).pk

        WeeklyInterval.objects.bulk_create(
            (
                WeeklyInterval(coach_id=plan.profile_pk, weekday=day, start_minute=a, end_minute=b)
                for plan in plans
                for day, intervals in plan.weekly.items()
                for a, b in intervals
            ),
            batch_size=BATCH,
        )
        override_keys = [(plan, day) for plan in plans for day in plan.overrides]
        overrides = DateOverride.objects.bulk_create(
            (DateOverride(coach_id=plan.profile_pk, date=day) for plan, day in override_keys),
            batch_size=BATCH,
        )
        OverrideInterval.objects.bulk_create(
            (
                OverrideInterval(override_id=override.pk, start_minute=a, end_minute=b)
                for (plan, day), override in zip(override_keys, overrides, strict=True)
                for a, b in plan.overrides[day]
            ),
            batch_size=BATCH,
        )
        TimeOff.objects.bulk_create(
            (
                TimeOff(coach_id=plan.profile_pk, start=start, end=end, reason="Away")
                for plan in plans
                for start, end in plan.time_off
            ),
            batch_size=BATCH,
        )

    # --- planning (pure Python, seeded) --------------------------------------------------

    def _plan_coach(
        self, index: int, specialty_ids: list[int], language_ids: dict[str, int], *, hot: bool
    ) -> CoachPlan:
        rng = self.rng
        zone, currency, _ = rng.choices(ZONES, weights=[w for _, _, w in ZONES])[0]
        specialties = rng.sample(specialty_ids, min(len(specialty_ids), rng.randint(1, 3)))
        languages: list[int] = []
        native = language_ids.get(ZONE_LANGUAGE.get(zone, "en"))
        if native is not None:
            languages.append(native)
        english = language_ids.get("en")
        if english is not None and english not in languages and rng.random() < 0.7:
            languages.append(english)
        others = [pk for pk in language_ids.values() if pk not in languages]
        if others and (not languages or (len(languages) == 1 and rng.random() < 0.3)):
            languages.append(rng.choice(others))
        if hot:
            # Open every day 05:00-22:30 with a break; short sessions, no buffers.
            weekly = {day: [(300, 750), (780, 1350)] for day in range(7)}
            types = [
                self._type(30, currency, rng, buffers=False),
                self._type(60, currency, rng, buffers=False),
            ]
            overrides: dict[date, list[tuple[int, int]]] = {}
            time_off: list[tuple[datetime, datetime]] = []
        else:
            weekly = self._weekly(rng)
            types = [
                self._type(d, currency, rng)
                for d in sorted(rng.sample((30, 45, 60, 90), rng.choice((1, 2, 2, 2, 3))))
            ]
            if types[0].duration == 30 and rng.random() < 0.25:
                types[0].name, types[0].price = "Free intro call", Decimal("0.00")
                types[0].requires_confirmation = False
            if len(types) > 1 and rng.random() < 0.05:
                types[-1].is_active = False  # retired, still in history
            overrides = self._overrides(rng)
            time_off = self._time_off(rng, ZoneInfo(zone))
        return CoachPlan(
            index=index,
            first=rng.choice(FIRST_NAMES),
            last=rng.choice(LAST_NAMES),
            zone_name=zone,
            currency=currency,
            hot=hot,
            specialties=specialties,
            languages=languages,
            weekly=weekly,
            overrides=overrides,
            time_off=time_off,
            types=types,
        )

    def _type(
        self, duration: int, currency: str, rng: random.Random, *, buffers: bool = True
    ) -> TypePlan:
        scale, unit = CURRENCY_SCALE[currency]
        low, high = BASE_PRICE_EUR[duration]
        raw = Decimal(rng.randint(low, high)) * scale
        price = max(Decimal(unit), (raw / unit).quantize(Decimal("1")) * unit)
        return TypePlan(
            name=rng.choice(TYPE_NAMES[duration]),
            duration=duration,
            price=price.quantize(Decimal("0.01")),
            buffer_before=rng.choice((0, 0, 0, 5, 10)) if buffers else 0,
            buffer_after=rng.choice((0, 5, 10, 15)) if buffers else 0,
            min_notice=rng.choice((60, 240, 720, 720, 1440, 2880)),
            window_days=rng.choice((30, 60, 60, 90)),
            step=15 if duration in (30, 45) else rng.choice((15, 30, 30)),
            requires_confirmation=rng.random() < 0.15,
        )

    def _weekly(self, rng: random.Random) -> dict[int, list[tuple[int, int]]]:
        n_days = rng.randint(4, 6)
        if rng.random() < 0.8:  # mostly working days, sometimes one weekend day
            days = rng.sample(range(5), min(n_days, 5)) + rng.sample((5, 6), max(0, n_days - 5))
        else:
            days = rng.sample(range(7), n_days)
        usual = self._day_intervals(rng)
        return {
            day: usual if rng.random() < 0.7 else self._day_intervals(rng) for day in sorted(days)
        }

    def _day_intervals(self, rng: random.Random) -> list[tuple[int, int]]:
        if rng.random() < 0.03:  # a night owl, open until midnight
            return [(14 * 60, 18 * 60), (19 * 60, 1440)]
        start = rng.randrange(6 * 60, 10 * 60 + 1, 30)
        intervals = []
        for _ in range(rng.choice((1, 2, 2, 3))):
            end = min(start + rng.randrange(120, 301, 30), 1440)
            if end - start < 60:
                break
            intervals.append((start, end))
            start = end + rng.choice((30, 60, 60, 90, 120))
        return intervals

    def _overrides(self, rng: random.Random) -> dict[date, list[tuple[int, int]]]:
        overrides: dict[date, list[tuple[int, int]]] = {}
        for day in rng.sample(self.days, rng.choice((0, 0, 1, 1, 2, 3))):
            if rng.random() < 0.6:
                overrides[day] = []  # closed
            else:
                start = rng.randrange(8 * 60, 12 * 60 + 1, 30)
                overrides[day] = [(start, start + rng.randrange(120, 241, 30))]
        return overrides

    def _time_off(self, rng: random.Random, zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
        ranges = []
        for _ in range(rng.choice((0, 0, 0, 0, 0, 0, 0, 1, 1, 2))):
            first = rng.choice(self.days)
            length = rng.randint(1, 7)
            ranges.append(
                (
                    wall_to_utc(first, 0, zone, is_end=False),
                    wall_to_utc(first + timedelta(days=length), 0, zone, is_end=True),
                )
            )
        return ranges

    # --- bookings ------------------------------------------------------------------------

    def _place_bookings(
        self, plans: list[CoachPlan], total: int, client_ids: list[int]
    ) -> list[Booking]:
        rng = self.rng
        hot = [p for p in plans if p.hot]
        rest = [p for p in plans if not p.hot]
        per_hot = min(HOT_PER_COACH, int(total * HOT_SHARE / len(hot))) if hot else 0
        placed: list[tuple[CoachPlan, TypePlan, datetime]] = []
        for plan in hot:
            placed.extend(self._fill(plan, per_hot))

        # The rest: long-tailed weights, each coach capped well below a full calendar.
        wanted = total - len(placed)
        counts: Counter[int] = Counter()
        if rest and wanted:
            weights = [rng.paretovariate(1.3) for _ in rest]
            counts = Counter(rng.choices(range(len(rest)), weights=weights, k=wanted))
            caps = [self._capacity(plan) for plan in rest]
            overflow = 0
            for i, n in counts.items():
                if n > caps[i]:
                    overflow += n - caps[i]
                    counts[i] = caps[i]
            room = [i for i in range(len(rest)) if counts[i] < caps[i]]
            while overflow and room:
                i = rng.choice(room)
                counts[i] += 1
                overflow -= 1
                if counts[i] >= caps[i]:
                    room.remove(i)
        shortfall = 0
        for i, n in counts.items():
            got = self._scatter(rest[i], n)
            placed.extend(got)
            shortfall += n - len(got)
        # Anything that found no room goes, one at a time, to coaches chosen at random.
        tries = 0
        while shortfall and rest and tries < 50 * shortfall + 1000:
            tries += 1
            got = self._scatter(rng.choice(rest), 1, attempts=20)
            placed.extend(got)
            shortfall -= len(got)
        if shortfall:
            self.stderr.write(f"Could not place {shortfall} bookings: calendars are full.")

        rows = []
        for plan, session_type, start in placed:
            end = start + session_type.length
            rows.append(
                Booking(
                    coach_id=plan.profile_pk,
                    client_id=rng.choice(client_ids),
                    session_type_id=session_type.pk,
                    start=start,
                    end=end,
                    blocked_start=start - session_type.before,
                    blocked_end=end + session_type.after,
                    status=self._status(session_type, start, end),
                    created_at=min(
                        self.now, start - timedelta(minutes=rng.randrange(60, 30 * 24 * 60))
                    ),
                )
            )
        return rows

    def _capacity(self, plan: CoachPlan) -> int:
        """How many bookings this coach may get: a share of what the calendar could hold."""
        days = (self.range_end - self.range_start).days
        open_minutes = plan.weekly_minutes() * days / 7
        mean_length = sum(
            t.duration + t.buffer_before + t.buffer_after for t in plan.active_types
        ) / len(plan.active_types)
        return int(MAX_OCCUPANCY * open_minutes / mean_length)

    def _fill(self, plan: CoachPlan, count: int) -> list[tuple[CoachPlan, TypePlan, datetime]]:
        """Walk the calendar in order laying sessions back to back, then keep `count` of them."""
        rng = self.rng
        candidates = []
        free_from = self.range_start
        for day in self.days:
            for window_start, window_end in day_windows(plan, day):
                while True:
                    st = rng.choice(plan.active_types)
                    start = max(window_start, free_from + st.before)
                    start = align_up(start, window_start, QUARTER)
                    start += QUARTER * rng.choice((0, 0, 0, 0, 1))
                    if start + st.length > window_end or start + st.length + st.after > (
                        self.range_end
                    ):
                        break
                    candidates.append((plan, st, start))
                    free_from = start + st.length + st.after
        chosen = rng.sample(candidates, min(count, len(candidates)))
        for _, st, start in chosen:
            ok = plan.try_block(start - st.before, start + st.length + st.after)
            assert ok, "candidates never overlap"
        return chosen

    def _scatter(
        self, plan: CoachPlan, count: int, *, attempts: int = 0
    ) -> list[tuple[CoachPlan, TypePlan, datetime]]:
        """Drop `count` sessions at random open places that are still free."""
        rng = self.rng
        placed: list[tuple[CoachPlan, TypePlan, datetime]] = []
        budget = attempts or 30 * count + 50
        while len(placed) < count and budget:
            budget -= 1
            windows = day_windows(plan, rng.choice(self.days))
            if not windows:
                continue
            window_start, window_end = rng.choice(windows)
            st = rng.choice(plan.active_types)
            room = (window_end - window_start - st.length) // QUARTER
            if room < 0:
                continue
            start = window_start + QUARTER * rng.randint(0, room)
            blocked_start, blocked_end = start - st.before, start + st.length + st.after
            if blocked_start < self.range_start or blocked_end > self.range_end:
                continue
            if plan.try_block(blocked_start, blocked_end):
                placed.append((plan, st, start))
        return placed

    def _status(self, session_type: TypePlan, start: datetime, end: datetime) -> str:
        r = self.rng.random()
        status = Booking.Status
        if end <= self.now:
            if r < 0.80:
                return status.COMPLETED
            if r < 0.90:
                return status.CANCELLED
            return status.NO_SHOW if r < 0.95 else status.CONFIRMED
        if r < 0.07:
            return status.CANCELLED
        if session_type.requires_confirmation and start > self.now and r < 0.5:
            return status.PENDING
        return status.CONFIRMED

    # --- after the commit ---------------------------------------------------------------

    def _refresh_denormalised(self) -> None:
        """Fill what the directory sorts and searches on, with the apps' own functions."""
        for module_name, function_name, label in [
            ("tandem.coaches.search", "refresh_search_vectors", "search"),
            ("tandem.availability.services", "refresh_next_available", "next_available"),
        ]:
            try:
                module = importlib.import_module(module_name)
            except ImportError:
                module = None
            refresh = getattr(module, function_name, None)
            if refresh is None:
                self.stdout.write(f"Skipped {label}: no {module_name}.{function_name} yet.")
                continue
            started = time.perf_counter()
            refresh(self.coach_profile_ids)
            self.timings.append((label, time.perf_counter() - started))


def bench_users() -> QuerySet[User]:
    return User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}")
