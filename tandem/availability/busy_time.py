"""Busy time from the apps above availability: the seam that keeps the loader one statement.

Availability sits below booking, yet a slot must never be offered where a booking, or another
client's live hold, takes the time. The loader (`loader.py`) reads rules and busy time for many
coaches in ONE hand-written statement (it runs inside every booking's transaction), so an app
above plugs in the SQL that selects its busy rows instead of availability importing its
models. Booking registers its source at start-up (`BookingConfig.ready` →
`tandem/booking/sql.py`, `busy_branches`); without a registered source nothing is busy.

The contract. A source is a function `(BusyRequest) -> Sequence[BusyBranch]`, called once per
load. A branch is the `<table> WHERE <condition>` text that follows `FROM`, with its
parameters (already adapted, e.g. by `tandem.core.sql.instant`), in order. Its table has the
columns coach_id, session_type_id, start, "end", blocked_start, blocked_end (instants); the
loader selects exactly those, so the statement stays one UNION ALL with nothing to join.
A branch must keep to the request's coaches (`coach_id IN ({request.ids})` with
`request.coach_ids` as parameters) and to rows whose [blocked_start, blocked_end) meets
[request.lo, request.hi) — or, with `request.caps_window`, that start inside it (caps count
every session of the local days and ISO weeks the range touches).

`counted`: the rows are sessions (they count toward daily and weekly caps, on the date of the
session's own start: a leading buffer blocks but is not counted); otherwise they only block
time (a hold).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class BusyView:
    """Whose view of busy time: a client's own hold and the booking being moved don't block."""

    now: datetime | None = None  # holds and pending requests lapse at their expiry
    client_id: int | None = None  # this client's hold stays bookable for them
    exclude_booking_id: int | None = None  # a booking being rescheduled frees its own time


@dataclass(frozen=True, slots=True)
class BusyRequest:
    """What the loader is loading: these coaches' busy rows around [lo, hi)."""

    coach_ids: Sequence[int]
    ids: str  # "%s, %s, ...": one placeholder per coach id
    lo: datetime  # rows blocking time before `lo` or from `hi` on are not needed...
    hi: datetime
    caps_window: tuple[datetime, datetime] | None  # ...unless they start in this window
    view: BusyView


@dataclass(frozen=True, slots=True)
class BusyBranch:
    """One kind of busy row: `FROM <from_where>` with its parameters (see the contract)."""

    from_where: str
    params: Sequence[object]
    counted: bool


BusySource = Callable[[BusyRequest], Sequence[BusyBranch]]

_sources: list[BusySource] = []


def register(source: BusySource) -> None:
    """Add a source of busy rows (from an AppConfig.ready; registering twice adds it once)."""
    if source not in _sources:
        _sources.append(source)


def branches(request: BusyRequest) -> list[BusyBranch]:
    """Every registered source's branches for this load, in registration order."""
    return [branch for source in _sources for branch in source(request)]
