"""The goal progress rule, pure (no ORM): services store it, selectors replay it over time."""

from __future__ import annotations


def derive_progress(*, milestones: int, done: int, last_checkin: int | None) -> int:
    """A goal's progress (0..100): from its milestones when it has any (the share done,
    rounded half up, so 1 of 8 is 13), else the last check-in's value, else 0."""
    if milestones > 0:
        done = min(max(done, 0), milestones)
        return (200 * done + milestones) // (2 * milestones)
    if last_checkin is not None:
        return min(max(int(last_checkin), 0), 100)
    return 0
