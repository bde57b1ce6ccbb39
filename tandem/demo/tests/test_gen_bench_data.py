"""`manage.py gen_bench_data`: a small run has the right shape and obeys the booking invariant."""

import io
from collections import defaultdict
from datetime import timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from tandem.accounts.models import CoachApplication, User
from tandem.availability.models import DateOverride, OverrideInterval, TimeOff, WeeklyInterval
from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile, SessionType
from tandem.demo.management.commands.gen_bench_data import BENCH_DOMAIN

SMALL = ["--coaches", "20", "--bookings", "200", "--clients", "30", "--seed", "7"]
MODELS = [
    User,
    EmailAddress,
    CoachApplication,
    CoachProfile,
    SessionType,
    WeeklyInterval,
    DateOverride,
    OverrideInterval,
    TimeOff,
    Booking,
]


def generate(*args: str) -> str:
    out = io.StringIO()
    call_command("gen_bench_data", *args, stdout=out)
    return out.getvalue()


def bench_profiles():
    return CoachProfile.objects.filter(user__email__endswith=f"@{BENCH_DOMAIN}")


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def test_a_small_run_creates_what_was_asked_for(db):
    output = generate(*SMALL)
    assert bench_profiles().count() == 20
    assert User.objects.filter(email__endswith=f"@{BENCH_DOMAIN}").count() == 20 + 30
    assert Booking.objects.filter(coach__in=bench_profiles()).count() == 200
    assert "200 bookings" in output
    assert "Done in" in output


def test_every_coach_is_listed_with_types_rules_and_a_price(db):
    generate(*SMALL)
    profiles = bench_profiles().prefetch_related(
        "session_types", "weekly", "specialties", "languages", "user__coach_applications"
    )
    for profile in profiles:
        assert profile.listed
        types = list(profile.session_types.all())
        active = [t for t in types if t.is_active]
        assert 1 <= len(types) <= 3 and active
        assert {t.duration_minutes for t in types} <= {30, 45, 60, 90}
        assert all(t.currency == profile.currency for t in types)
        assert profile.min_price == min(t.price for t in active)
        assert 4 <= len({w.weekday for w in profile.weekly.all()}) <= 7
        assert 1 <= profile.specialties.count() <= 3
        assert 1 <= profile.languages.count() <= 2
        assert ZoneInfo(profile.timezone)
        assert profile.headline and profile.bio
        application = profile.user.coach_applications.get()
        assert application.status == CoachApplication.Status.APPROVED
        assert EmailAddress.objects.get(user=profile.user).verified


def test_active_bookings_of_a_coach_never_overlap_and_sit_in_open_hours(db):
    generate(*SMALL)
    now = timezone.now()
    blocked = defaultdict(list)
    bookings = Booking.objects.filter(coach__in=bench_profiles()).select_related(
        "session_type", "coach"
    )
    for booking in bookings:
        st = booking.session_type
        assert st.coach_id == booking.coach_id and st.is_active
        assert booking.end - booking.start == timedelta(minutes=st.duration_minutes)
        assert booking.start - booking.blocked_start == timedelta(minutes=st.buffer_before_minutes)
        assert booking.blocked_end - booking.end == timedelta(minutes=st.buffer_after_minutes)
        assert now - timedelta(days=31) <= booking.blocked_start
        assert booking.blocked_end <= now + timedelta(days=91)
        assert_open(booking)
        if booking.status in Booking.ACTIVE_STATUSES:
            blocked[booking.coach_id].append((booking.blocked_start, booking.blocked_end))
    for ranges in blocked.values():
        for (_, first_end), (second_start, _) in pairwise(sorted(ranges)):
            assert first_end <= second_start


def assert_open(booking: Booking) -> None:
    """The whole session lies in one open interval of its local date, outside time off."""
    coach = booking.coach
    zone = ZoneInfo(coach.timezone)
    start = booking.start.astimezone(zone)
    last = (booking.end - timedelta(minutes=1)).astimezone(zone)
    day = start.date()
    # An interval ending at 24:00 ends on the next local date's midnight.
    assert last.date() == day
    first_minute = start.hour * 60 + start.minute
    last_minute = last.hour * 60 + last.minute
    override = DateOverride.objects.filter(coach=coach, date=day).first()
    if override is not None:
        intervals = override.intervals.values_list("start_minute", "end_minute")
    else:
        intervals = coach.weekly.filter(weekday=day.weekday()).values_list(
            "start_minute", "end_minute"
        )
    assert any(a <= first_minute and last_minute < b for a, b in intervals), booking
    assert not TimeOff.objects.filter(
        coach=coach, start__lt=booking.end, end__gt=booking.start
    ).exists()


def test_a_hot_coach_carries_many_more_bookings_than_the_rest(db):
    generate(*SMALL)
    counts = sorted(Booking.objects.filter(coach=profile).count() for profile in bench_profiles())
    assert counts[-1] >= 50  # a quarter of the bookings on the one hot coach
    assert counts[-1] > 3 * counts[len(counts) // 2]
    statuses = set(Booking.objects.values_list("status", flat=True))
    assert {Booking.Status.CONFIRMED, Booking.Status.CANCELLED} <= statuses


def test_next_available_is_filled_when_the_service_exists(db):
    from tandem.availability import services

    generate(*SMALL)
    if not hasattr(services, "refresh_next_available"):
        pytest.skip("availability services have no refresh_next_available")
    assert bench_profiles().filter(next_available_at__isnull=False).exists()


def test_a_second_run_needs_reset_and_reset_converges(db, alice):
    generate(*SMALL)
    first = row_counts()
    with pytest.raises(CommandError, match="--reset"):
        generate(*SMALL)
    assert row_counts() == first
    generate(*SMALL, "--reset")
    assert row_counts() == first
    # Only bench users were touched.
    assert User.objects.filter(pk=alice.pk).exists()
    assert alice.coach_applications.count() == 1
