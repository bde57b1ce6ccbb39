"""The one seam between coaches and availability, which builds on coaches.

Coaches' pages show when a coach is free (directory cards, "available between", the week
picker on a coach's page and in the booking wizard), and a change to a coach (a session type,
the zone, verification) changes when they are free. The slot engine lives in availability, a
layer above, so coaches never imports it: availability plugs its functions in at start-up
(`AvailabilityConfig.ready` registers an `AvailabilityProvider` built from
`tandem/availability/slots.py` and `services.schedule_refresh_next_available`).

Without a provider (availability not installed) coaches still works: the directory uses the
stored `CoachProfile.next_available_at`, "available between" keeps only coaches whose stored
next slot is in the window, the picker shows no slots, and changes refresh nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .models import CoachProfile, SessionType


class SlotsOf(Protocol):
    """Bookable starts (UTC) of one coach's session type in [start, end)."""

    def __call__(
        self,
        *,
        coach: CoachProfile,
        session_type: SessionType,
        start: datetime,
        end: datetime,
        now: datetime,
        client_id: int | None = None,
        exclude_booking_id: int | None = None,
    ) -> list[datetime]: ...


class FirstSlotOf(Protocol):
    """The earliest of those starts, or None."""

    def __call__(
        self,
        *,
        coach: CoachProfile,
        session_type: SessionType,
        start: datetime,
        end: datetime,
        now: datetime,
        client_id: int | None = None,
        exclude_booking_id: int | None = None,
    ) -> datetime | None: ...


class NextAvailable(Protocol):
    """{coach pk: (first slot or None, its session type or None)} for each coach."""

    def __call__(
        self, coaches: Sequence[CoachProfile], *, now: datetime
    ) -> dict[int, tuple[datetime | None, SessionType | None]]: ...


class HasSlotBetween(Protocol):
    """{coach pk: whether a slot of any active session type starts in [start, end)}."""

    def __call__(
        self, coaches: Sequence[CoachProfile], start: datetime, end: datetime, *, now: datetime
    ) -> dict[int, bool]: ...


@dataclass(frozen=True)
class AvailabilityProvider:
    next_available: NextAvailable
    has_slot_between: HasSlotBetween
    slots: SlotsOf
    first_slot: FirstSlotOf
    # After the current transaction commits, recompute these coaches' next_available_at.
    changed: Callable[[Iterable[int]], None]


_provider: AvailabilityProvider | None = None


def register(provider: AvailabilityProvider) -> None:
    """Availability's functions (called once, from its AppConfig.ready)."""
    global _provider
    _provider = provider


def provider() -> AvailabilityProvider | None:
    """The registered provider, or None when availability is not installed."""
    return _provider
