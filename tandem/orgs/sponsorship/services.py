"""Writes of the participant's side: choosing a coach and answering the survey.

Each takes a seat already found through the gate (`selectors.my_seat`), runs in one
transaction on a fresh, locked row, and raises `ServiceError`s the pages and the API share.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from tandem.core.errors import Conflict, InvalidInput, NotFound

from ..models import Participant, Programme, SurveyResponse
from . import rules, selectors

SURVEY_QUESTIONS = (
    ("clarity", "How clear are you about what you want to achieve at work?"),
    ("confidence", "How confident do you feel about getting there?"),
    ("wellbeing", "How would you rate your overall wellbeing at work?"),
)


class CoachNotEligible(InvalidInput):
    """This coach is not one your programme covers."""

    code = "coach_not_eligible"


class SeatNotOpen(Conflict):
    """Your place in this programme is not active."""

    code = "seat_not_active"


class SurveyClosed(Conflict):
    """This survey is not open for you (not enabled, not yet, or already answered)."""

    code = "survey_closed"


def _fresh(seat: selectors.Seat) -> Participant:
    participant = (
        Participant.objects.select_for_update(of=("self",))
        .select_related("programme__organisation")
        .filter(pk=seat.participant.pk)
        .first()
    )
    if participant is None:
        raise NotFound()
    return participant


def seat_choose_coach(*, seat: selectors.Seat, coach_id: Any, now: datetime) -> Participant:
    """The participant chooses (or changes) the coach the programme covers their sessions
    with: one of the coaches the programme admits. Choosing the same coach again changes
    nothing."""
    try:
        coach_uuid = uuid.UUID(str(coach_id))
    except (TypeError, ValueError, AttributeError):
        raise CoachNotEligible(fields={"coach": ["invalid"]}) from None
    with transaction.atomic():
        participant = _fresh(seat)
        if (
            participant.status != Participant.Status.ACTIVE
            or participant.programme.status != Programme.Status.ACTIVE
        ):
            raise SeatNotOpen()
        fresh_seat = selectors.Seat(participant, participant.programme, seat.sessions_used)
        coach = selectors.coaches_to_choose(fresh_seat).filter(public_id=coach_uuid).first()
        if coach is None:
            raise CoachNotEligible(fields={"coach": ["not_eligible"]})
        if participant.coach_id == coach.pk:
            return participant
        participant.coach = coach
        participant.matched_at = now
        participant.save(update_fields=["coach", "matched_at"])
        return participant


def _score(value: Any, name: str, errors: dict[str, list[str]]) -> int:
    if isinstance(value, bool) or value is None:
        errors[name] = ["required" if value is None else "invalid"]
        return 0
    if isinstance(value, str):
        value = value.strip()
        if not value.isdigit():
            errors[name] = ["required" if value == "" else "invalid"]
            return 0
        value = int(value)
    if not isinstance(value, int):
        errors[name] = ["invalid"]
        return 0
    if not 1 <= value <= 5:
        errors[name] = ["out_of_range"]
    return value


def seat_answer_survey(
    *, seat: selectors.Seat, phase: str, scores: dict[str, Any], now: datetime
) -> SurveyResponse:
    """Three scores from 1 to 5, once per phase, while that phase is open."""
    if phase not in SurveyResponse.Phase.values:
        raise NotFound()
    errors: dict[str, list[str]] = {}
    values = {name: _score(scores.get(name), name, errors) for name, _ in SURVEY_QUESTIONS}
    if errors:
        raise InvalidInput("Give each answer a score from 1 to 5.", fields=errors)
    today = rules.local_date(now, seat.participant.user)
    try:
        with transaction.atomic():
            participant = _fresh(seat)
            done = set(
                SurveyResponse.objects.filter(participant=participant).values_list(
                    "phase", flat=True
                )
            )
            fresh_seat = selectors.Seat(
                participant, participant.programme, seat.sessions_used, frozenset(done)
            )
            if not selectors.survey_open(fresh_seat, phase, today):
                raise SurveyClosed()
            return SurveyResponse.objects.create(
                participant=participant, phase=phase, answered_at=now, **values
            )
    except IntegrityError:  # answered twice at once: the first one counts
        raise SurveyClosed() from None
