"""/api/v1/orgs/seats...: a participant's own places in programmes. Thin: find the seat
through the gate, call one selector or service, present.

Another person's seat (a stranger, the sponsor's admin, staff, a coach) answers 404 exactly
like an unknown id.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Router, Status

from tandem.core.errors import NotFound
from tandem.core.idempotency import checked_key
from tandem.core.schemas import ErrorOut

from ..models import Programme, SurveyResponse
from ..participants.api import participant_body
from . import rules, selectors, services
from .schemas import (
    MySeatListOut,
    MySeatOut,
    SeatCoachIn,
    SeatSponsorViewOut,
    SeatSuggestionListOut,
    SeatSurveyIn,
    SeatSurveyOut,
)

router = Router(tags=["organisations: my programmes"])

NOT_YOURS = "Another person's seat answers 404, like an unknown id. "
NEVER_SHOWN = (
    "Your sessions, goals, notes, journal, messages and action items are never shown to your "
    "sponsor by name or as text; sessions, goal progress and survey answers only count in "
    "totals over at least 5 people (smaller groups are shown as 'fewer than 5')."
)


class SeatNotFound(NotFound):
    """No such programme place."""

    code = "seat_not_found"


def _seat(request: HttpRequest, seat_id: str) -> selectors.Seat:
    seat = selectors.my_seat(request.user, seat_id)
    if seat is None:
        raise SeatNotFound()
    return seat


def coach_body(coach: Any) -> dict[str, Any]:
    return {
        "id": coach.public_id,
        "name": coach.user.name,
        "headline": coach.headline,
        "slug": coach.slug,
    }


def seat_body(seat: selectors.Seat, today: Any) -> dict[str, Any]:
    programme = seat.programme
    participant = seat.participant
    ended = programme.status == Programme.Status.ENDED
    return {
        "id": participant.public_id,
        "organisation": seat.organisation_name,
        "programme": programme.public_id,
        "programme_name": programme.name,
        "starts_on": programme.starts_on,
        "ends_on": programme.ends_on,
        "status": "ended" if ended else participant.status,
        "sessions_per_participant": programme.sessions_per_participant,
        "sessions_used": seat.sessions_used,
        "sessions_left": seat.sessions_left,
        "can_book": seat.can_book,
        "coach": coach_body(seat.coach) if seat.coach else None,
        "matched_at": participant.matched_at,
        "max_session_minutes": programme.max_session_minutes,
        "location": programme.location,
        "surveys_open": selectors.surveys_offered(seat, today),
        "surveys_done": sorted(seat.surveys_done),
    }


def _today(request: HttpRequest) -> Any:
    return rules.local_date(timezone.now(), request.user)


@router.get(
    "/orgs/seats",
    response=MySeatListOut,
    summary="My programme places",
    description="Every programme you hold a place in (not invitations), with the "
    "sessions you have left and the coach you chose.",
)
def list_seats(request: HttpRequest) -> dict[str, Any]:
    today = _today(request)
    return {"items": [seat_body(s, today) for s in selectors.my_seats(request.user)]}


@router.get(
    "/orgs/seats/{seat_id}",
    response=MySeatOut,
    summary="One of my programme places",
    description=NOT_YOURS,
)
def get_seat(request: HttpRequest, seat_id: str) -> dict[str, Any]:
    return seat_body(_seat(request, seat_id), _today(request))


@router.get(
    "/orgs/seats/{seat_id}/coach-suggestions",
    response=SeatSuggestionListOut,
    summary="Coaches suggested for me",
    description="The recommender's three coaches for your programme, each with the "
    "reasons and their next free time for a covered session; and every coach you may "
    "choose. " + NOT_YOURS,
)
def coach_suggestions(request: HttpRequest, seat_id: str) -> dict[str, Any]:
    seat = _seat(request, seat_id)
    suggestions = selectors.coach_suggestions(seat, now=timezone.now())
    return {
        "items": [
            {
                "coach": coach_body(s.coach),
                "session_type": s.session_type.public_id,
                "session_minutes": s.session_type.duration_minutes,
                "score": s.score,
                "next_start": s.next_start,
                "reasons": s.reasons,
            }
            for s in suggestions
        ],
        "eligible": [coach_body(c) for c in selectors.coaches_to_choose(seat)],
    }


@router.post(
    "/orgs/seats/{seat_id}/coach",
    response={200: MySeatOut, 409: ErrorOut},
    summary="Choose my coach",
    description="One of the coaches your programme covers (else 400 "
    "`coach_not_eligible`); you may change later. Choosing the same coach again "
    "changes nothing. A paused place or an ended programme: 409 `seat_not_active`. " + NOT_YOURS,
)
def choose_coach(request: HttpRequest, payload: SeatCoachIn, seat_id: str) -> dict[str, Any]:
    seat = _seat(request, seat_id)
    services.seat_choose_coach(seat=seat, coach_id=payload.coach, now=timezone.now())
    return seat_body(_seat(request, seat_id), _today(request))


def _survey_body(seat: selectors.Seat, answer: SurveyResponse) -> dict[str, Any]:
    return {
        "seat": seat.participant.public_id,
        "phase": answer.phase,
        "clarity": answer.clarity,
        "confidence": answer.confidence,
        "wellbeing": answer.wellbeing,
        "answered_at": answer.answered_at,
    }


@router.post(
    "/orgs/seats/{seat_id}/survey/{phase}",
    response={200: SeatSurveyOut, 201: SeatSurveyOut, 409: ErrorOut},
    summary="Answer a survey",
    description="`phase` is `start` or `end` (else 404). Three scores from 1 to 5, "
    "once per phase, when the programme enables the survey: the start survey while "
    "the programme runs, the end one in its last 30 days or after it ends (else 409 "
    "`survey_closed`). `Idempotency-Key`: the same answers again after a success "
    "return the saved answer (200, `Idempotent-Replayed: true`). " + NOT_YOURS,
)
def answer_survey(
    request: HttpRequest, response: HttpResponse, payload: SeatSurveyIn, seat_id: str, phase: str
) -> Status[Any]:
    key = checked_key(request.headers.get("Idempotency-Key"))
    seat = _seat(request, seat_id)
    if phase not in SurveyResponse.Phase.values:
        raise NotFound("No such survey.", code="survey_not_found")
    scores = payload.model_dump()
    try:
        answer = services.seat_answer_survey(
            seat=seat, phase=phase, scores=scores, now=timezone.now()
        )
    except services.SurveyClosed:
        if key is not None:
            earlier = SurveyResponse.objects.filter(
                participant=seat.participant, phase=phase, **scores
            ).first()
            if earlier is not None:
                response["Idempotent-Replayed"] = "true"
                return Status(200, _survey_body(seat, earlier))
        raise
    return Status(201, _survey_body(seat, answer))


@router.get(
    "/orgs/seats/{seat_id}/what-my-sponsor-sees",
    response=SeatSponsorViewOut,
    summary="What my sponsor sees about me",
    description="Exactly the roster row your organisation's admins see: name, email, "
    "status, invitation and join dates, matched yes or no. " + NOT_YOURS,
)
def sponsor_view(request: HttpRequest, seat_id: str) -> dict[str, Any]:
    seat = _seat(request, seat_id)
    return {
        "organisation": seat.organisation_name,
        "sees": participant_body(seat.participant, seat.programme),
        "never_shown": NEVER_SHOWN,
    }
