"""The demo practice loaded by `make run`: right roles, verified logins, and safe to re-run."""

import io
from datetime import timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from tandem.accounts import selectors
from tandem.accounts.models import ApiToken, CoachApplication, User
from tandem.availability.models import DateOverride, OverrideInterval, TimeOff, WeeklyInterval
from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile, Language, SessionType, Specialty
from tandem.demo.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from tandem.demo.orgs import PEOPLE as NORTHWIND_PEOPLE
from tandem.orgs.models import Membership, Organisation

MODELS = [
    User,
    EmailAddress,
    CoachApplication,
    ApiToken,
    Organisation,
    Membership,
    Specialty,
    Language,
    CoachProfile,
    SessionType,
    WeeklyInterval,
    DateOverride,
    OverrideInterval,
    TimeOff,
    Booking,
]


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def roles_of(email: str) -> frozenset[str]:
    return selectors.user_roles(User.objects.get(email=email))


def test_seeding_twice_changes_nothing_the_second_time(db):
    # given the demo loaded once
    seed()
    first = row_counts()
    emails = sorted(User.objects.values_list("email", "public_id"))
    # when it is loaded again
    seed()
    # then it converged: same rows, same users
    assert row_counts() == first
    assert sorted(User.objects.values_list("email", "public_id")) == emails
    # the demo logins and the Northwind participants (Bob is one of them: tandem/demo/orgs.py)
    assert first["User"] == len(DEMO_USERS) + len(NORTHWIND_PEOPLE) - 1


def test_the_demo_practice_has_every_role(db):
    seed()
    assert roles_of("alice@tandem.local") == {"client", "coach"}
    assert roles_of("priya@tandem.local") == {"client", "coach"}
    assert roles_of("marcus@tandem.local") == {"client", "coach"}
    assert roles_of("hana@tandem.local") == {"client", "coach"}
    assert roles_of("olivia@tandem.local") == {"client", "org_admin"}
    assert roles_of("staff@tandem.local") == {"client", "staff"}
    assert roles_of("bob@tandem.local") == {"client"}
    # Diego waits for review
    diego = User.objects.get(email="diego@tandem.local")
    assert diego.coach_applications.get().status == CoachApplication.Status.PENDING
    assert not CoachProfile.objects.filter(user=diego).exists()
    assert User.objects.get(email="staff@tandem.local").is_staff


def test_every_demo_email_is_verified_and_primary(db):
    seed()
    for user in User.objects.all():
        # (Bob has a second verified address too: his Northwind work address)
        address = EmailAddress.objects.get(user=user, primary=True)
        assert address.email == user.email
        assert all(user.emailaddress_set.values_list("verified", flat=True))
        assert address.verified
        assert address.primary


def test_demo_users_sign_in_with_the_printed_password(db):
    output = seed()
    assert DEMO_PASSWORD in output
    assert "alice@tandem.local" in output
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "alice@tandem.local", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_reseeding_keeps_a_changed_password(db):
    # A demo user who changed their password keeps it: the seed never resets accounts.
    seed()
    bob = User.objects.get(email="bob@tandem.local")
    bob.set_password("my-own-secret-password")
    bob.save()
    seed()
    assert User.objects.get(pk=bob.pk).check_password("my-own-secret-password")


def profile_of(key: str) -> CoachProfile:
    return CoachProfile.objects.get(user__email=f"{key}@tandem.local")


def test_demo_coaches_are_listed_in_their_zones_with_types_and_hours(db):
    seed()
    zones = {"alice": "Europe/Berlin", "priya": "Asia/Kolkata"}
    zones |= {"marcus": "America/New_York", "hana": "Asia/Tokyo"}
    for key, zone in zones.items():
        profile = profile_of(key)
        assert profile.listed
        assert profile.timezone == zone
        assert profile.headline and profile.bio
        assert profile.specialties.exists() and profile.languages.exists()
        types = list(profile.session_types.all())
        assert 2 <= len(types) <= 4  # Alice and Marcus also offer a Book now "Quick call"
        assert all(t.currency == profile.currency for t in types)
        intro = profile.session_types.get(name="Intro call")
        assert intro.duration_minutes == 30 and intro.price == 0
        assert not intro.requires_confirmation
        assert profile.min_price == 0
        # Monday to Friday, two intervals a day
        weekly = list(profile.weekly.values_list("weekday", flat=True))
        assert sorted(set(weekly)) == [0, 1, 2, 3, 4] and len(weekly) == 10
        today = timezone.now().astimezone(ZoneInfo(zone)).date()
        closed = profile.overrides.get()
        assert closed.date >= today and not closed.intervals.exists()
        week_off = profile.time_off.get()
        assert week_off.start > timezone.now()
        assert week_off.end - week_off.start >= timedelta(days=6, hours=23)
    alice = profile_of("alice")
    assert alice.currency == "EUR"
    assert {t.duration_minutes for t in alice.session_types.all()} == {30, 60, 90}


def test_bob_has_past_and_upcoming_sessions_with_alice_inside_her_hours(db):
    seed()
    alice = profile_of("alice")
    bookings = list(
        Booking.objects.filter(coach=alice, client__email="bob@tandem.local")
        .select_related("session_type")
        .order_by("start")
    )
    now = timezone.now()
    statuses = {b.status for b in bookings}
    assert {"confirmed", "completed", "cancelled"} <= statuses
    assert any(b.start > now for b in bookings) and any(b.end < now for b in bookings)
    zone = ZoneInfo("Europe/Berlin")
    hours = list(alice.weekly.values_list("weekday", "start_minute", "end_minute"))
    for booking in bookings:
        st = booking.session_type
        assert st.coach_id == alice.pk
        assert booking.end - booking.start == timedelta(minutes=st.duration_minutes)
        assert booking.blocked_end - booking.end == timedelta(minutes=st.buffer_after_minutes)
        if booking.start > now:
            assert booking.start >= now + timedelta(days=2)
        else:
            assert booking.end <= now
        if booking.status in ("confirmed", "pending"):
            assert booking.start > now
        local = booking.start.astimezone(zone)
        minute = local.hour * 60 + local.minute
        assert any(
            day == local.weekday() and a <= minute and minute + st.duration_minutes <= b
            for day, a, b in hours
        )
        assert not alice.overrides.filter(date=local.date()).exists()
        assert not alice.time_off.filter(start__lt=booking.end, end__gt=booking.start).exists()
    active = sorted((b.blocked_start, b.blocked_end) for b in bookings if b.status != "cancelled")
    for (_, first_end), (second_start, _) in pairwise(active):
        assert first_end <= second_start


def forget_money_of(bookings) -> None:
    from tandem.payments.models import (
        Invoice,
        LedgerEntry,
        LedgerTransaction,
        Payment,
        PaymentSource,
        PaymentVoid,
        Refund,
    )

    payments = Payment.objects.filter(booking__in=bookings)
    transactions = LedgerTransaction.objects.filter(payment__in=payments)
    LedgerEntry.objects.filter(transaction__in=transactions).delete()
    transactions.delete()
    for model in (PaymentSource, Refund, PaymentVoid):
        model.objects.filter(payment__in=payments).delete()
    # Documents refer to each other (credit notes to what they correct, versions to what
    # they supersede, both protected): the newest go first.
    documents = Invoice.objects.filter(payment__in=payments)
    documents.filter(credits__isnull=False).delete()
    for version in sorted(set(documents.values_list("version", flat=True)), reverse=True):
        documents.filter(version=version).delete()
    payments.delete()


def test_each_clients_bookings_carry_their_own_note(db):
    # Charlie's sessions with Priya once carried Bob's note about delegating.
    seed()
    notes = {
        email: {b.notes for b in Booking.objects.filter(client__email=email) if b.notes}
        for email in ("bob@tandem.local", "charlie@tandem.local")
    }
    assert notes["bob@tandem.local"] == {"I'd like to work on delegating without losing track."}
    assert len(notes["charlie@tandem.local"]) == 1
    assert "delegating" not in next(iter(notes["charlie@tandem.local"]))


def test_reseeding_tops_up_upcoming_sessions_once_they_are_gone(db):
    seed()
    bob_with_alice = Booking.objects.filter(
        coach=profile_of("alice"), client__email="bob@tandem.local"
    )
    past = set(bob_with_alice.filter(start__lte=timezone.now()).values_list("pk", flat=True))
    upcoming = bob_with_alice.filter(start__gt=timezone.now())
    count = upcoming.count()
    # as if they had never been booked (their money too: the ledger protects paid bookings)
    forget_money_of(upcoming)
    upcoming.delete()
    seed()
    assert upcoming.count() == count
    assert (
        set(bob_with_alice.filter(start__lte=timezone.now()).values_list("pk", flat=True)) == past
    )


def test_reseeding_keeps_a_coachs_own_changes(db):
    seed()
    alice = profile_of("alice")
    alice.headline = "My own words"
    alice.save()
    alice.weekly.all().delete()
    WeeklyInterval.objects.create(coach=alice, weekday=2, start_minute=600, end_minute=660)
    seed()
    alice.refresh_from_db()
    assert alice.headline == "My own words"
    assert list(alice.weekly.values_list("weekday", "start_minute", "end_minute")) == [
        (2, 600, 660)
    ]


def test_seeding_fills_the_blanks_of_a_profile_made_on_approval(db):
    # given Priya approved before the demo had profiles: the migration gave her a bare one
    seed()
    priya = profile_of("priya")
    forget_money_of(Booking.objects.filter(coach=priya))
    Booking.objects.filter(coach=priya).delete()
    priya.session_types.all().delete()
    priya.specialties.clear()
    CoachProfile.objects.filter(pk=priya.pk).update(bio="", currency="EUR", years_experience=0)
    # when the demo is loaded again
    seed()
    # then the blanks are filled, in her currency
    priya.refresh_from_db()
    assert priya.bio and priya.years_experience and priya.specialties.exists()
    assert priya.currency == "INR"
    assert {t.currency for t in priya.session_types.all()} == {"INR"}


def test_demo_has_a_conversation_between_bob_and_alice_encrypted_at_rest(db):
    from tandem.messaging.models import Message

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())  # again: nothing is added twice
    assert Message.objects.count() == 2
    stored = " ".join(str(v) for v in Message.objects.values_list(flat=False))
    assert "looking forward" not in stored
