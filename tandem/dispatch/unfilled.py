"""Why nobody took a Book now request, in words, and how to ask more widely.

The code itself is decided by the services when the request ends exhausted
(services/advance.unfilled_reason, from ranking.rank_candidates); this only presents it.
"""

from __future__ import annotations

from .models import MAX_WITHIN_MINUTES, DispatchOffer, DispatchRequest

Unfilled = DispatchRequest.Unfilled

# Wider windows offered for a re-ask ("starting within 60 / 120 minutes").
WIDER_WINDOWS = (60, MAX_WITHIN_MINUTES)
# Reasons a wider window can help: someone was online but not free soon enough, or those
# asked declined or were taken (a longer window brings in more slots and coaches).
WIDENABLE = (Unfilled.NONE_FREE_IN_WINDOW, Unfilled.DECLINED_OR_BUSY)


def _window(minutes: int) -> str:
    return f"within {minutes} minutes" if minutes else "right away"


def _asked(offers: list[DispatchOffer]) -> str:
    asked = len(offers)
    if not asked:
        return (
            "The coaches who were free had their time taken, or it came too close, "
            "before they could be asked."
        )
    who = "1 coach who was free" if asked == 1 else f"{asked} coaches who were free"
    return (
        f"We asked {who}; nobody could take it (declined, no answer in time, or the time "
        "was taken meanwhile)."
    )


def reason_text(request: DispatchRequest, offers: list[DispatchOffer]) -> str:
    specialty = request.specialty.name
    length = f"{request.duration_minutes}-minute"
    code = request.unfilled_reason
    if code == Unfilled.NO_MATCHING_SESSIONS:
        return f"No coach offers {length} {specialty} sessions that can be booked on the spot."
    if code == Unfilled.NOBODY_ONLINE:
        return "No coach is online right now, so there was nobody to ask."
    if code == Unfilled.NOBODY_ONLINE_FOR_SPECIALTY:
        return f"None of the coaches who offer {specialty} is online right now."
    if code == Unfilled.NONE_FREE_IN_WINDOW:
        return (
            f"The {specialty} coaches who are online have no free {length} slot starting "
            f"{_window(request.window_minutes)}."
        )
    if code == Unfilled.DECLINED_OR_BUSY:
        return _asked(offers)
    return "Nobody could take it."  # exhausted before reasons were recorded


def unfilled_data(request: DispatchRequest, offers: list[DispatchOffer]) -> dict | None:
    if request.status != DispatchRequest.Status.EXHAUSTED:
        return None
    return {"code": request.unfilled_reason or None, "text": reason_text(request, offers)}


def widen_windows(request: DispatchRequest) -> list[int]:
    """Longer "start within" windows worth asking again with, shortest first."""
    if request.status != DispatchRequest.Status.EXHAUSTED:
        return []
    if request.unfilled_reason not in WIDENABLE:
        return []
    return [w for w in WIDER_WINDOWS if w > request.window_minutes]
