"""Reads of the participant's side: my seats, one seat, coach suggestions, the survey's
windows and what my sponsor sees about me.

Every seat is found through the gate (`orgs.access.own_seat(s)`): only its participant
reaches it; anyone else gets None (404).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from tandem.booking.recommend import recommend_slots
from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile, SessionType

from .. import access
from ..models import Participant, Programme, SurveyResponse
from . import rules

# The end-of-programme survey opens this many days before the programme's last day.
END_SURVEY_DAYS = 30
# Coaches scored for suggestions (the soonest available first): the recommender reads each
# coach's calendar, so the page stays quick in a programme open to every coach.
SUGGESTION_CANDIDATES = 12
SUGGESTIONS = 3


@dataclass(frozen=True, slots=True)
class Seat:
    participant: Participant
    programme: Programme
    sessions_used: int
    surveys_done: frozenset[str] = frozenset()

    @property
    def organisation_name(self) -> str:
        return self.programme.organisation.name

    @property
    def sessions_left(self) -> int:
        return max(0, self.programme.sessions_per_participant - self.sessions_used)

    @property
    def coach(self) -> CoachProfile | None:
        return self.participant.coach

    @property
    def can_book(self) -> bool:
        return (
            self.participant.status == Participant.Status.ACTIVE
            and self.programme.status == Programme.Status.ACTIVE
            and self.sessions_left > 0
        )


def _seat(participant: Participant, used: dict[int, int], surveys: dict[int, set[str]]) -> Seat:
    return Seat(
        participant=participant,
        programme=participant.programme,
        sessions_used=used.get(participant.pk, 0),
        surveys_done=frozenset(surveys.get(participant.pk, ())),
    )


def _surveys(participant_ids: list[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    rows = SurveyResponse.objects.filter(participant_id__in=participant_ids)
    for pid, phase in rows.values_list("participant_id", "phase"):
        out.setdefault(pid, set()).add(phase)
    return out


def my_seats(user: Any) -> list[Seat]:
    """The user's seats (invited ones accepted; removed ones gone), newest programme first.
    Three queries, however many seats."""
    rows = list(
        access.own_seats(user)
        .exclude(status=Participant.Status.INVITED)
        .order_by("-programme__ends_on", "-pk")
    )
    ids = [p.pk for p in rows]
    used = rules.sessions_used(ids) if ids else {}
    surveys = _surveys(ids) if ids else {}
    return [_seat(p, used, surveys) for p in rows]


def my_seat(user: Any, public_id: Any) -> Seat | None:
    participant = access.own_seat(user, public_id)
    if participant is None or participant.status == Participant.Status.INVITED:
        return None
    ids = [participant.pk]
    return _seat(participant, rules.sessions_used(ids), _surveys(ids))


def pending_invitations(user: Any, now: datetime) -> QuerySet[Participant]:
    """Invitations to the user's address not answered yet (their link is in the email)."""
    if not getattr(user, "is_authenticated", False) or not user.email:
        return Participant.objects.none()
    return (
        Participant.objects.select_related("programme__organisation")
        .filter(
            email=user.email.lower(),
            status=Participant.Status.INVITED,
            programme__status=Programme.Status.ACTIVE,
        )
        .exclude(invite_expires_at__lte=now)
        .order_by("invited_at")
    )


# --- the survey ---------------------------------------------------------------------------------


def survey_open(seat: Seat, phase: str, today: date) -> bool:
    """Whether this phase's survey may be answered now: the programme enables it, it was not
    answered yet, the participant accepted; the start survey while the programme runs, the
    end one in its last 30 days or after it ended."""
    programme = seat.programme
    if not programme.survey_enabled or phase in seat.surveys_done:
        return False
    if seat.participant.status not in Participant.SEATED:
        return False
    if phase == SurveyResponse.Phase.START:
        return programme.status == Programme.Status.ACTIVE and today <= programme.ends_on
    if phase == SurveyResponse.Phase.END:
        ended = programme.status == Programme.Status.ENDED
        return ended or today >= programme.ends_on - timedelta(days=END_SURVEY_DAYS - 1)
    return False


def surveys_offered(seat: Seat, today: date) -> list[str]:
    return [p for p in SurveyResponse.Phase.values if survey_open(seat, p, today)]


# --- matching -----------------------------------------------------------------------------------


def allowed_session_types(programme: Programme) -> QuerySet[SessionType]:
    """Active session types the programme pays for (length, place, currency)."""
    types = coach_selectors.active_session_types_in(programme.currency)
    if programme.max_session_minutes is not None:
        types = types.filter(duration_minutes__lte=programme.max_session_minutes)
    if programme.location != Programme.Location.ANY:
        types = types.filter(location_kind=programme.location)
    return types


def coaches_to_choose(seat: Seat) -> QuerySet[CoachProfile]:
    """Every coach the participant may choose: eligible by the programme's rule, with a
    session type the programme pays for, never the participant themselves, by name."""
    programme = seat.programme
    types = allowed_session_types(programme).filter(coach=OuterRef("pk"))
    coaches = rules.eligible_coaches(programme).filter(Exists(types))
    if seat.participant.user_id is not None:
        coaches = coaches.exclude(user_id=seat.participant.user_id)
    return coaches.select_related("user").order_by("user__display_name", "pk")


@dataclass(frozen=True, slots=True)
class Suggestion:
    coach: CoachProfile
    session_type: SessionType
    score: float
    next_start: datetime | None
    reasons: list[str] = field(default_factory=list)


def coach_suggestions(seat: Seat, *, now: datetime, limit: int = SUGGESTIONS) -> list[Suggestion]:
    """The recommender's best `limit` coaches for this participant, each with reasons: the
    coaches (of the soonest available few) whose best slot for a covered session scores
    highest, with the slot's reasons and the programme's specialties they share."""
    programme = seat.programme
    user = seat.participant.user
    coaches = list(
        coaches_to_choose(seat)
        .prefetch_related("specialties")
        .order_by("next_available_at", "pk")[:SUGGESTION_CANDIDATES]
    )
    if not coaches:
        return []
    wanted = set()
    if programme.coach_rule == Programme.CoachRule.SPECIALTY:
        wanted = set(programme.specialties.values_list("pk", flat=True))
    types: dict[int, SessionType] = {}
    for covered in (
        allowed_session_types(programme)
        .filter(coach_id__in=[c.pk for c in coaches])
        .order_by("price", "duration_minutes", "pk")
    ):
        types.setdefault(covered.coach_id, covered)
    found: list[Suggestion] = []
    for coach in coaches:
        if (session_type := types.get(coach.pk)) is None:
            continue
        best = recommend_slots(
            coach=coach,
            session_type=session_type,
            client=user,
            tz=None,
            preferred_times=None,
            preferred_days=None,
            urgency=None,
            now=now,
            limit=1,
        )
        reasons = [f"Works on {s.name}" for s in coach.specialties.all() if s.pk in wanted]
        if best:
            reasons += [r.text for r in best[0].reasons]
        else:
            reasons.append("No free time in the next four weeks")
        found.append(
            Suggestion(
                coach=coach,
                session_type=session_type,
                score=best[0].score if best else 0.0,
                next_start=best[0].start if best else None,
                reasons=reasons,
            )
        )
    found.sort(key=lambda s: (-s.score, s.next_start or datetime.max.replace(tzinfo=now.tzinfo),
                              s.coach.user.name, s.coach.pk))  # fmt: skip
    return found[:limit]


# --- what my sponsor sees -----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RosterRow:
    """One person as the organisation's admins see them on the roster (the roster page
    `orgs/participants/roster.html` and the participants API's `participant_body`): no
    session figure, no text they wrote."""

    name: str
    email: str
    status: str
    status_label: str
    source: str
    source_label: str
    invited_at: datetime  # for a domain join, the moment they joined (nobody invited them)
    accepted_at: datetime | None
    matched: bool
    was_invited: bool = True


def roster_row(participant: Participant) -> RosterRow:
    """What the sponsor's roster shows about one participant; the participant's "what my
    sponsor sees" page shows exactly this (the API answers with the roster API's own body)."""
    return RosterRow(
        name=participant.name,
        email=participant.email,
        status=participant.status,
        status_label=participant.get_status_display(),
        source=participant.source,
        source_label=participant.get_source_display(),
        invited_at=participant.invited_at,
        accepted_at=participant.accepted_at,
        matched=participant.matched_at is not None,
        was_invited=participant.was_invited,
    )
