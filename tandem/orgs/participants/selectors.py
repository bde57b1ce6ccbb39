"""Reads for the sponsor admin's roster: who is in a programme (email, name, status, dates,
matched or not). Never a session figure per person (privacy rule: a sponsor sees sessions
only as aggregates over at least 5 people, in reporting)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from ..models import Participant, Programme

PER_PAGE = 50
MAX_QUERY = 100
FILTERS = ("current", "invited", "active", "paused", "removed", "all")


@dataclass(frozen=True)
class Roster:
    rows: list[Participant]
    total: int
    page: int
    pages: int
    counts: dict[str, int]
    held: int  # open invitations holding a seat (a moved seat), counted in seats taken


def _filtered(programme: Programme, status: str, q: str) -> QuerySet[Participant]:
    rows = Participant.objects.filter(programme=programme)
    if status == "current":
        rows = rows.exclude(status=Participant.Status.REMOVED)
    elif status in Participant.Status.values:
        rows = rows.filter(status=status)
    if q:
        rows = rows.filter(Q(email__icontains=q) | Q(name__icontains=q))
    return rows


def status_counts(programme: Programme) -> dict[str, int]:
    counts = dict(
        Participant.objects.filter(programme=programme)
        .values_list("status")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {status: counts.get(status, 0) for status in Participant.Status.values}


def roster(
    programme: Programme, *, now: datetime, status: str = "current", q: str = "", page: int = 1
) -> Roster:
    """One page of the roster (newest invitations first), in four queries whatever its size.
    Each row gets `seat_held`: an open invitation holding a moved seat at `now`."""
    status = status if status in FILTERS else "current"
    q = q.replace("\x00", "").strip()[:MAX_QUERY]
    rows = _filtered(programme, status, q)
    total = rows.count()
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    found = list(
        rows.only(
            "public_id", "email", "name", "status", "source", "invited_at", "accepted_at",
            "invite_expires_at", "matched_at", "status_changed_at", "programme_id",
            "seat_reserved",
        ).order_by("-invited_at", "-pk")[(page - 1) * PER_PAGE : page * PER_PAGE]
    )  # fmt: skip
    for row in found:
        row.seat_held = row.holds_reservation(now)  # type: ignore[attr-defined]
    held = (
        Participant.objects.filter(Participant.holding_seat(now), programme=programme)
        .filter(status=Participant.Status.INVITED)
        .count()
    )
    return Roster(
        rows=found,
        total=total,
        page=page,
        pages=pages,
        counts=status_counts(programme),
        held=held,
    )


def participants_page(
    programme: Programme, *, status: str = "all", after: int | None = None, limit: int = 100
) -> list[Participant]:
    """For the API: by primary key order after a cursor (the previous page's last pk)."""
    rows = _filtered(programme, status if status in FILTERS else "all", "")
    if after is not None:
        rows = rows.filter(pk__gt=after)
    return list(rows.order_by("pk")[:limit])
