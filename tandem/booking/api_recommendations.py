"""GET /coaches/{coach_id}/recommendations: the best few slots for whoever asks."""

from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router

from tandem.accounts.auth import optional_viewer
from tandem.availability.selectors import session_type_of
from tandem.coaches.selectors import bookable_coach
from tandem.core.errors import NotFound

from .recommend.params import parse_request
from .recommend.scoring import Scored
from .recommend.service import default_zone, recommend
from .schemas_recommend import RecommendationsOut, RecommendParams

router = Router(tags=["booking"])


@router.get(
    "/coaches/{coach_id}/recommendations",
    auth=None,
    response=RecommendationsOut,
    summary="The best slots of a coach's session type for you, with reasons",
    description=(
        "Public; signed in, your sessions with this coach are spaced from. Scores fit to "
        "preferred times and days (in `tz`), soonness weighted by `urgency`, spacing from "
        "your sessions and the coach's load that day; at most 2 slots per day while other "
        "days can fill the list (docs/recommendations.md). Unlisted coaches and unknown "
        "session types answer 404; bad parameters 400 `invalid` with field codes, e.g. "
        '`{"preferred_days": ["invalid"]}`.'
    ),
)
def coach_recommendations(
    request: HttpRequest,
    params: Query[RecommendParams],
    coach_id: str = Path(..., description="The coach's public id or booking-page slug."),
) -> dict:
    # NUL cannot be in a slug or id, and PostgreSQL refuses it in a query: not found.
    coach = None if "\x00" in coach_id else bookable_coach(coach_id)
    if coach is None:
        raise NotFound("No such coach.")
    session_type = session_type_of(coach, params.session_type)
    if session_type is None:
        raise NotFound("No such session type.")
    viewer = optional_viewer(request)
    parsed = parse_request(
        tz=params.tz,
        default_tz=default_zone(coach, viewer),
        preferred_times=params.preferred_times,
        preferred_days=params.preferred_days,
        urgency=params.urgency,
        limit=params.limit,
        waking_hours=params.waking_hours,
    )
    results = recommend(
        coach=coach,
        session_type=session_type,
        client=viewer,
        prefs=parsed.prefs,
        now=timezone.now(),
        limit=parsed.limit,
    )
    return {
        "coach": {
            "id": coach.public_id,
            "slug": coach.slug,
            "name": coach.user.display_name,
            "timezone": coach.timezone,
        },
        "session_type": {
            "id": session_type.public_id,
            "name": session_type.name,
            "duration_minutes": session_type.duration_minutes,
        },
        "tz": parsed.prefs.tz,
        "recommendations": [_out(item) for item in results],
    }


def _out(item: Scored) -> dict:
    return {
        "start": item.start,
        "end": item.end,
        "local_start": item.local_start,
        "local_end": item.local_end,
        "score": item.score,
        "reasons": [{"code": r.code, "text": r.text} for r in item.reasons],
    }
