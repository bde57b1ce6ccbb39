"""The one gate for what a sponsor sees of a programme (issue 18; DESIGN: privacy tiers).

`programme_report` computes every figure of the dashboard, the ROI view and the report API
(and, through them, the exports) with SQL aggregates in a constant number of queries (seven,
whatever the number of participants or sessions). Nothing here returns a name, an email, an
id of a person, or any text a participant or coach wrote: only counts, sums, averages and a
median, each a `Figure`.

**Suppression.** A figure computed over fewer than MIN_GROUP (5) participants is
*suppressed*: its value is None and pages say "fewer than 5". "Over" means the distinct
participants behind the figure (a count of sessions over 3 people is over 3, whatever the
number of sessions). A zero is a statement about the whole group it belongs to, so it is
shown when that group has at least 5 people (no one of 12 participants missed a session).

**Differencing** (what a sponsor could subtract). We defeat the easy subtractions:
- Participants: seats used = active + paused; when one of active or paused is suppressed the
  other is too (complementary suppression), so seats used cannot reveal it.
- Sessions: booked = held + upcoming + no-show + cancelled, and the budget's money spent
  roughly counts the sessions not cancelled (held + upcoming + no-show). So when one of those
  three is suppressed, the smallest non-zero other of the three is suppressed too (a zero is
  easy to guess); and when cancelled
  is suppressed, so is booked (otherwise booked minus the money's count gives it).
- Trend: the months add up to sessions held; when exactly one month is suppressed, the
  smallest non-zero other month is too.
- Goal progress bands that would be under 5 are merged with their neighbour (0-50 %, ...),
  never shown alone; under 5 people with goals, the whole distribution is suppressed.
We do not defeat differencing *over time* (comparing this week's dashboard with next
week's can show that one more person answered a survey) or through what the sponsor knows
from elsewhere; the roster (the programme's participants page) shows each participant's status
by name anyway, which is the admin's by design. Budget money (funded, spent, remaining) is
the sponsor's own ledger, shown exactly: it is on their budget page and in their alerts.

Pages and the API read the report through `report_for_viewer` (below: cached up to a
minute per change). Satisfaction: reviews do not exist in Tandem yet, so the report has no
satisfaction figure (the card is absent, never a made-up number).
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from datetime import time as time_of_day
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.db.models import Case, Count, F, IntegerField, Min, Q, Sum, Value, When

from tandem.booking.models import Booking
from tandem.payments.sponsors.selectors import budget as sponsor_budget
from tandem.workspace.selectors.aggregates import goal_progress_by_client

from ..models import Participant, Programme, SponsoredSession, SurveyResponse
from ..selectors import MIN_GROUP

SUPPRESSED_TEXT = f"fewer than {MIN_GROUP}"
NO_FIGURE_TEXT = "no figure yet"
WITHHELD_TEXT = "withheld"
BANDS: tuple[tuple[int, int], ...] = ((0, 25), (25, 50), (50, 75), (75, 100))
SURVEY_SCORES = ("clarity", "confidence", "wellbeing")


@dataclass(frozen=True)
class Figure:
    """One number a sponsor may see, or the fact that it is over fewer than 5 people."""

    value: int | float | None
    suppressed: bool = False
    # Suppressed although its own group is large enough: shown, it would let a small group
    # beside it be worked out by subtraction. Said as "withheld", never "fewer than 5",
    # which would be untrue of it.
    withheld: bool = False

    def __str__(self) -> str:
        if self.withheld:
            return WITHHELD_TEXT
        if self.suppressed:
            return SUPPRESSED_TEXT
        return NO_FIGURE_TEXT if self.value is None else str(self.value)

    @property
    def shown(self) -> bool:
        return not self.suppressed

    def as_json(self) -> dict[str, Any]:
        return {"value": None if self.suppressed else self.value, "suppressed": self.suppressed}


HIDDEN = Figure(None, True)
WITHHELD = Figure(None, True, withheld=True)
# A figure that cannot be worked out yet (nothing spent, no session held): shown as such,
# never as "fewer than 5", which would say something untrue about the group.
NO_FIGURE = Figure(None)


def figure(value: int | float, people: int, *, group: int | None = None) -> Figure:
    """`value` computed over `people` distinct participants; a zero is shown when the
    `group` it speaks about has at least MIN_GROUP people."""
    if people >= MIN_GROUP:
        return Figure(value)
    if value == 0 and group is not None and group >= MIN_GROUP:
        return Figure(0)
    return HIDDEN


def _complement(cells: dict[str, Figure], among: tuple[str, ...]) -> dict[str, Figure]:
    """When exactly one of `among` is suppressed, suppress the smallest shown other one."""
    hidden = [name for name in among if cells[name].suppressed]
    shown = [name for name in among if cells[name].shown]
    if len(hidden) == 1 and shown:
        # a zero is easy to guess (a month before the first session): prefer a non-zero one
        smallest = min(shown, key=lambda name: (not cells[name].value, cells[name].value, name))
        cells = {**cells, smallest: WITHHELD}
    return cells


# --- the report ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Participants:
    invited: Figure
    active: Figure
    paused: Figure
    seats_used: Figure  # active + paused


@dataclass(frozen=True)
class Sessions:
    booked: Figure  # every sponsored booking, whatever became of it
    held: Figure  # completed, or confirmed and over
    upcoming: Figure  # confirmed or awaiting confirmation, not over yet
    cancelled: Figure  # cancelled, declined or expired requests
    no_show: Figure
    participants: int  # distinct participants with a sponsored session (for suppression only)

    @property
    def any_shown(self) -> bool:
        return self.participants >= MIN_GROUP


@dataclass(frozen=True)
class Budget:
    currency: str
    funded: int
    spent: int
    remaining: int


@dataclass(frozen=True)
class Spending:
    """Where the money spent on the programme's sessions went (minor units, net of what was
    given back), each a Figure over the distinct participants behind it. The four add up to
    the sessions' share of the budget spent (`Budget.spent`, from the ledger)."""

    held: Figure  # sessions that took place
    committed: Figure  # paid for, not held yet (still to come, or awaiting the coach)
    no_show: Figure  # kept for no-shows (paid, not held)
    cancelled: Figure  # kept for late cancellations (what the policy did not give back)


@dataclass(frozen=True)
class Band:
    low: int
    high: int
    people: int

    @property
    def label(self) -> str:
        return f"{self.low}–{self.high} %"


@dataclass(frozen=True)
class GoalProgress:
    suppressed: bool  # fewer than 5 participants have goals with their programme coach
    bands: tuple[Band, ...] = ()
    people: Figure = HIDDEN  # participants with goals


@dataclass(frozen=True)
class Month:
    month: date  # the first day of the month, in the viewer's zone
    held: Figure


@dataclass(frozen=True)
class SurveyPhase:
    respondents: Figure
    clarity: Figure
    confidence: Figure
    wellbeing: Figure


@dataclass(frozen=True)
class Survey:
    start: SurveyPhase
    end: SurveyPhase


@dataclass(frozen=True)
class ProgrammeReport:
    programme_id: str  # the public id
    name: str
    organisation: str
    status: str
    starts_on: date
    ends_on: date
    currency: str
    sessions_per_participant: int
    seats_bought: int
    participants: Participants
    sessions: Sessions
    budget: Budget
    days_to_first_session: Figure  # median, from accepting the invitation to the first held
    goal_progress: GoalProgress
    trend: tuple[Month, ...]
    survey: Survey | None  # None: the programme has no survey
    spending: Spending = field(default_factory=lambda: Spending(*(HIDDEN,) * 4))
    # ROI, derived from the above (suppressed with the figures they use)
    # the money spent on sessions held (Spending.held) over them: upcoming sessions, no-shows
    # and late cancellations are not in it
    cost_per_held_session: Figure = HIDDEN  # minor units
    held_per_1000: Figure = HIDDEN  # sessions held per 1,000 currency units spent on them
    seat_utilisation: Figure = HIDDEN  # seats used / seats bought, percent
    session_utilisation: Figure = HIDDEN  # held / (seats used x sessions each), percent


def _zone(zone: tzinfo | str | None) -> tzinfo:
    if zone is None:
        return ZoneInfo("UTC")
    if isinstance(zone, str):
        return ZoneInfo(zone)
    return zone


def _held_by(now: datetime, prefix: str = "booking__") -> Q:
    """A session that took place (booking's own rule): completed, or confirmed and over."""
    return Q(**{f"{prefix}status": Booking.Status.COMPLETED}) | Q(
        **{f"{prefix}status": Booking.Status.CONFIRMED, f"{prefix}end__lte": now}
    )


def _upcoming_by(now: datetime, prefix: str = "booking__") -> Q:
    return Q(**{f"{prefix}status__in": Booking.ACTIVE_STATUSES, f"{prefix}end__gt": now})


def _participants(programme: Programme) -> Participants:
    """One query."""
    s = Participant.Status
    row = Participant.objects.filter(programme=programme).aggregate(
        invited=Count("pk", filter=Q(status=s.INVITED)),
        active=Count("pk", filter=Q(status=s.ACTIVE)),
        paused=Count("pk", filter=Q(status=s.PAUSED)),
    )
    everyone = row["invited"] + row["active"] + row["paused"]
    seated = row["active"] + row["paused"]
    cells = {
        name: figure(row[name], row[name], group=everyone)
        for name in ("invited", "active", "paused")
    }
    cells = _complement(cells, ("active", "paused"))
    return Participants(
        invited=cells["invited"],
        active=cells["active"],
        paused=cells["paused"],
        seats_used=figure(seated, seated, group=everyone),
    )


KINDS = ("held", "upcoming", "cancelled", "no_show")
# Where the money went (Spending): by the booking's status only, so the four cover every
# sponsored session once and add up to what the sessions spent.
MONEY = ("held", "committed", "no_show", "cancelled")
MAX_MONTHS = 36  # the trend shows at most the programme's last three years


@dataclass(frozen=True)
class _Counts:
    """Sessions of one kind (or held in one month of the trend) and their distinct people."""

    sessions: int = 0
    people: int = 0


@dataclass(frozen=True)
class _PerParticipant:
    """The programme's sponsored sessions summed over its participants (never leaves this
    module): how many participants have any (`group`), sessions and distinct participants of
    each kind, and each participant's days from acceptance to their first held session."""

    group: int
    booked: int
    kinds: dict[str, _Counts]
    days: list[float]
    # net money (amount - returned) of each of MONEY, and its distinct participants
    money: dict[str, _Counts]


def _month_bounds(
    programme: Programme, now: datetime, zone: tzinfo
) -> list[tuple[date, datetime, datetime]]:
    """The trend's months (first day, start and end instants in `zone`), from the programme's
    first month to the current one (or its last), at most MAX_MONTHS."""
    today = now.astimezone(zone).date()
    months = _months(programme.starts_on, min(today, programme.ends_on))[-MAX_MONTHS:]
    bounds = []
    for first in months:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        bounds.append(
            (
                first,
                datetime.combine(first, time_of_day.min, tzinfo=zone),
                datetime.combine(following, time_of_day.min, tzinfo=zone),
            )
        )
    return bounds


def _per_participant(programme: Programme, now: datetime) -> _PerParticipant:
    """One query over the programme's sponsored sessions, grouped by participant: what the
    session figures and the time to first session are computed from (distinct people per
    kind without a COUNT(DISTINCT) each). The trend's months are `_held_by_month`'s: a
    filtered count per month on every participant's row cost more than all the rest."""
    held = _held_by(now)
    kinds: dict[str, Q] = {
        "held": held,
        "upcoming": _upcoming_by(now),
        "cancelled": Q(booking__status__in=Booking.CANCELLED_STATUSES),
        "no_show": Q(booking__status=Booking.Status.NO_SHOW),
    }
    aggregates: dict[str, Any] = {
        "booked": Count("pk"),
        "first_held": Min("booking__start", filter=held),
        "accepted": Min("participant__accepted_at"),
    }
    for name, condition in kinds.items():
        aggregates[name] = Count("pk", filter=condition)
    committed = Q(booking__status=Booking.Status.PENDING) | Q(
        booking__status=Booking.Status.CONFIRMED, booking__end__gt=now
    )
    money = {
        "held": held,
        "committed": committed,
        "no_show": kinds["no_show"],
        "cancelled": kinds["cancelled"],
    }
    aggregates["committed"] = Count("pk", filter=committed)
    for name, condition in money.items():
        aggregates[f"{name}_money"] = Sum(F("amount") - F("returned"), filter=condition)
    names = (
        "booked",
        "first_held",
        "accepted",
        *KINDS,
        "committed",
        *(f"{m}_money" for m in MONEY),
    )
    rows = (
        SponsoredSession.objects.filter(programme=programme)
        .values("participant")
        .annotate(**aggregates)
        .order_by()
        .values_list(*names)
    )
    # Summed as the rows stream by: no object per participant (5,000 of them would make
    # Python's garbage collector walk the whole process now and then: +60 ms a request).
    group = booked = 0
    sessions = dict.fromkeys(KINDS, 0)
    people = dict.fromkeys(KINDS, 0)
    spent = dict.fromkeys(MONEY, 0)
    payers = dict.fromkeys(MONEY, 0)
    days: list[float] = []
    end = 3 + len(KINDS)
    for row in cast("Iterable[tuple[Any, ...]]", rows):
        group += 1
        booked += row[0]
        for name, count in zip(KINDS, row[3:end], strict=True):
            if count:
                sessions[name] += count
                people[name] += 1
        # a participant stands behind a money line when they have a session of its kind
        # (a session given back whole is still theirs: its 0 says something about them)
        has = {"held": row[3], "committed": row[end], "no_show": row[6], "cancelled": row[5]}
        for name, amount in zip(MONEY, row[end + 1 :], strict=True):
            spent[name] += int(amount or 0)
            if has[name]:
                payers[name] += 1
        first_held, accepted = row[1], row[2]
        if first_held is not None and accepted is not None:
            days.append(max(0.0, (first_held - accepted).total_seconds() / 86400))
    return _PerParticipant(
        group=group,
        booked=booked,
        kinds={name: _Counts(sessions[name], people[name]) for name in KINDS},
        days=days,
        money={name: _Counts(spent[name], payers[name]) for name in MONEY},
    )


def _held_by_month(
    programme: Programme, now: datetime, months: list[tuple[date, datetime, datetime]]
) -> list[_Counts]:
    """One query (none without months): sessions held in each month of the trend and their
    distinct participants, the month a CASE on the booking's start (an integer: PostgreSQL
    sorts the keys to group them), grouped by it: a row a month."""
    if not months:
        return []
    month = Case(
        *(When(booking__start__lt=ends, then=Value(i)) for i, (_, _, ends) in enumerate(months)),
        default=Value(-1),
        output_field=IntegerField(),
    )
    rows = cast(
        "Iterable[dict[str, Any]]",
        SponsoredSession.objects.filter(
            _held_by(now), programme=programme, booking__start__gte=months[0][1]
        )
        .filter(booking__start__lt=months[-1][2])
        .annotate(month=month)
        .values("month")
        .annotate(sessions=Count("pk"), people=Count("participant", distinct=True))
        .order_by(),
    )
    counts = [_Counts()] * len(months)
    for row in rows:
        if 0 <= row["month"] < len(months):
            counts[row["month"]] = _Counts(row["sessions"], row["people"])
    return counts


def _sessions(rows: _PerParticipant) -> Sessions:
    """A count and the distinct participants of each kind of session."""
    group = rows.group
    cells = {
        name: figure(rows.kinds[name].sessions, rows.kinds[name].people, group=group)
        for name in KINDS
    }
    cells["booked"] = figure(rows.booked, group, group=group)
    cells = _complement(cells, ("held", "upcoming", "no_show"))
    if cells["cancelled"].suppressed and cells["booked"].shown:
        cells["booked"] = WITHHELD
    return Sessions(
        booked=cells["booked"],
        held=cells["held"],
        upcoming=cells["upcoming"],
        cancelled=cells["cancelled"],
        no_show=cells["no_show"],
        participants=group,
    )


def _spending(rows: _PerParticipant, sessions: Sessions) -> Spending:
    """Where the money went, each line over the participants behind it. A line goes with its
    session count (shown, the money over a known price would give the count back), and
    since the lines add up to the money spent, which the sponsor sees exactly, one hidden
    line hides the smallest other one too (as the session counts do)."""
    counts = {
        "held": sessions.held,
        # committed is upcoming plus requests left unanswered past their time: it goes with
        # the upcoming count (shown, 9 x 120 EUR would give back a withheld 9)
        "committed": sessions.upcoming,
        "no_show": sessions.no_show,
        "cancelled": sessions.cancelled,
    }
    cells: dict[str, Figure] = {}
    for name in MONEY:
        line = rows.money[name]
        count = counts[name]
        if count.suppressed:
            cells[name] = WITHHELD if count.withheld else HIDDEN
        else:
            cells[name] = figure(line.sessions, line.people, group=rows.group)
    cells = _complement(cells, MONEY)
    return Spending(**cells)


def _days_to_first_session(rows: _PerParticipant) -> Figure:
    """The median days from acceptance to the first held session, over 5 people or more."""
    if len(rows.days) < MIN_GROUP:
        return HIDDEN
    return Figure(round(statistics.median(rows.days), 1))


def _goal_progress(programme: Programme) -> GoalProgress:
    """One query (workspace): each seated participant's average progress with their coach;
    the bands here, a band under 5 people merged with the next (the last with the one before)."""
    seated = Participant.objects.filter(
        programme=programme,
        status__in=Participant.SEATED,
        user__isnull=False,
        coach__isnull=False,
    )
    averages = list(goal_progress_by_client(seated).values())
    if len(averages) < MIN_GROUP:
        return GoalProgress(suppressed=True)
    counts = [0] * len(BANDS)
    for value in averages:
        counts[min(int(value // 25), len(BANDS) - 1)] += 1
    merged: list[Band] = []
    low, people = BANDS[0][0], 0
    for (band_low, high), count in zip(BANDS, counts, strict=True):
        if people == 0 and count == 0:  # nobody of the (5 or more) people: says no one's figure
            merged.append(Band(band_low, high, 0))
            low = high
            continue
        people += count
        if people >= MIN_GROUP:
            merged.append(Band(low, high, people))
            low, people = high, 0
    if people:  # a tail under 5: merged back into the bands before it until it is 5
        while merged and people < MIN_GROUP:
            last = merged.pop()
            low, people = last.low, people + last.people
        merged.append(Band(low, 100, people))
    return GoalProgress(suppressed=False, bands=tuple(merged), people=Figure(len(averages)))


def _months(first: date, last: date) -> list[date]:
    months: list[date] = []
    current = date(first.year, first.month, 1)
    while current <= last and len(months) < 120:
        months.append(current)
        current = date(current.year + current.month // 12, current.month % 12 + 1, 1)
    return months


def _trend(
    monthly: list[_Counts], months: list[tuple[date, datetime, datetime]], group: int
) -> tuple[Month, ...]:
    """Sessions held per month (in the viewer's zone), each over its distinct people."""
    cells = {
        first.isoformat(): figure(count.sessions, count.people, group=group)
        for (first, _, _), count in zip(months, monthly, strict=True)
    }
    cells = _complement(cells, tuple(cells))
    return tuple(Month(date.fromisoformat(key), value) for key, value in cells.items())


def _survey(programme: Programme) -> Survey | None:
    """One query: respondents and average scores per phase."""
    if not programme.survey_enabled:
        return None
    aggregates: dict[str, Any] = {}
    for name in SurveyResponse.Phase.values:
        condition = Q(phase=name)
        aggregates[f"{name}_n"] = Count("pk", filter=condition)
        for score in SURVEY_SCORES:
            aggregates[f"{name}_{score}"] = Sum(score, filter=condition)
    row = SurveyResponse.objects.filter(
        participant__programme=programme, participant__status__in=Participant.SEATED
    ).aggregate(**aggregates)

    def phase(name: str) -> SurveyPhase:
        n = row[f"{name}_n"]
        if n < MIN_GROUP:
            return SurveyPhase(HIDDEN, HIDDEN, HIDDEN, HIDDEN)
        scores = {s: Figure(round((row[f"{name}_{s}"] or 0) / n, 2)) for s in SURVEY_SCORES}
        return SurveyPhase(respondents=Figure(n), **scores)

    return Survey(start=phase("start"), end=phase("end"))


def _budget(programme: Programme) -> Budget:
    """Payments' figures of the programme's ledger account (two queries)."""
    figures = sponsor_budget(programme.budget_owner, programme.currency)
    return Budget(
        currency=programme.currency,
        funded=figures.funded,
        spent=figures.spent,
        remaining=figures.balance,
    )


def _percent(part: int | float | None, whole: int | float) -> Figure:
    if part is None:
        return HIDDEN
    if not whole:
        return NO_FIGURE
    return Figure(round(100 * part / whole, 1))


def programme_report(
    programme: Programme, *, now: datetime, zone: tzinfo | str | None = None
) -> ProgrammeReport:
    """Everything a sponsor may see of `programme` (see the module's docstring). Seven
    queries whatever its size: participants 1; sessions grouped by participant (each kind,
    first held) 1; sessions held per month with their distinct people 1; goals 1; survey 1;
    budget 2."""
    tz = _zone(zone)
    participants = _participants(programme)
    months = _month_bounds(programme, now, tz)
    rows = _per_participant(programme, now)
    sessions = _sessions(rows)
    budget = _budget(programme)
    spending = _spending(rows, sessions)
    held = sessions.held.value if sessions.held.shown else None
    on_held = spending.held.value if spending.held.shown else None
    if held is None or on_held is None:
        cost = per_1000 = HIDDEN
    else:
        cost = Figure(round(on_held / held)) if held else NO_FIGURE
        per_1000 = (
            Figure(round(held / on_held * 1000 * _unit(programme.currency), 2))
            if on_held > 0
            else NO_FIGURE
        )
    seats_used = participants.seats_used.value if participants.seats_used.shown else None
    entitled = (seats_used or 0) * programme.sessions_per_participant
    return ProgrammeReport(
        programme_id=str(programme.public_id),
        name=programme.name,
        organisation=programme.organisation.name,
        status=programme.status,
        starts_on=programme.starts_on,
        ends_on=programme.ends_on,
        currency=programme.currency,
        sessions_per_participant=programme.sessions_per_participant,
        seats_bought=programme.seats,
        participants=participants,
        sessions=sessions,
        budget=budget,
        days_to_first_session=_days_to_first_session(rows),
        goal_progress=_goal_progress(programme),
        trend=_trend(_held_by_month(programme, now, months), months, sessions.participants),
        survey=_survey(programme),
        spending=spending,
        cost_per_held_session=cost,
        held_per_1000=per_1000,
        seat_utilisation=_percent(seats_used, programme.seats),
        session_utilisation=_percent(held, entitled) if seats_used else HIDDEN,
    )


def _unit(currency: str) -> int:
    """Minor units in one unit of `currency` (100 for EUR)."""
    from tandem.core.money import minor_units

    return 10 ** minor_units(currency)


# --- the pages' and API's copy: computed at most once a minute per change -----------------------

CACHE_SECONDS = 60


def _cache_seconds() -> int:
    from django.conf import settings

    return int(getattr(settings, "TANDEM_ORGS_REPORT_CACHE_SECONDS", CACHE_SECONDS))


def report_for_viewer(
    programme: Programme, *, now: datetime, zone: tzinfo | str | None = None
) -> ProgrammeReport:
    """`programme_report` as the dashboard, the ROI view and the API show it: kept in the
    cache for up to CACHE_SECONDS (TANDEM_ORGS_REPORT_CACHE_SECONDS; 0 turns it off).

    The key holds the programme, the viewer's zone, the minute and a fingerprint that moves
    with every new or removed sponsored session, every amount given back (a cancellation),
    every participant joining, leaving or changing status, and every survey answer (two
    small queries on the programme's indexes). So a new booking, a cancellation or a new
    participant shows at once; what the fingerprint does not see (a session becoming held
    or a no-show, a goal's progress) shows within a minute. A cache that fails (Redis down)
    is skipped: the report is computed."""
    seconds = _cache_seconds()
    if seconds <= 0:
        return programme_report(programme, now=now, zone=zone)
    import contextlib
    import hashlib

    from django.core.cache import cache
    from django.db.models import Max

    sessions = SponsoredSession.objects.filter(programme=programme).aggregate(
        n=Count("pk"), last=Max("pk"), back=Sum("returned")
    )
    people = Participant.objects.filter(programme=programme).aggregate(
        n=Count("pk", distinct=True),
        changed=Max("status_changed_at"),
        answers=Count("survey_responses"),
    )
    zone_name = str(getattr(_zone(zone), "key", _zone(zone)))
    print_ = repr(
        (
            str(programme.public_id),
            programme.updated_at,
            programme.status,
            programme.survey_enabled,
            zone_name,
            int(now.timestamp() // seconds),
            sorted(sessions.items()),
            sorted(people.items()),
        )
    )
    key = "orgs:report:" + hashlib.sha256(print_.encode()).hexdigest()
    found = None
    with contextlib.suppress(Exception):  # a failing cache must not fail the page
        found = cache.get(key)
    if isinstance(found, ProgrammeReport):
        return found
    report = programme_report(programme, now=now, zone=zone)
    with contextlib.suppress(Exception):
        cache.set(key, report, seconds)
    return report
