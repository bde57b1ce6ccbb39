"""A large sponsored programme for the organisations benches (issue 18), made with bulk rows.

    from orgs_data import make_org
    bench = make_org(participants=5000, sessions=50000)   # after django.setup() and migrate

One organisation ("Bench Org", slug `bench-orgs`) with admin `bench-admin@orgs.bench`, one
running programme (EUR, survey enabled) whose participants are spread over `coaches` coaches:
about 90 % active, 6 % paused, 4 % invited (no account yet). The seated participants share
`sessions` sponsored bookings with their chosen coach, each coach's sessions spaced so none
overlap (the PostgreSQL exclusion constraint holds): in the past 85 % completed, 5 % no-show,
10 % cancelled (given back whole to the budget); in the future 90 % confirmed, 10 % cancelled.
Every seated participant has an engagement with their coach with one or two goals
(progress spread over 0-100), 60 % answered the start survey and 30 % the end survey.

Money: the programme's `sponsor_budget` ledger account (owner `programme.budget_owner`) is
funded once from provider clearing (`sponsor_fund`), drawn down by each session
(`payment_take`, to the coach's payable) and credited back for each cancelled one
(`refund`): balanced postings written in bulk (not through
`ledger.post`, which would take minutes for 100,000 entries; the rows are what it writes).

Rows are made directly with bulk_create (no services, no events, no emails): fast, and
deterministic for a given seed. An earlier run's rows (same emails, slugs, keys) are deleted
first. Used by bench/orgs_bench.py (dashboard, report API) and the export bench.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

DOMAIN = "orgs.bench"
ADMIN_EMAIL = f"bench-admin@{DOMAIN}"
ORG_SLUG = "bench-orgs"
PRICE_MINOR = 8000  # each session: EUR 80.00
BATCH = 2000


@dataclass(frozen=True)
class BenchOrg:
    organisation: Any  # orgs.Organisation
    admin: Any  # accounts.User, admin of the organisation
    programme: Any  # orgs.Programme
    participants: int
    sessions: int


def _delete_previous() -> None:
    from django.db import transaction

    from tandem.accounts.models import User
    from tandem.booking.models import Booking, BookingEvent
    from tandem.coaches.models import CoachProfile, SessionType
    from tandem.orgs.models import Organisation, Programme
    from tandem.payments.models import Account, LedgerEntry, LedgerTransaction
    from tandem.workspace.models import Engagement

    with transaction.atomic():
        LedgerEntry.objects.filter(transaction__correlation_key__startswith="bench-orgs:").delete()
        LedgerTransaction.objects.filter(correlation_key__startswith="bench-orgs:").delete()
        programmes = Programme.objects.filter(organisation__slug=ORG_SLUG)
        Account.objects.filter(
            key__in=[
                f"sponsor_budget:programme:{pk}:EUR"
                for pk in programmes.values_list("pk", flat=True)
            ]
        ).delete()
        coaches = CoachProfile.objects.filter(user__email__endswith=f"@{DOMAIN}")
        Account.objects.filter(coach__in=coaches).delete()
        programmes.delete()
        Engagement.objects.filter(coach__in=coaches).delete()
        BookingEvent.objects.filter(booking__coach__in=coaches).delete()
        Booking.objects.filter(coach__in=coaches).delete()
        SessionType.objects.filter(coach__in=coaches).delete()
        coaches.delete()
        User.objects.filter(email__endswith=f"@{DOMAIN}").delete()
        Organisation.objects.filter(slug=ORG_SLUG).delete()


def make_org(
    *,
    participants: int = 5000,
    sessions: int = 50000,
    coaches: int = 50,
    now: datetime | None = None,
    seed: int = 18,
    verbose: bool = True,
) -> BenchOrg:
    """A fresh bench organisation (see the module's docstring). `now` defaults to the clock."""
    import time

    from django.db import transaction
    from django.utils import timezone

    from tandem.accounts.models import User
    from tandem.booking.models import Booking
    from tandem.coaches.models import CoachProfile, SessionType
    from tandem.orgs.models import (
        Membership,
        Organisation,
        Participant,
        Programme,
        SponsoredSession,
        SurveyResponse,
    )
    from tandem.payments.models import Account, LedgerEntry, LedgerTransaction
    from tandem.workspace.models import Engagement, Goal

    rng = random.Random(seed)
    now = now or timezone.now()
    started = time.perf_counter()

    def say(what: str) -> None:
        if verbose:
            print(f"  {what} ({time.perf_counter() - started:.1f} s)", flush=True)

    _delete_previous()
    say("deleted an earlier run")
    with transaction.atomic():
        org = Organisation.objects.create(name="Bench Org", slug=ORG_SLUG)
        admin = User.objects.create(
            email=ADMIN_EMAIL, display_name="Bench Admin", timezone="UTC", password="!"
        )
        Membership.objects.create(organisation=org, user=admin, role=Membership.Role.ADMIN)
        start_day = (now - timedelta(days=300)).date()
        programme = Programme.objects.create(
            organisation=org,
            name="Bench Programme",
            starts_on=start_day,
            ends_on=(now + timedelta(days=65)).date(),
            sessions_per_participant=20,
            seats=participants + 1000,
            currency="EUR",
            survey_enabled=True,
            created_by=admin,
        )

        coach_users = User.objects.bulk_create(
            [
                User(
                    email=f"coach{i}@{DOMAIN}",
                    display_name=f"Bench Coach {i}",
                    timezone="UTC",
                    password="!",
                )
                for i in range(coaches)
            ]
        )
        profiles = CoachProfile.objects.bulk_create(
            [
                CoachProfile(
                    user=u,
                    slug=f"bench-orgs-coach-{i}",
                    headline="Bench coach",
                    timezone="UTC",
                    is_verified=True,
                    is_active=True,
                )
                for i, u in enumerate(coach_users)
            ]
        )
        types = SessionType.objects.bulk_create(
            [
                SessionType(
                    coach=p,
                    name="Coaching session",
                    duration_minutes=60,
                    price=Decimal("80.00"),
                    currency="EUR",
                )
                for p in profiles
            ]
        )
        say(f"{coaches} coaches")

        users = User.objects.bulk_create(
            [
                User(
                    email=f"p{i}@{DOMAIN}",
                    display_name=f"Participant {i}",
                    timezone="UTC",
                    password="!",
                )
                for i in range(participants)
            ],
            batch_size=BATCH,
        )
        rows = []
        for i, user in enumerate(users):
            roll = rng.random()
            status = (
                Participant.Status.ACTIVE
                if roll < 0.90
                else Participant.Status.PAUSED
                if roll < 0.96
                else Participant.Status.INVITED
            )
            is_seated = status != Participant.Status.INVITED
            accepted = now - timedelta(days=rng.randint(30, 290)) if is_seated else None
            rows.append(
                Participant(
                    programme=programme,
                    email=user.email,
                    name=user.display_name,
                    user=user if is_seated else None,
                    status=status,
                    source=Participant.Source.CSV,
                    invited_at=(accepted or now) - timedelta(days=3),
                    accepted_at=accepted,
                    status_changed_at=accepted or now,
                    coach=profiles[i % coaches] if is_seated else None,
                    matched_at=accepted,
                )
            )
        people = Participant.objects.bulk_create(rows, batch_size=BATCH)
        # Any: their user and coach ids are set (the seated ones), which the type cannot say.
        seated: list[Any] = [p for p in people if p.user_id is not None]
        say(f"{participants} participants ({len(seated)} seated)")

        # Sessions: each seated participant in turn, each coach's own timeline (8 h apart).
        slot_of = {profile.pk: c for c, profile in enumerate(profiles)}
        span = timedelta(hours=8)
        first = now - timedelta(days=280)
        next_slot = [first + timedelta(minutes=7 * c) for c in range(coaches)]
        type_of = {t.coach_id: t for t in types}
        bookings: list[Booking] = []
        owners: list[Participant] = []
        for k in range(sessions):
            person = seated[k % len(seated)]
            c = slot_of[person.coach_id]
            start = next_slot[c]
            next_slot[c] = start + span
            end = start + timedelta(hours=1)
            roll = rng.random()
            if end <= now:
                booking_status = (
                    Booking.Status.COMPLETED
                    if roll < 0.85
                    else Booking.Status.NO_SHOW
                    if roll < 0.90
                    else Booking.Status.CANCELLED
                )
            else:
                booking_status = (
                    Booking.Status.CONFIRMED if roll < 0.9 else Booking.Status.CANCELLED
                )
            bookings.append(
                Booking(
                    coach_id=person.coach_id,
                    client_id=person.user_id,
                    session_type=type_of[person.coach_id],
                    start=start,
                    end=end,
                    blocked_start=start,
                    blocked_end=end,
                    status=booking_status,
                    price=Decimal("80.00"),
                    currency="EUR",
                    cancelled_at=start - timedelta(days=2)
                    if booking_status == Booking.Status.CANCELLED
                    else None,
                    created_at=start - timedelta(days=7),
                    updated_at=start,
                )
            )
            owners.append(person)
        Booking.objects.bulk_create(bookings, batch_size=BATCH)
        say(f"{sessions} bookings")
        SponsoredSession.objects.bulk_create(
            [
                SponsoredSession(
                    programme=programme,
                    participant=person,
                    booking=b,
                    amount=PRICE_MINOR,
                    returned=PRICE_MINOR if b.status == Booking.Status.CANCELLED else 0,
                    created_at=b.created_at,
                )
                for b, person in zip(bookings, owners, strict=True)
            ],
            batch_size=BATCH,
        )
        say(f"{sessions} sponsored sessions")

        # Engagements with goals (the workspace's rows: goal titles are encrypted text).
        engagements = Engagement.objects.bulk_create(
            [
                Engagement(coach_id=p.coach_id, client_id=p.user_id, started_at=p.accepted_at)
                for p in seated
            ],
            batch_size=BATCH,
        )
        goals = []
        for e in engagements:
            for g in range(rng.choice((1, 2))):
                goals.append(
                    Goal(
                        engagement=e,
                        title=f"Bench goal {g}",
                        progress=rng.randint(0, 100),
                        created_by_id=e.client_id,
                    )
                )
        Goal.objects.bulk_create(goals, batch_size=BATCH)
        say(f"{len(engagements)} engagements, {len(goals)} goals")

        surveys = []
        for p in seated:
            if rng.random() < 0.6:
                surveys.append(
                    SurveyResponse(
                        participant=p,
                        phase=SurveyResponse.Phase.START,
                        clarity=rng.randint(1, 4),
                        confidence=rng.randint(1, 4),
                        wellbeing=rng.randint(1, 4),
                        answered_at=p.accepted_at,
                    )
                )
                if rng.random() < 0.5:
                    surveys.append(
                        SurveyResponse(
                            participant=p,
                            phase=SurveyResponse.Phase.END,
                            clarity=rng.randint(2, 5),
                            confidence=rng.randint(2, 5),
                            wellbeing=rng.randint(2, 5),
                            answered_at=now,
                        )
                    )
        SurveyResponse.objects.bulk_create(surveys, batch_size=BATCH)
        say(f"{len(surveys)} survey answers")

        # The budget in the ledger: funded once, drawn down per session, cancelled ones back.
        budget = Account.objects.create(
            key=f"sponsor_budget:{programme.budget_owner}:EUR",
            kind="sponsor_budget",
            currency="EUR",
        )
        clearing, _ = Account.objects.get_or_create(
            key="provider_clearing:manual:EUR",
            defaults={"kind": Account.Kind.PROVIDER_CLEARING, "currency": "EUR"},
        )
        payables = Account.objects.bulk_create(
            [
                Account(
                    key=f"coach_payable:coach:{p.pk}:EUR",
                    kind=Account.Kind.COACH_PAYABLE,
                    currency="EUR",
                    coach=p,
                )
                for p in profiles
            ]
        )
        payable_of = {a.coach_id: a for a in payables}
        funded = sessions * PRICE_MINOR * 11 // 10
        txns = [
            LedgerTransaction(
                correlation_key=f"bench-orgs:fund:{programme.pk}",
                reason="sponsor_fund",
                created_at=first,
            )
        ]
        legs: list[list[tuple[Any, int]]] = [[(clearing, funded), (budget, -funded)]]
        for b in bookings:
            txns.append(
                LedgerTransaction(
                    correlation_key=f"bench-orgs:draw:{b.pk}",
                    reason="payment_take",
                    booking=b,
                    created_at=b.created_at,
                )
            )
            legs.append([(budget, PRICE_MINOR), (payable_of[b.coach_id], -PRICE_MINOR)])
            if b.status == Booking.Status.CANCELLED:
                txns.append(
                    LedgerTransaction(
                        correlation_key=f"bench-orgs:return:{b.pk}",
                        reason="refund",
                        booking=b,
                        created_at=b.cancelled_at or b.start,
                    )
                )
                legs.append([(payable_of[b.coach_id], PRICE_MINOR), (budget, -PRICE_MINOR)])
        LedgerTransaction.objects.bulk_create(txns, batch_size=BATCH)
        LedgerEntry.objects.bulk_create(
            [
                LedgerEntry(
                    transaction=t,
                    account=acct,
                    amount=amount,
                    currency="EUR",
                    reason=t.reason,
                    created_at=t.created_at,
                )
                for t, pair in zip(txns, legs, strict=True)
                for acct, amount in pair
            ],
            batch_size=BATCH,
        )
        say(f"{len(txns)} ledger transactions")
    return BenchOrg(
        organisation=org,
        admin=admin,
        programme=programme,
        participants=participants,
        sessions=sessions,
    )
