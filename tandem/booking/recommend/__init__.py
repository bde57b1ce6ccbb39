"""Slot recommendations: the best few slots for a client, with a score and reasons.

`scoring` is the model (pure Python), `params` parses requests, `service` loads rows.
See docs/recommendations.md.
"""

from typing import Any

from .params import Request, parse_request
from .scoring import (
    DAY_PARTS,
    Candidate,
    Context,
    Preferences,
    Reason,
    Scored,
    TimeWindow,
    score_slots,
)

__all__ = [
    "DAY_PARTS",
    "Candidate",
    "Context",
    "Preferences",
    "Reason",
    "Request",
    "Scored",
    "TimeWindow",
    "parse_request",
    "recommend",
    "recommend_slots",
    "score_slots",
]


def __getattr__(name: str) -> Any:
    # The service imports models; loading it lazily keeps `scoring` importable without Django.
    if name in ("recommend", "recommend_slots"):
        from . import service

        return getattr(service, name)
    raise AttributeError(name)
