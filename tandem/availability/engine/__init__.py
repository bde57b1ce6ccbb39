"""The pure availability engine: rules in, UTC slot starts out. No Django imports here.

Public API: `compute_slots(query) -> list[datetime]` and `first_slot(query) -> datetime | None`
(implemented in slots.py); the inputs are the dataclasses in types.py.
"""

from .slots import compute_slots, first_slot
from .types import (
    BusyInterval,
    DateOverride,
    SlotQuery,
    UtcRange,
    WallInterval,
    WeeklyRule,
)

__all__ = [
    "BusyInterval",
    "DateOverride",
    "SlotQuery",
    "UtcRange",
    "WallInterval",
    "WeeklyRule",
    "compute_slots",
    "first_slot",
]
