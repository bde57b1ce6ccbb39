"""Workspace reads: engagements (the coach's client list, the client's coaches, one file).

Next and last session are computed in the list query from the bookings themselves
(`booking.selectors.pair_session_bounds`, correlated subqueries), not read from the stored
`Engagement.next_session_at`/`last_session_at`: a session that has just ended moves from
"next" to "last" without any write, and a list that sorts on them must be right to the
minute. The stored columns are refreshed on every booking change for other readers.
Everything here costs a fixed number of queries whatever the number of rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from django.db.models import (
    Avg,
    CharField,
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Lower, NullIf

from tandem.booking.models import Booking
from tandem.booking.selectors import pair_session_bounds, pair_session_count, pair_sessions
from tandem.core.cursors import decode_cursor, encode_cursor, invalid_cursor
from tandem.core.errors import InvalidInput

from ..models import ActionItem, Engagement, EngagementTag, Goal, Invitation
from .access import engagements_of

Sort = Literal["next", "last", "name"]
SORTS: tuple[str, ...] = ("next", "last", "name")
STATES: tuple[str, ...] = tuple(Engagement.State.values)
DEFAULT_LIMIT, MAX_LIMIT = 25, 100
MAX_QUERY = 100


@dataclass(frozen=True, slots=True)
class ListFilters:
    q: str = ""
    state: str = ""
    tag: str = ""
    sort: str = "next"

    def checked(self) -> ListFilters:
        """The filters, or 400 naming the bad one (a page shows it as a form error)."""
        errors: dict[str, list[str]] = {}
        if not isinstance(self.q, str) or "\x00" in self.q or len(self.q) > MAX_QUERY:
            errors["q"] = [f"At most {MAX_QUERY} characters of text."]
        if self.state and self.state not in STATES:
            errors["state"] = ["One of active, paused, ended."]
        if not isinstance(self.tag, str) or "\x00" in self.tag or len(self.tag) > 40:
            errors["tag"] = ["A tag of at most 40 characters."]
        if self.sort not in SORTS:
            errors["sort"] = ["One of next, last, name."]
        if errors:
            raise InvalidInput("Check the filters.", fields=errors)
        return ListFilters(
            q=" ".join(self.q.split()),
            state=self.state,
            tag=" ".join(self.tag.split()).lower(),
            sort=self.sort,
        )


@dataclass
class EngagementPage:
    items: list[Engagement]
    total: int
    next_cursor: str | None = None
    offset: int = 0
    limit: int = DEFAULT_LIMIT
    filters: ListFilters = field(default_factory=ListFilters)


def _open_actions(assignee: str | None = None) -> Subquery[Any]:
    """Open items of the row's engagement; only those assigned to the row's `assignee` column
    ("client_id" or "coach__user_id") if given. Each side's count is what that person's own
    dashboard and /actions/ show for this engagement."""
    items = ActionItem.objects.filter(engagement=OuterRef("pk"), status=ActionItem.Status.OPEN)
    if assignee is not None:
        items = items.filter(assignee_id=OuterRef(assignee))
    count = items.order_by().values("engagement").annotate(n=Count("pk")).values("n")
    return Subquery(count, output_field=IntegerField())


def _goal_progress() -> Subquery[Any]:
    """Average progress (0-100, rounded down by the caller) of the active goals; None if
    there are none."""
    average = (
        Goal.objects.filter(engagement=OuterRef("pk"), status=Goal.Status.ACTIVE)
        .order_by()
        .values("engagement")
        .annotate(avg=Avg("progress"))
        .values("avg")
    )
    return Subquery(average)


def annotated(engagements: QuerySet[Engagement], *, now: datetime) -> QuerySet[Engagement]:
    """Rows with next_at, last_at, open_actions (everyone's), client_open_actions and
    coach_open_actions (each side's own), goal_progress (and coach, client, tags): one query
    plus one for the tags, whatever the number of rows."""
    next_at, last_at = pair_session_bounds(
        coach=OuterRef("coach_id"), client=OuterRef("client_id"), now=now
    )
    return (
        engagements.select_related("coach__user", "client")
        .prefetch_related(Prefetch("tags", queryset=EngagementTag.objects.order_by("name")))
        .annotate(
            next_at=next_at,
            last_at=last_at,
            open_actions=Coalesce(_open_actions(), Value(0)),
            client_open_actions=Coalesce(_open_actions("client_id"), Value(0)),
            coach_open_actions=Coalesce(_open_actions("coach__user_id"), Value(0)),
            goal_progress=_goal_progress(),
        )
    )


def _offset(cursor: str | None) -> int:
    if not cursor:
        return 0
    payload = decode_cursor(cursor)
    offset = payload.get("o")
    if not isinstance(offset, int) or isinstance(offset, bool) or offset < 0:
        raise invalid_cursor()
    return offset


def _limit(limit: Any) -> int:
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(
            f"limit is 1..{MAX_LIMIT}.", fields={"limit": [f"Between 1 and {MAX_LIMIT}."]}
        )
    return limit


def _ordered(rows: QuerySet[Engagement], sort: str) -> QuerySet[Engagement]:
    name = Lower(
        Coalesce(
            NullIf("client__display_name", Value("")),
            "client__email",
            output_field=CharField(),
        )
    )
    if sort == "name":
        return rows.annotate(sort_name=name).order_by("sort_name", "pk")
    if sort == "last":
        return rows.order_by(F("last_at").desc(nulls_last=True), "pk")
    # Soonest next session first; those with none after, by their last session.
    return rows.order_by(
        F("next_at").asc(nulls_last=True), F("last_at").desc(nulls_last=True), "pk"
    )


def client_list(
    coach_user: Any,
    *,
    filters: ListFilters,
    now: datetime,
    cursor: str | None = None,
    offset: int | None = None,
    limit: int = DEFAULT_LIMIT,
) -> EngagementPage:
    """The coach's clients, filtered, sorted and paged (a count, the rows, their tags: three
    queries whatever the number of clients). Pages pass an `offset`; the API a `cursor`
    (the sort keys are computed, so the cursor carries a position, not a key)."""
    filters = filters.checked()
    limit = _limit(limit)
    start = offset if offset is not None else _offset(cursor)
    rows = Engagement.objects.filter(coach__user_id=coach_user.pk)
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.tag:
        rows = rows.filter(tags__name=filters.tag)
    if filters.q:
        rows = rows.filter(
            Q(client__display_name__icontains=filters.q) | Q(client__email__icontains=filters.q)
        )
    total = rows.count()
    items = list(_ordered(annotated(rows, now=now), filters.sort)[start : start + limit])
    following = start + limit
    return EngagementPage(
        items=items,
        total=total,
        next_cursor=encode_cursor({"o": following}) if following < total else None,
        offset=start,
        limit=limit,
        filters=filters,
    )


def coaches_of_client(client_user: Any, *, now: datetime) -> list[Engagement]:
    """The client's engagements (their coaches), active first, then by next session."""
    rows = Engagement.objects.filter(client_id=client_user.pk)
    found = list(annotated(rows, now=now).order_by(F("next_at").asc(nulls_last=True), "pk"))
    rank = {state: i for i, state in enumerate(STATES)}  # active, paused, ended
    return sorted(found, key=lambda e: rank.get(e.state, len(rank)))


def engagements_for_api(
    user: Any, *, filters: ListFilters, now: datetime, cursor: str | None, limit: int
) -> EngagementPage:
    """The API's list: a coach's clients with filters; anyone's engagements on either side
    (the tag filter is the coach's and matches only engagements they coach)."""
    filters = filters.checked()
    limit = _limit(limit)
    start = _offset(cursor)
    rows = engagements_of(user)
    if filters.state:
        rows = rows.filter(state=filters.state)
    if filters.tag:
        rows = rows.filter(coach__user_id=user.pk, tags__name=filters.tag)
    if filters.q:
        rows = rows.filter(
            Q(coach__user_id=user.pk)
            & (Q(client__display_name__icontains=filters.q) | Q(client__email__icontains=filters.q))
        )
    total = rows.count()
    items = list(_ordered(annotated(rows, now=now), filters.sort)[start : start + limit])
    following = start + limit
    return EngagementPage(
        items=items,
        total=total,
        next_cursor=encode_cursor({"o": following}) if following < total else None,
        offset=start,
        limit=limit,
        filters=filters,
    )


def one(user: Any, engagement_id: Any, *, now: datetime) -> Engagement | None:
    """One engagement the user is in, annotated like the list rows (None: not theirs)."""
    from .access import parse_id

    parsed = parse_id(engagement_id)
    if parsed is None:
        return None
    return annotated(engagements_of(user).filter(public_id=parsed), now=now).first()


def tag_names(coach_user: Any) -> list[str]:
    """Every tag the coach uses, for the filter's choices."""
    return list(
        EngagementTag.objects.filter(engagement__coach__user_id=coach_user.pk)
        .values_list("name", flat=True)
        .distinct()
        .order_by("name")
    )


# The client file lists the latest past sessions only (their notes are in the notes section;
# every session is on the sessions page): a pair with 300 sessions would otherwise render 300.
PAST_SHOWN = 10
SESSIONS_READ = 60  # room for 50 upcoming sessions before the past ones are crowded out


def sessions_of(engagement: Engagement, *, now: datetime) -> dict[str, Any]:
    """The pair's sessions: upcoming (soonest first), the latest PAST_SHOWN past or cancelled
    (newest first), and how many past ones there are in all."""
    # Newest start first: the upcoming ones come first, then the latest past ones.
    bookings = pair_sessions(
        coach_id=engagement.coach_id, client_id=engagement.client_id, limit=SESSIONS_READ
    )
    upcoming = sorted(
        (b for b in bookings if b.status in Booking.ACTIVE_STATUSES and b.end > now),
        key=lambda b: b.start,
    )
    coming = {b.pk for b in upcoming}
    past = [b for b in bookings if b.pk not in coming]
    total = pair_session_count(coach_id=engagement.coach_id, client_id=engagement.client_id)
    return {"upcoming": upcoming, "past": past[:PAST_SHOWN], "past_total": total - len(upcoming)}


def invitation_of(coach_user: Any, public_id: Any) -> Invitation | None:
    """One of the coach's own invitations by public id (an Idempotency-Key's replay)."""
    return Invitation.objects.filter(public_id=public_id, coach__user_id=coach_user.pk).first()
