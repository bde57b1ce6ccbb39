"""Workspace reads: the journal.

Three audiences, one function each, so the privacy rule is in one place per tier:
- the author reads all of their own entries (`entry_list`, `insights_for_author`);
- the coach of an engagement reads only entries shared with THAT engagement
  (`shared_entries`, `insights_for_engagement`, `file_section`);
- nobody else reads anything (an entry they cannot read is None, i.e. 404).

Insights compute mood and streaks from the clear columns (mood, written_at) and decrypt only
the tags of the period's entries (see journal_insights.py for the maths).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

from django.core.paginator import Page, Paginator
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from tandem.core.cursors import decode_position, encode_cursor

from ..models import Engagement, JournalEntry, JournalPrompt, JournalShare
from ..services import search as search_service
from ..services.errors import InvalidInput
from ..services.journal import decode_tags
from ..services.prompts import LIBRARY, builtin
from . import journal_insights
from .access import engagements_of, parse_id, role_in
from .search import snippet
from .timeline import TimelineItem

PER_PAGE = 20
API_PAGE = 50
SECTION_ENTRIES = 10
EXCERPT = 240

Reader = Literal["author", "coach"]


@dataclass(frozen=True, slots=True)
class EntryRow:
    entry: JournalEntry
    tags: list[str]
    prompt: str
    excerpt: str
    shared_with: tuple[Engagement, ...] = ()


@dataclass(frozen=True, slots=True)
class Filters:
    q: str = ""
    mood: int | None = None
    tag: str = ""

    @property
    def active(self) -> bool:
        return bool(self.q or self.mood or self.tag)


def clean_filters(q: Any = "", mood: Any = None, tag: Any = "") -> Filters:
    """The list's filters; anything malformed is InvalidInput (the page shows it, the API
    answers 400)."""
    q = q or ""
    tag = tag or ""
    if not isinstance(q, str) or "\x00" in q or len(q) > search_service.MAX_QUERY:
        raise InvalidInput("A search is at most 200 characters.", fields={"q": ["invalid"]})
    if not isinstance(tag, str) or "\x00" in tag or len(tag) > 30:
        raise InvalidInput("A tag is at most 30 characters.", fields={"tag": ["invalid"]})
    parsed_mood: int | None = None
    if mood not in (None, ""):
        text = str(mood).strip()
        if not text.isdigit() or not 1 <= int(text) <= 5:
            raise InvalidInput("Mood is a number from 1 to 5.", fields={"mood": ["From 1 to 5."]})
        parsed_mood = int(text)
    return Filters(q=q.strip(), mood=parsed_mood, tag=" ".join(tag.split()).lower())


# --- one entry -----------------------------------------------------------------------------


def prompt_text(entry: JournalEntry) -> str:
    """The prompt the entry answers (needs select_related("prompt") to stay one query)."""
    if entry.builtin_prompt:
        found = builtin(entry.builtin_prompt)
        return found.text if found else ""
    return entry.prompt.text if entry.prompt_id and entry.prompt else ""


def own_entry(user: Any, entry_id: Any) -> JournalEntry | None:
    parsed = parse_id(entry_id)
    if parsed is None or not getattr(user, "is_authenticated", False):
        return None
    return (
        JournalEntry.objects.filter(public_id=parsed, author_id=user.pk)
        .select_related("prompt")
        .first()
    )


def readable_entry(user: Any, entry_id: Any) -> tuple[JournalEntry, Reader] | None:
    """The entry if the user wrote it, or coaches an engagement it is shared with."""
    parsed = parse_id(entry_id)
    if parsed is None or not getattr(user, "is_authenticated", False):
        return None
    shared_with_me = JournalShare.objects.filter(
        entry=OuterRef("pk"), engagement__coach__user_id=user.pk
    )
    entry = (
        JournalEntry.objects.filter(public_id=parsed)
        .filter(Q(author_id=user.pk) | Exists(shared_with_me))
        .select_related("prompt")
        .first()
    )
    if entry is None:
        return None
    return entry, "author" if entry.author_id == user.pk else "coach"


@dataclass(frozen=True, slots=True)
class ShareTarget:
    engagement: Engagement
    shared_at: datetime | None

    @property
    def can_share(self) -> bool:
        return self.shared_at is None and self.engagement.state != Engagement.State.ENDED


def share_targets(user: Any, entry: JournalEntry) -> list[ShareTarget]:
    """The author's engagements as a client (the coaches they may share with) and whether this
    entry is shared with each; ended ones only while still shared (to withdraw)."""
    shares = {s.engagement_id: s.shared_at for s in JournalShare.objects.filter(entry=entry)}
    engagements = (
        Engagement.objects.filter(client_id=user.pk)
        .select_related("coach__user")
        .order_by("started_at")
    )
    return [
        ShareTarget(e, shares.get(e.pk))
        for e in engagements
        if e.state != Engagement.State.ENDED or e.pk in shares
    ]


def entry_detail(user: Any, entry_id: Any) -> dict[str, Any] | None:
    found = readable_entry(user, entry_id)
    if found is None:
        return None
    entry, reader = found
    detail: dict[str, Any] = {
        "entry": entry,
        "reader": reader,
        "tags": decode_tags(entry.tags),
        "prompt": prompt_text(entry),
    }
    if reader == "author":
        detail["targets"] = share_targets(user, entry)
    else:
        detail["shared_in"] = list(
            Engagement.objects.filter(journal_shares__entry=entry, coach__user_id=user.pk)
            .select_related("client")
            .order_by("started_at")
        )
    return detail


# --- the author's list ---------------------------------------------------------------------


def _matching_ids(user: Any, filters: Filters) -> set[int] | None:
    """Ids matching the search and tag filters through the blind index (None: no such
    filter). A tag matches exactly: its words narrow the candidates, whose tags alone are then
    decrypted and compared."""
    ids: set[int] | None = None
    if filters.q:
        ids = search_service.find(owner=user, query=filters.q, kinds=("journal",))["journal"]
    if filters.tag:
        candidates = search_service.find(owner=user, query=filters.tag, kinds=("journal",))[
            "journal"
        ]
        if ids is not None:
            candidates &= ids
        rows = JournalEntry.objects.filter(pk__in=candidates, author_id=user.pk).values_list(
            "pk", "tags"
        )
        ids = {pk for pk, tags in rows if filters.tag in decode_tags(tags)}
    return ids


def _own_entries(user: Any, filters: Filters) -> QuerySet[JournalEntry]:
    qs = JournalEntry.objects.filter(author_id=user.pk)
    if filters.mood:
        qs = qs.filter(mood=filters.mood)
    ids = _matching_ids(user, filters)
    if ids is not None:
        qs = qs.filter(pk__in=ids)
    shares = Prefetch(
        "shares",
        queryset=JournalShare.objects.select_related("engagement__coach__user"),
    )
    return qs.select_related("prompt").prefetch_related(shares).order_by("-written_at", "-pk")


def _row(entry: JournalEntry, query: str = "", *, with_shares: bool = False) -> EntryRow:
    body = entry.body
    if query:
        excerpt = snippet(body, query, side=EXCERPT // 2)
    else:
        flat = " ".join(body.split())
        excerpt = flat if len(flat) <= EXCERPT else flat[:EXCERPT].rsplit(" ", 1)[0] + " …"
    # Only the author's list prefetches the shares (the coach never sees the others).
    shared = tuple(s.engagement for s in entry.shares.all()) if with_shares else ()
    return EntryRow(entry, decode_tags(entry.tags), prompt_text(entry), excerpt, shared)


def entry_list(
    user: Any, filters: Filters, *, page: Any = 1
) -> tuple[Page[JournalEntry], list[EntryRow]]:
    """One page of the author's entries, newest first (constant queries per page)."""
    paginator = Paginator(_own_entries(user, filters), PER_PAGE)
    current = paginator.get_page(page)
    return current, [_row(e, filters.q, with_shares=True) for e in current.object_list]


def entry_cursor_page(
    user: Any, filters: Filters, *, cursor: str | None = None, limit: int = API_PAGE
) -> tuple[list[EntryRow], str | None]:
    """The API's keyset pages: newest first, `next_cursor` for the rest."""
    qs = _own_entries(user, filters)
    if cursor:
        moment, key = decode_position(cursor, moment="at", key="id", key_type=int)
        qs = qs.filter(Q(written_at__lt=moment) | Q(written_at=moment, pk__lt=key))
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = (
        encode_cursor({"at": rows[-1].written_at.isoformat(), "id": rows[-1].pk}) if more else None
    )
    return [_row(e, filters.q, with_shares=True) for e in rows], next_cursor


# --- prompts -------------------------------------------------------------------------------


def assigned_prompts(user: Any) -> list[JournalPrompt]:
    """Prompts the user's coaches assigned to them: unanswered first, newest first."""
    return list(
        JournalPrompt.objects.filter(engagement__client_id=user.pk)
        .exclude(engagement__state=Engagement.State.ENDED)
        .select_related("engagement__coach__user")
        .order_by(F("answered_at").asc(nulls_first=True), "-created_at")
    )


def engagement_prompts(engagement: Engagement) -> list[JournalPrompt]:
    """Prompts of one engagement, newest first; `answer_shared` says whether an entry
    answering it is shared with this engagement (all the coach may learn of an answer)."""
    answered = JournalShare.objects.filter(engagement=engagement, entry__prompt=OuterRef("pk"))
    return list(
        JournalPrompt.objects.filter(engagement=engagement)
        .annotate(answer_shared=Exists(answered))
        .order_by("-created_at")
    )


def prompt_choices(user: Any) -> dict[str, Any]:
    return {"assigned": assigned_prompts(user), "library": LIBRARY}


# --- insights ------------------------------------------------------------------------------


def _insights(
    entries: QuerySet[JournalEntry], *, zone_name: str, now: datetime, days: int
) -> journal_insights.Insights:
    zone = journal_insights.zone_of(zone_name)
    # A day's margin either side of the local period; compute() keeps the exact local days.
    since = now - timedelta(days=days + 1)
    period = entries.filter(written_at__gte=since, written_at__lte=now + timedelta(days=1))
    rows = [
        (written_at, mood, decode_tags(tags))
        for written_at, mood, tags in period.values_list("written_at", "mood", "tags")
    ]
    written = entries.values_list("written_at", flat=True)
    return journal_insights.compute(
        period_rows=rows, all_written=written, zone=zone, now=now, days=days
    )


def insights_for_author(user: Any, *, now: datetime, days: int) -> journal_insights.Insights:
    """Over all of the user's own entries, in their zone."""
    return _insights(
        JournalEntry.objects.filter(author_id=user.pk),
        zone_name=user.timezone,
        now=now,
        days=days,
    )


def shared_entries(engagement: Engagement) -> QuerySet[JournalEntry]:
    """The entries the client shared with this engagement (what its coach may read)."""
    return JournalEntry.objects.filter(
        author_id=engagement.client_id, shares__engagement=engagement
    )


def insights_for_engagement(
    engagement: Engagement, *, now: datetime, days: int
) -> journal_insights.Insights:
    """Only over the entries shared with this engagement, in the client's zone."""
    return _insights(
        shared_entries(engagement), zone_name=engagement.client.timezone, now=now, days=days
    )


def coached_engagement(user: Any, engagement_id: Any) -> Engagement | None:
    """An engagement the user coaches (the coach's insights view)."""
    parsed = parse_id(engagement_id)
    if parsed is None:
        return None
    return (
        engagements_of(user)
        .filter(public_id=parsed, coach__user_id=user.pk)
        .select_related("client", "coach__user")
        .first()
    )


# --- the client file's journal section ----------------------------------------------------


def file_section(engagement: Engagement, viewer: Any, *, now: datetime) -> dict[str, Any]:
    """Both sides see the entries shared with this engagement and the prompts assigned in it;
    the coach also sees insights over those shared entries; the client the mood-in-reports
    switch. Nothing private: unshared entries are not read at all."""
    role = role_in(engagement, viewer)
    shared = (
        shared_entries(engagement)
        .select_related("prompt")
        .annotate(
            shared_at=JournalShare.objects.filter(
                entry=OuterRef("pk"), engagement=engagement
            ).values("shared_at")[:1]
        )
        .order_by("-written_at", "-pk")
    )
    prompts = engagement_prompts(engagement)
    section: dict[str, Any] = {
        "engagement": engagement,
        "role": role,
        "entries": [_row(e) for e in shared[:SECTION_ENTRIES]],
        "shared_count": shared.count(),
        "prompts": prompts,
        "mood_in_reports": engagement.mood_in_reports,
        "part_url": f"/workspace/{engagement.public_id}/part/journal/",
        "ended": engagement.state == Engagement.State.ENDED,
    }
    if role == "coach":
        section["insights"] = insights_for_engagement(
            engagement, now=now, days=journal_insights.DEFAULT_PERIOD
        )
    return section


def timeline_items(engagement: Engagement, viewer: Any, *, limit: int = 50) -> list[TimelineItem]:
    """Shares and assigned prompts of this engagement (both sides may see them)."""
    items: list[TimelineItem] = []
    shares = (
        JournalShare.objects.filter(engagement=engagement, entry__author_id=engagement.client_id)
        .select_related("entry")
        .order_by("-shared_at")[:limit]
    )
    for share in shares:
        first_line = " ".join(share.entry.body.split())[:80]
        items.append(
            TimelineItem(
                at=share.shared_at,
                area="journal",
                title="Journal entry shared",
                url=f"/journal/{share.entry.public_id}/",
                detail=first_line,
            )
        )
    for prompt in JournalPrompt.objects.filter(engagement=engagement).order_by("-created_at")[
        :limit
    ]:
        items.append(
            TimelineItem(
                at=prompt.created_at,
                area="journal",
                title="Journal prompt assigned",
                detail=prompt.text[:80],
            )
        )
    items.sort(key=lambda item: item.at, reverse=True)
    return items[:limit]
