"""Reads of bookings for their participants. Anyone else's booking does not exist."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from django.db.models import Count, F, Max, Min, Q, QuerySet, Subquery

from tandem.accounts.models import User
from tandem.accounts.selectors import users_with_pk
from tandem.core.cursors import decode_position, encode_cursor
from tandem.core.errors import InvalidInput
from tandem.core.ids import parse_id

from .models import Booking, BookingEvent, Hold
from .rules import lapsed_requests

Scope = Literal["upcoming", "past", "cancelled"]
Role = Literal["any", "client", "coach"]
DEFAULT_LIMIT, MAX_LIMIT = 20, 100


def _mine(user: User, role: Role = "any") -> QuerySet[Booking]:
    bookings = Booking.objects.select_related("coach__user", "client", "session_type")
    if role == "client":
        return bookings.filter(client=user)
    if role == "coach":
        return bookings.filter(coach__user=user)
    return bookings.filter(Q(client=user) | Q(coach__user=user))


def booked_with(user: User) -> Q:
    """A condition on users: they have any booking with `user`, either as coach, in any
    status (for `accounts.selectors` to apply)."""
    their_coaches = Booking.objects.filter(client=user).values("coach__user_id")
    their_clients = Booking.objects.filter(coach__user=user).values("client_id")
    return Q(pk__in=their_coaches) | Q(pk__in=their_clients)


def booked_together(a: User, b: User) -> bool:
    """Whether these two people have any booking together, either as coach, in any status."""
    return users_with_pk(b.pk).filter(booked_with(a)).exists()


def booking_for(user: User, booking_id: object) -> Booking | None:
    """One booking if `user` is its client or coach."""
    public_id = parse_id(booking_id)
    if public_id is None or not user.is_authenticated:
        return None
    return _mine(user).filter(public_id=public_id).first()


def booking_history(booking: Booking) -> list[BookingEvent]:
    return list(booking.events.select_related("actor").order_by("at", "pk"))


def booking_with_parties(booking_id: int, *, lock: bool = False) -> Booking | None:
    """A booking by its internal id, with its coach's user, its client and its session type,
    or None if it is gone (for jobs, which take ids). `lock`: the booking's row (only) stays
    locked until the transaction ends."""
    bookings = Booking.objects.select_related("coach__user", "client", "session_type")
    if lock:
        bookings = bookings.select_for_update(of=("self",))
    return bookings.filter(pk=booking_id).first()


def booking_by_id(booking_id: int | None) -> Booking | None:
    """A booking by its internal id (no relations loaded), or None if it is gone."""
    if booking_id is None:
        return None
    return Booking.objects.filter(pk=booking_id).first()


def existing_booking(booking_id: int) -> Booking:
    """A booking another row names by internal id (no relations loaded); raises
    Booking.DoesNotExist if it is gone."""
    return Booking.objects.get(pk=booking_id)


def bookings_by_id(booking_ids: Iterable[int]) -> dict[int, Booking]:
    """Bookings by internal id (no relations loaded), in one query; gone ones are left out."""
    return Booking.objects.in_bulk(set(booking_ids))


@dataclass(frozen=True)
class BookingPage:
    items: list[Booking]
    next_cursor: str | None


def active_booking_starts(
    coach_ids: Iterable[int], *, starting_from: datetime, starting_before: datetime
) -> QuerySet[Booking, tuple[int, datetime]]:
    """(coach id, start) of these coaches' active bookings starting in [from, before)."""
    return Booking.objects.filter(
        coach_id__in=coach_ids,
        status__in=Booking.ACTIVE_STATUSES,
        start__gte=starting_from,
        start__lt=starting_before,
    ).values_list("coach_id", "start")


@dataclass(frozen=True)
class SessionCounts:
    held: int  # completed, or confirmed and over
    upcoming: int  # confirmed or awaiting confirmation, not over yet


def session_counts_by(*, group_by: str, where: Q, now: datetime) -> dict[Any, SessionCounts]:
    """Sessions held and upcoming among the bookings `where` selects, per value of
    `group_by`, in one query (a group without bookings is absent).

    Both are written from Booking, so another app can group bookings by its own rows through
    the client (orgs: `client__memberships__organisation`). `where` is one filter() call:
    its conditions on a multi-valued relation apply to the same related row."""
    rows = (
        Booking.objects.filter(where)
        .values(group_by)
        .annotate(
            held=Count(
                "pk",
                filter=Q(status=Booking.Status.COMPLETED)
                | Q(status=Booking.Status.CONFIRMED, end__lte=now),
            ),
            upcoming=Count("pk", filter=Q(status__in=Booking.ACTIVE_STATUSES, end__gt=now)),
        )
        .order_by()
    )
    return {row[group_by]: SessionCounts(row["held"], row["upcoming"]) for row in rows}


def _scoped(bookings: QuerySet[Booking], scope: Scope, now: datetime) -> QuerySet[Booking]:
    if scope == "upcoming":
        return bookings.filter(status__in=Booking.ACTIVE_STATUSES, end__gt=now)
    if scope == "past":
        return bookings.filter(
            Q(status__in=[Booking.Status.COMPLETED, Booking.Status.NO_SHOW])
            | Q(status=Booking.Status.CONFIRMED, end__lte=now)
        )
    return bookings.filter(status__in=Booking.CANCELLED_STATUSES)


def bookings_page(
    user: User,
    *,
    scope: Scope,
    now: datetime,
    role: Role = "any",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
) -> BookingPage:
    """Upcoming sessions soonest first; past and cancelled ones latest first. Keyset pages."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be 1 to {MAX_LIMIT}.", fields={"limit": ["out_of_range"]})
    ascending = scope == "upcoming"
    bookings = _scoped(_mine(user, role), scope, now)
    if cursor:
        after_start, after_id = decode_position(cursor, moment="s", key="i", key_type=int)
        if ascending:
            bookings = bookings.filter(
                Q(start__gt=after_start) | Q(start=after_start, pk__gt=after_id)
            )
        else:
            bookings = bookings.filter(
                Q(start__lt=after_start) | Q(start=after_start, pk__lt=after_id)
            )
    order = ["start", "pk"] if ascending else ["-start", "-pk"]
    items = list(bookings.order_by(*order)[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor({"s": last.start.isoformat(), "i": last.pk})
    return BookingPage(items, next_cursor)


def pending_requests_for_coach(user: User, now: datetime) -> list[Booking]:
    """Requests waiting for this coach's answer, soonest first."""
    return list(
        _mine(user, "coach")
        .filter(status=Booking.Status.PENDING)
        .exclude(lapsed_requests(now))
        .order_by("start", "pk")
    )


def next_confirmed_session(user: User, now: datetime) -> Booking | None:
    """The user's next confirmed session on either side (one under way counts until it
    ends): the dashboard's countdown."""
    return (
        _mine(user)
        .filter(status=Booking.Status.CONFIRMED, end__gt=now)
        .order_by("start", "pk")
        .first()
    )


@dataclass(frozen=True)
class ClientSummary:
    public_id: uuid.UUID
    name: str
    sessions: int  # booked, held or upcoming (cancelled, declined and expired ones not)
    next_start: datetime | None  # their next session with this coach, if any


@dataclass(frozen=True)
class CoachClients:
    count: int
    first: list[ClientSummary]  # those with a next session first (soonest), then latest seen

    @property
    def more(self) -> int:
        return self.count - len(self.first)


def clients_of_coach(user: User, now: datetime, *, limit: int = 3) -> CoachClients:
    """The coach's clients for the dashboard: how many, and a few with their next session.

    Two queries whatever the number of clients or bookings (none found for a non-coach).
    """
    bookings = Booking.objects.filter(coach__user=user).exclude(
        status__in=Booking.CANCELLED_STATUSES
    )
    count = bookings.values("client").distinct().count()
    if not count:
        return CoachClients(0, [])
    upcoming = Q(status__in=Booking.ACTIVE_STATUSES, end__gt=now)
    rows = (
        bookings.values("client", "client__public_id", "client__display_name", "client__email")
        .annotate(
            sessions=Count("pk"),
            next_start=Min("start", filter=upcoming),
            latest=Max("start"),
        )
        .order_by(F("next_start").asc(nulls_last=True), "-latest", "client")[:limit]
    )
    return CoachClients(
        count,
        [
            ClientSummary(
                public_id=row["client__public_id"],
                name=row["client__display_name"] or row["client__email"].split("@", 1)[0],
                sessions=row["sessions"],
                next_start=row["next_start"],
            )
            for row in rows
        ],
    )


def hold_of_client(client: User, hold_id: uuid.UUID) -> Hold | None:
    """The client's own hold, with its session type and coach; anyone else's does not exist."""
    return (
        Hold.objects.select_related("session_type", "coach")
        .filter(public_id=hold_id, client=client)
        .first()
    )


# --- One coach and one client (the workspace's engagements) ---------------------------------


def _held(now: datetime) -> Q:
    """A session that took place: completed, or confirmed and over."""
    return Q(status=Booking.Status.COMPLETED) | Q(status=Booking.Status.CONFIRMED, end__lte=now)


def _upcoming(now: datetime) -> Q:
    """A session still to come (or under way): confirmed or awaiting confirmation."""
    return Q(status__in=Booking.ACTIVE_STATUSES, end__gt=now)


def pair_session_bounds(
    *, coach: Any, client: Any, now: datetime
) -> tuple[Subquery[Any], Subquery[Any]]:
    """(next start, last start) of one coach's sessions with one client, as subqueries for
    another app's rows to annotate (`coach` and `client` are OuterRefs to the CoachProfile
    and User ids), so a list of pairs costs one query whatever its length."""
    pair = Booking.objects.filter(coach_id=coach, client_id=client)
    upcoming = pair.filter(_upcoming(now)).order_by("start").values("start")[:1]
    held = pair.filter(_held(now)).order_by("-start").values("start")[:1]
    return Subquery(upcoming), Subquery(held)


def pair_sessions(*, coach_id: int, client_id: int, limit: int = 200) -> list[Booking]:
    """One coach's bookings with one client (every status), newest start first, with their
    session types; at most `limit` of them."""
    return list(
        Booking.objects.filter(coach_id=coach_id, client_id=client_id)
        .select_related("session_type")
        .defer("notes")  # encrypted, and not shown in a list: no decryption per row
        .order_by("-start", "-pk")[:limit]
    )


def pair_session_count(*, coach_id: int, client_id: int) -> int:
    """How many bookings (every status) one coach has with one client."""
    return Booking.objects.filter(coach_id=coach_id, client_id=client_id).count()


def pair_next_and_last(*, coach_id: int, client_id: int, now: datetime) -> tuple[Any, Any]:
    """(next start, last start) of one pair's sessions, in one query."""
    pair = Booking.objects.filter(coach_id=coach_id, client_id=client_id)
    found = pair.aggregate(
        next=Min("start", filter=_upcoming(now)), last=Max("start", filter=_held(now))
    )
    return found["next"], found["last"]


def pairs_booked_since(since: datetime) -> list[tuple[int, int]]:
    """(coach id, client id) of every pair with a booking made since `since` that holds or
    held time (not a cancelled, declined or expired request)."""
    return list(
        Booking.objects.filter(created_at__gte=since)
        .exclude(status__in=Booking.CANCELLED_STATUSES)
        .values_list("coach_id", "client_id")
        .distinct()
    )
