"""Workspace reads: action items.

Every read goes through `access.engagements_of(viewer)`, so another person's item is simply
not found. Each function costs a fixed number of queries whatever the number of items (the
titles are decrypted in Python; what SQL filters and sorts on is clear metadata: status, due
date, who). A source note's id reaches only the coach when that note is private: the client
must not learn that a private note exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, QuerySet

from ..models import ActionItem, Engagement, Goal, SessionNote
from .access import engagements_of, parse_id, role_in
from .timeline import TimelineItem

DUE_SOON_DAYS = 7  # "due soon": today and the next six days
DONE_SHOWN = 20  # done items listed on /actions/ (newest first)
SECTION_DONE_SHOWN = 5
# The client file shows the most urgent open items; the rest are one link away (a file with
# hundreds of open items would otherwise render each with its edit form).
SECTION_OPEN_SHOWN = 10
DASHBOARD_SHOWN = 3


def local_today(user: Any, now: datetime) -> date:
    """The calendar date it is for `user` at `now` (their IANA zone; UTC if unknown)."""
    try:
        zone = ZoneInfo(user.timezone or "UTC")
    except (ValueError, KeyError, OSError):  # a zone name this machine does not know
        zone = ZoneInfo("UTC")
    return now.astimezone(zone).date()


def _base() -> QuerySet[ActionItem]:
    return (
        ActionItem.objects.select_related(
            "engagement__coach__user", "engagement__client", "assignee", "created_by", "goal"
        )
        # Only the goal's title is shown: its other encrypted text stays undecrypted.
        .defer("goal__why", "goal__measure")
        .annotate(
            source_note_visibility=F("source_note__visibility"),
            booking_public_id=F("booking__public_id"),
            booking_start=F("booking__start"),
            source_note_public_id=F("source_note__public_id"),
        )
    )


def _of_engagement(engagement: Engagement) -> QuerySet[ActionItem]:
    """_base() for the items of one engagement the caller already holds (no engagement,
    coach or client joins)."""
    return (
        ActionItem.objects.filter(engagement=engagement)
        .select_related("assignee", "created_by", "goal")
        .defer("goal__why", "goal__measure")
        .annotate(
            source_note_visibility=F("source_note__visibility"),
            booking_public_id=F("booking__public_id"),
            booking_start=F("booking__start"),
            source_note_public_id=F("source_note__public_id"),
        )
    )


def item_for(viewer: Any, public_id: Any) -> ActionItem | None:
    """One item of an engagement the viewer is in; None otherwise (404 at the edge)."""
    parsed = parse_id(public_id)
    if parsed is None or not getattr(viewer, "is_authenticated", False):
        return None
    return _base().filter(public_id=parsed, engagement__in=engagements_of(viewer)).first()


def source_note_visible(item: ActionItem, viewer: Any) -> bool:
    visibility = getattr(item, "source_note_visibility", None)
    if visibility is None:
        return False
    return (
        visibility == SessionNote.Visibility.SHARED or role_in(item.engagement, viewer) == "coach"
    )


def mine_queryset(
    viewer: Any,
    *,
    engagement: Engagement | None = None,
    status: str | None = None,
    due: str | None = None,
    now: datetime,
) -> QuerySet[ActionItem]:
    """Items assigned to the viewer in their engagements (unordered). `due`: "overdue",
    "today", "soon" (within 7 days) or "none" (no date), by the viewer's own today."""
    items = _base().filter(assignee_id=viewer.pk, engagement__in=engagements_of(viewer))
    if engagement is not None:
        items = items.filter(engagement=engagement)
    if status in (ActionItem.Status.OPEN, ActionItem.Status.DONE):
        items = items.filter(status=status)
    today = local_today(viewer, now)
    if due == "overdue":
        items = items.filter(status=ActionItem.Status.OPEN, due_date__lt=today)
    elif due == "today":
        items = items.filter(due_date=today)
    elif due == "soon":
        items = items.filter(due_date__gte=today, due_date__lt=today + timedelta(DUE_SOON_DAYS))
    elif due == "none":
        items = items.filter(due_date__isnull=True)
    return items


def mine(
    viewer: Any,
    *,
    engagement: Engagement | None = None,
    status: str | None = None,
    due: str | None = None,
    now: datetime,
    limit: int | None = None,
) -> list[ActionItem]:
    """mine_queryset's items: open first by due date (no date last), then done newest first
    (each part at most `limit`)."""
    if status not in (ActionItem.Status.OPEN, ActionItem.Status.DONE):
        # Both: two queries, so each part keeps its own order.
        return mine(
            viewer, engagement=engagement, status="open", due=due, now=now, limit=limit
        ) + mine(viewer, engagement=engagement, status="done", due=due, now=now, limit=limit)
    items = mine_queryset(viewer, engagement=engagement, status=status, due=due, now=now)
    if status == ActionItem.Status.OPEN:
        ordered = items.order_by(F("due_date").asc(nulls_last=True), "created_at", "pk")
    else:
        ordered = items.order_by(F("done_at").desc(nulls_last=True), "-pk")
    return list(ordered[:limit] if limit is not None else ordered)


def of_engagement_queryset(engagement: Engagement) -> QuerySet[ActionItem]:
    return _base().filter(engagement=engagement)


def of_engagement(engagement: Engagement) -> list[ActionItem]:
    """Every item of the engagement: open first by due date (no date last), then done ones
    newest first. Two queries."""
    base = _base().filter(engagement=engagement)
    return list(
        base.filter(status=ActionItem.Status.OPEN).order_by(
            F("due_date").asc(nulls_last=True), "created_at", "pk"
        )
    ) + list(
        base.filter(status=ActionItem.Status.DONE).order_by(
            F("done_at").desc(nulls_last=True), "-pk"
        )
    )


@dataclass
class Groups:
    overdue: list[ActionItem] = field(default_factory=list)
    due_soon: list[ActionItem] = field(default_factory=list)
    later: list[ActionItem] = field(default_factory=list)
    no_date: list[ActionItem] = field(default_factory=list)
    done: list[ActionItem] = field(default_factory=list)

    @property
    def open_count(self) -> int:
        return len(self.overdue) + len(self.due_soon) + len(self.later) + len(self.no_date)


def group(items: list[ActionItem], today: date, *, done_limit: int = DONE_SHOWN) -> Groups:
    """Open items by urgency (each list by due date), done ones newest first."""
    groups = Groups()
    soon_until = today + timedelta(days=DUE_SOON_DAYS)
    open_items = sorted(
        (i for i in items if i.status == ActionItem.Status.OPEN),
        key=lambda i: (i.due_date or date.max, i.created_at, i.pk),
    )
    for item in open_items:
        if item.due_date is None:
            groups.no_date.append(item)
        elif item.due_date < today:
            groups.overdue.append(item)
        elif item.due_date < soon_until:
            groups.due_soon.append(item)
        else:
            groups.later.append(item)
    done = [i for i in items if i.status == ActionItem.Status.DONE]
    done.sort(key=lambda i: (i.done_at or datetime.min, i.pk), reverse=True)
    groups.done = done[:done_limit]
    return groups


PAGE_OPEN_SHOWN = 30  # /actions/ lists the most urgent open items first; ?all=1 lists all


def page(
    viewer: Any, *, engagement_id: Any = None, now: datetime, show_all: bool = False
) -> dict[str, Any]:
    """/actions/: the viewer's items (optionally of one engagement), grouped — the
    PAGE_OPEN_SHOWN most urgent open ones unless `show_all` — and their engagements for the
    filter. Four queries."""
    engagements = list(
        engagements_of(viewer).select_related("coach__user", "client").order_by("started_at")
    )
    chosen = None
    if engagement_id:
        parsed = parse_id(engagement_id)
        chosen = next((e for e in engagements if e.public_id == parsed), None)
    items: list[ActionItem] = []
    open_total = 0
    if chosen or not engagement_id:
        # Decrypting and rendering cost per row: the most urgent open ones, the latest done.
        open_total = mine_queryset(
            viewer, engagement=chosen, status=ActionItem.Status.OPEN, now=now
        ).count()
        items = mine(
            viewer,
            engagement=chosen,
            status=ActionItem.Status.OPEN,
            now=now,
            limit=None if show_all else PAGE_OPEN_SHOWN,
        )
        items += mine(
            viewer, engagement=chosen, status=ActionItem.Status.DONE, now=now, limit=DONE_SHOWN
        )
    today = local_today(viewer, now)
    return {
        "groups": group(items, today),
        "today": today,
        "engagements": [
            {"engagement": e, "other": e.client if role_in(e, viewer) == "coach" else e.coach.user}
            for e in engagements
        ],
        "chosen": chosen,
        "unknown_filter": bool(engagement_id) and chosen is None,
        "open_total": open_total,
    }


def active_goals(engagement: Engagement) -> list[Goal]:
    """The goals an item may be linked to (the edit form's choices)."""
    return list(
        Goal.objects.filter(engagement=engagement, status=Goal.Status.ACTIVE)
        .defer("why", "measure")  # only titles are offered
        .order_by("created_at", "pk")
    )


def file_url(engagement: Engagement, viewer: Any) -> str:
    """The client file (coach) or the mirror view (client), per the fixed URL scheme."""
    if role_in(engagement, viewer) == "coach":
        return f"/coach/clients/{engagement.public_id}/"
    return f"/workspace/{engagement.public_id}/"


def file_section(
    engagement: Engagement,
    viewer: Any,
    *,
    now: datetime,
    open_limit: int | None = SECTION_OPEN_SHOWN,
    done_limit: int = SECTION_DONE_SHOWN,
) -> dict[str, Any]:
    """The client file's action items section (either side): the engagement's open items
    (the `open_limit` most urgent; None for all) and the latest done ones, grouped, with the
    create form's choices. Four queries."""
    open_total = ActionItem.objects.filter(
        engagement=engagement, status=ActionItem.Status.OPEN
    ).count()
    open_items = _of_engagement(engagement).filter(status=ActionItem.Status.OPEN)
    ordered = open_items.order_by(F("due_date").asc(nulls_last=True), "created_at", "pk")
    items = list(ordered[:open_limit] if open_limit is not None else ordered)
    items += list(
        _of_engagement(engagement)
        .filter(status=ActionItem.Status.DONE)
        .order_by(F("done_at").desc(nulls_last=True), "-pk")[:done_limit]
    )
    for item in items:  # known already: no join to read it again per row
        item.engagement = engagement
    role = role_in(engagement, viewer)
    goals = active_goals(engagement)
    client, coach = engagement.client, engagement.coach.user
    today = local_today(viewer, now)
    eid = engagement.public_id
    return {
        "engagement": engagement,
        "role": role,
        "groups": group(items, today, done_limit=done_limit),
        "open_total": open_total,
        "all_url": f"/workspace/{engagement.public_id}/actions/",
        "goals": goals,
        "assignees": [(client, f"{client.name} (client)"), (coach, f"{coach.name} (coach)")],
        "writable": engagement.state != Engagement.State.ENDED,
        "today": today,
        "viewer": viewer,
        "part_url": f"/workspace/{eid}/part/actions/" + ("" if open_limit else "?all=1"),
        "create_url": f"/workspace/{eid}/actions/new/",
        "next": file_url(engagement, viewer),
        # The create form: what was typed and the errors by field (views fill them in).
        "values": {"assignee": str(client.public_id)},
        "errors": {},
    }


def timeline_items(engagement: Engagement, viewer: Any, *, limit: int = 50) -> list[TimelineItem]:
    """Items added and items done, newest first (both sides see every action item)."""
    recent = list(
        ActionItem.objects.filter(engagement=engagement)
        .select_related("assignee")
        .order_by(F("done_at").desc(nulls_last=True), "-created_at")[:limit]
    )
    url = "/actions/"
    out: list[TimelineItem] = []
    for item in recent:
        who = item.assignee.name
        out.append(
            TimelineItem(
                at=item.created_at,
                area="action",
                title=f"Action item for {who}: {item.title}",
                url=url,
                detail=f"Due {item.due_date:%d %b %Y}" if item.due_date else "",
            )
        )
        if item.done_at is not None:
            out.append(
                TimelineItem(at=item.done_at, area="action", title=f"Done: {item.title}", url=url)
            )
    out.sort(key=lambda t: t.at, reverse=True)
    return out[:limit]


def dashboard_summary(viewer: Any, *, now: datetime) -> dict[str, Any] | None:
    """The dashboard card: counts of the viewer's open items overdue and due today, and the
    next few. None when they have no open item (the card is then absent). One query."""
    items = list(
        _base()
        .filter(
            assignee_id=viewer.pk,
            engagement__in=engagements_of(viewer),
            status=ActionItem.Status.OPEN,
        )
        .order_by(F("due_date").asc(nulls_last=True), "created_at", "pk")
    )
    if not items:
        return None
    today = local_today(viewer, now)
    return {
        "open": len(items),
        "overdue": sum(1 for i in items if i.due_date and i.due_date < today),
        "due_today": sum(1 for i in items if i.due_date == today),
        "next": items[:DASHBOARD_SHOWN],
        "today": today,
    }


def open_counts_by_engagement(engagements: list[Engagement]) -> dict[int, int]:
    """Open items per engagement (the client list's column), one query."""
    rows = (
        ActionItem.objects.filter(engagement__in=engagements, status=ActionItem.Status.OPEN)
        .order_by()
        .values_list("engagement_id")
        .annotate(n=Count("pk"))
    )
    return dict(rows)


__all__ = [
    "Groups",
    "active_goals",
    "dashboard_summary",
    "file_section",
    "file_url",
    "group",
    "item_for",
    "local_today",
    "mine",
    "mine_queryset",
    "of_engagement",
    "of_engagement_queryset",
    "open_counts_by_engagement",
    "page",
    "source_note_visible",
    "timeline_items",
]
