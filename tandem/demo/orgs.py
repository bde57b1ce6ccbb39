"""Demo organisation for `seed_demo`: Northwind Traders (Olivia its admin) runs "Leadership
2027", a programme that started eight weeks ago, with 12 participants (Bob and eleven
Northwind people), most matched with Alice, a budget funded by invoice and partly spent.

Everything goes through the services the pages use: the programme is created and funded by
the programmes area (the budget is real ledger money; staff recorded the invoice paid),
people join by Northwind's email domain (their verified work addresses; Bob's work address
is his second, verified one),
choose their coach and answer the start survey through the sponsorship area, and their
sessions are booked and paid through checkout (so the sponsor port records each sponsored
session and draws the budget down), held (`booking_complete`) or cancelled
(`booking_cancel`: the budget gets the money back). Past things are done "as of then": each
service gets the `now` of the moment it happened.

Only Alice prices in euros among the demo coaches, and a programme pays in its own currency,
so the matched participants are all hers (the others have not chosen yet).

Nine of the matched participants (all but Bob, whose goals the workspace demo makes) also have
goals with Alice (`seed_goals`, after the workspace demo has started every booked pair's
engagement): set by Alice after their first session held, with milestones ticked off and
check-ins since, through the workspace's goal services (texts encrypted at rest), so the
programme's goal progress is shown to Olivia as bands over ten people, never a title.

Converges: made once; when the programme's upcoming sessions have all passed, a new round of
upcoming ones is booked. A participant whose engagement has goals already gets none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from allauth.account.models import EmailAddress
from django.db import transaction

from tandem.accounts.models import User
from tandem.availability.slots import slots_for
from tandem.booking.models import Booking
from tandem.booking.services import (
    BookingRequest,
    booking_cancel,
    booking_complete,
    booking_no_show,
)
from tandem.coaches.models import CoachProfile, SessionType
from tandem.orgs.models import Organisation, Participant, Programme, SponsoredSession
from tandem.orgs.participants.join import programme_join
from tandem.orgs.programmes.services import programme_create, programme_fund
from tandem.orgs.sponsorship import selectors as seats
from tandem.orgs.sponsorship.services import seat_answer_survey, seat_choose_coach
from tandem.payments.checkout.services import PayWith, checkout_booking
from tandem.payments.quiet import without_emails
from tandem.payments.sponsors.services import mark_invoice_paid
from tandem.workspace.selectors.access import engagements_of
from tandem.workspace.services.goals import (
    checkin_add,
    goal_create,
    goal_update,
    milestone_add,
    milestone_update,
)

PROGRAMME = "Leadership 2027"
DOMAIN = "northwind.example"
SESSION_TYPE = "Coaching session"
BUDGET = 500_000  # 5,000.00 EUR
NORTHWIND_LOGINS = f"ava@{DOMAIN} ... liam@{DOMAIN}: eleven participants of Northwind's {PROGRAMME}"
PAY = PayWith(package=False, use_credit=False, provider="manual")


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    zone: str
    matched: bool
    past: tuple[int, ...]  # days ago of sessions held
    upcoming: int | None  # days ahead of the next session (at least 2), if any
    survey: tuple[int, int, int] | None  # start survey: clarity, confidence, wellbeing
    cancelled: bool = False  # an upcoming session they cancelled
    no_show: int | None = None  # days ago of a session they missed


# Bob first: the participant pages show his seat when he signs in.
PEOPLE = [
    Person("bob", "Bob Brown", "America/New_York", True, (33,), None, (2, 3, 3)),
    Person("ava", "Ava Nguyen", "Europe/London", True, (45, 31, 17), 3, (2, 2, 3)),
    Person("ben", "Ben Carter", "Europe/London", True, (44, 30), 4, (3, 2, 2), cancelled=True),
    Person("chloe", "Chloe Martin", "Europe/Paris", True, (43, 29, 15), 5, (2, 3, 2)),
    Person("daniel", "Daniel Okafor", "Europe/London", True, (38, 24), 6, (3, 3, 2)),
    Person("elena", "Elena Rossi", "Europe/Rome", True, (37,), 7, (1, 2, 3), no_show=23),
    Person("farah", "Farah Haddad", "Europe/Berlin", True, (36, 22), 8, (2, 2, 2)),
    Person("george", "George Lin", "Europe/London", True, (35,), 9, (3, 2, 3), cancelled=True),
    Person("isla", "Isla Murphy", "Europe/Dublin", True, (28, 14), 10, None),
    Person("jonas", "Jonas Berg", "Europe/Stockholm", True, (27,), 11, None),
    Person("keiko", "Keiko Tanaka", "Europe/London", False, (), None, None),
    Person("liam", "Liam Walsh", "Europe/Dublin", False, (), None, None),
]


@dataclass(frozen=True)
class DemoGoal:
    title: str
    why: str = ""
    milestones: tuple[str, ...] = ()
    done: int = 0  # milestones the participant ticked off since
    checkins: tuple[int, ...] = ()  # the participant's check-ins since, oldest first
    status: str = "active"  # achieved or dropped towards the end


# The participants' goals with Alice (Bob's are the workspace demo's). Their average progress
# (an achieved goal counts 100, a dropped one not at all) is spread so that, with Bob's,
# five are under 50 % and five at 50 % or more: the sponsor sees two bands of five.
GOALS: dict[str, tuple[DemoGoal, ...]] = {
    "ava": (
        DemoGoal(
            "Delegate the weekly report",
            "Two evenings a week go into a report someone else could own.",
            milestones=("Write down how the report is made", "Pair on it once",
                        "Hand it over", "Stay out of it for a month"),
            done=3,
        ),
        DemoGoal("Run a calmer 1:1", checkins=(40, 60, 80)),
    ),  # 75 and 80
    "ben": (
        DemoGoal(
            "Prepare for quarterly planning",
            milestones=("List what the team can drop", "Draft the plan", "Walk it through"),
            done=2,
        ),
    ),  # 67
    "chloe": (
        DemoGoal("Say no to one meeting a week", checkins=(20, 40, 65, 85)),
        DemoGoal("Start a team retrospective", checkins=(50, 100), status="achieved"),
    ),  # 85 and 100
    "daniel": (DemoGoal("Give clearer feedback in code review", checkins=(30, 45, 55)),),  # 55
    "elena": (DemoGoal("Block time for deep work", checkins=(10, 15)),),  # 15
    "farah": (DemoGoal("Speak up earlier in leadership meetings", checkins=(20, 35, 40)),),
    "george": (
        DemoGoal(
            "Write a team charter",
            milestones=("Collect what we already agree on", "Draft", "Review with the team",
                        "Publish"),
            done=1,
        ),  # 25
        DemoGoal("Learn the budgeting tool", checkins=(10,), status="dropped"),
    ),
    "isla": (DemoGoal("Plan the week on Monday morning", checkins=(25, 45)),),  # 45
    "jonas": (DemoGoal("Hand over the on-call rota"),),  # just set: 0
}  # fmt: skip


def email_of(person: Person) -> str:
    return f"{person.key}@{DOMAIN}"


def seed_orgs(
    users: dict[str, User], profiles: dict[str, CoachProfile], now: datetime, password: str
) -> None:
    """Northwind's programme (made once), topped up with upcoming sessions when they pass."""
    org = Organisation.objects.get(slug="northwind")
    alice = profiles["alice"]
    session_type = alice.session_types.filter(name=SESSION_TYPE).first()
    if session_type is None or alice.currency != "EUR":  # changed by the demo coach
        return
    people = _people(users, password)
    with without_emails():
        programme = Programme.objects.filter(organisation=org, name=PROGRAMME).first()
        if programme is None:
            programme = _programme(
                org, users["olivia"], users["staff"], alice, session_type, people, now
            )
        elif not _upcoming(programme, now).exists():
            for person in PEOPLE:
                if person.upcoming is not None and person.matched:
                    day = now + timedelta(days=person.upcoming)
                    _book(people[person.key], alice, session_type, day, now)


def seed_goals(profiles: dict[str, CoachProfile], now: datetime) -> None:
    """The participants' goals with Alice (GOALS), each participant's once: set by Alice a
    few minutes after their first sponsored session held, then milestones and check-ins spread
    evenly from then to now, all through the workspace's goal services, each as of its moment."""
    alice = profiles["alice"]
    for person in PEOPLE:
        plan = GOALS.get(person.key)
        user = User.objects.filter(email=email_of(person)).first()
        if not plan or user is None:
            continue
        engagement = engagements_of(user).filter(coach=alice, client=user).first()
        if engagement is None or engagement.state != engagement.State.ACTIVE:
            continue
        if engagement.goals.exists():  # made on an earlier run (or by the people themselves)
            continue
        first = (
            SponsoredSession.objects.filter(
                participant__user=user,
                booking__coach=alice,
                booking__status=Booking.Status.COMPLETED,
            )
            .select_related("booking")
            .order_by("booking__start")
            .first()
        )
        if first is None or first.booking.end >= now:
            continue
        set_at = first.booking.end + timedelta(minutes=15)
        _goals(alice, user, engagement.public_id, plan, set_at, now)


def _goals(
    alice: CoachProfile,
    user: User,
    engagement_id: Any,
    plan: tuple[DemoGoal, ...],
    set_at: datetime,
    now: datetime,
) -> None:
    span = now - timedelta(hours=2) - set_at

    def at(step: int, steps: int) -> datetime:  # the step-th of `steps` moments after set_at
        return set_at + span * step / (steps + 1)

    for demo in plan:
        goal = goal_create(
            user=alice.user,
            engagement_id=engagement_id,
            title=demo.title,
            why=demo.why,
            target_date=set_at.date() + timedelta(days=90),
            now=set_at,
        )
        milestones = [
            milestone_add(user=alice.user, goal_id=goal.public_id, title=title, now=set_at)
            for title in demo.milestones
        ]
        for step, milestone in enumerate(milestones[: demo.done], start=1):
            milestone_update(
                user=user,
                milestone_id=milestone.public_id,
                done=True,
                now=at(step, demo.done),
            )
        for step, value in enumerate(demo.checkins, start=1):
            checkin_add(
                user=user, goal_id=goal.public_id, progress=value, now=at(step, len(demo.checkins))
            )
        if demo.status != "active":
            goal_update(
                user=user, goal_id=goal.public_id, status=demo.status, now=now - timedelta(hours=1)
            )


def _people(users: dict[str, User], password: str) -> dict[str, User]:
    """Bob (with his work address verified) and the Northwind people (accounts made once)."""
    people = {"bob": users["bob"]}
    EmailAddress.objects.get_or_create(
        user=users["bob"],
        email=f"bob@{DOMAIN}",
        defaults={"verified": True, "primary": False},
    )
    for person in PEOPLE[1:]:
        user, created = User.objects.get_or_create(
            email=email_of(person),
            defaults={"display_name": person.name, "timezone": person.zone, "locale": "en"},
        )
        if created:
            user.set_password(password)
            user.save(update_fields=["password"])
        EmailAddress.objects.get_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        people[person.key] = user
    return people


def _programme(
    org: Organisation,
    olivia: User,
    staff: User,
    alice: CoachProfile,
    session_type: SessionType,
    people: dict[str, User],
    now: datetime,
) -> Programme:
    today = now.date()
    created = now - timedelta(days=63)
    programme = programme_create(
        organisation=org,
        values={
            "name": PROGRAMME,
            "starts_on": today - timedelta(days=56),
            "ends_on": today + timedelta(days=300),
            "sessions_per_participant": 6,
            "seats": 15,
            "currency": "EUR",
            "max_session_minutes": 60,
            "join_domain": DOMAIN,
            "survey_enabled": True,
        },
        actor=olivia,
        now=created,
    )
    funding = programme_fund(
        programme=programme, amount=BUDGET, method="invoice", actor=olivia, now=created
    )
    # Northwind paid the invoice a fortnight later (recorded by staff, by hand).
    paid = created + timedelta(days=14)
    mark_invoice_paid(funding_id=funding.public_id, actor=staff, now=paid)
    for n, person in enumerate(PEOPLE):
        user = people[person.key]
        joined = now - timedelta(days=55) + timedelta(hours=9 * n)
        seat = programme_join(user=user, programme_id=programme.public_id, now=joined)
        if person.survey is not None:
            clarity, confidence, wellbeing = person.survey
            seat_answer_survey(
                seat=_seat(user, seat),
                phase="start",
                scores={"clarity": clarity, "confidence": confidence, "wellbeing": wellbeing},
                now=joined + timedelta(hours=2),
            )
        if person.matched:
            seat_choose_coach(
                seat=_seat(user, seat), coach_id=alice.public_id, now=joined + timedelta(days=1)
            )
    for person in PEOPLE:
        user = people[person.key]
        for days in person.past:
            booking = _book(user, alice, session_type, now - timedelta(days=days), now)
            if booking is not None:
                after = booking.end + timedelta(minutes=10)
                booking_complete(booking_id=booking.public_id, user=alice.user, now=after)
        if person.no_show is not None:
            booking = _book(user, alice, session_type, now - timedelta(days=person.no_show), now)
            if booking is not None:
                after = booking.end + timedelta(minutes=10)
                booking_no_show(booking_id=booking.public_id, user=alice.user, now=after)
        if person.upcoming is not None:
            _book(user, alice, session_type, now + timedelta(days=person.upcoming), now)
        if person.cancelled:
            later = now + timedelta(days=(person.upcoming or 0) + 7)
            booking = _book(user, alice, session_type, later, now)
            if booking is not None:
                booking_cancel(
                    booking_id=booking.public_id,
                    user=user,
                    reason_code="schedule_conflict",
                    message="",
                    now=now - timedelta(hours=1),
                )
    return programme


def _seat(user: User, participant: Participant) -> seats.Seat:
    seat = seats.my_seat(user, participant.public_id)
    assert seat is not None
    return seat


def _upcoming(programme: Programme, now: datetime) -> Any:
    return SponsoredSession.objects.filter(
        programme=programme,
        booking__start__gt=now,
        booking__status__in=(Booking.Status.CONFIRMED, Booking.Status.PENDING),
    )


def _fits(start: datetime, now: datetime) -> bool:
    """Over an hour before now (held by now), or at least two days ahead."""
    return start + timedelta(hours=1) <= now or start >= now + timedelta(days=2)


def _book(
    client: User, coach: CoachProfile, session_type: SessionType, day: datetime, now: datetime
) -> Booking | None:
    """A session on `day` (or the next open day) in the coach's hours, booked through checkout
    as of three days before (for a past session) or now; None when nothing is free."""
    for shift in range(10):
        start_of_day = (day + timedelta(days=shift)).replace(
            hour=0, minute=0, second=0, microsecond=0
        )
        booked_at = min(now - timedelta(hours=1), start_of_day - timedelta(days=3))
        if start_of_day > now:
            booked_at = now - timedelta(minutes=5)
        free = slots_for(
            coach=coach,
            session_type=session_type,
            start=max(start_of_day, booked_at + timedelta(days=2)),
            end=start_of_day + timedelta(days=1),
            now=booked_at,
            client_id=client.pk,
        )
        free = [s for s in free if s.minute == 0 and _fits(s, now)]
        if not free:
            continue
        start = free[(client.pk * 7) % len(free)]
        with transaction.atomic():
            outcome = checkout_booking(
                client=client,
                request=BookingRequest(coach=coach, session_type=session_type, start=start),
                pay_with=PAY,
                idempotency_key=None,
                now=booked_at,
            )
        return outcome.booking
    return None
