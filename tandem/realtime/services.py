"""Publishing to and reading from users' event streams.

Persist first, then notify: `send_event_on_commit` stores the event in the caller's
transaction (so it exists exactly when the change it reports committed) and, after the
commit, wakes the user's open connections through the channel layer. The wake-up carries
the committed event as a shortcut: a connection sends it straight away only when it is the
very next one of its sequence; otherwise (it missed a wake-up, or they crossed) it reads what
it has not sent from the database. A lost wake-up (channel layers are at-most-once) costs
latency until the next one or the next heartbeat, never an event.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from tandem.core.errors import ServiceError

from . import sql
from .bridge import forward
from .degraded import UNAVAILABLE, unavailable
from .models import Event, Stream

log = logging.getLogger(__name__)

PAGE_SIZE = 500
MAX_KIND = 64
MAX_DATA_BYTES = 16_384
WAKE = "events.wake"


class ResyncRequired(ServiceError):
    """That resume point is older than the stream keeps (or unknown): load the page afresh
    and resume from the position it gives."""

    status = 410
    code = "resync_required"


def group_name(user_id: int) -> str:
    return f"events.user.{user_id}"


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe copy (datetimes, UUIDs, decimals as text), bounded in size."""
    text = json.dumps(data, cls=DjangoJSONEncoder)
    if len(text.encode()) > MAX_DATA_BYTES:
        raise ValueError(f"event data over {MAX_DATA_BYTES} bytes")
    return json.loads(text)


def send_event_on_commit(user_ids: Iterable[int], kind: str, data: dict[str, Any]) -> None:
    """Append one event to each user's stream now; wake their connections after the commit."""
    payload = _plain(data)
    send_events_on_commit([(user_id, kind, payload) for user_id in set(user_ids)])


def send_events_on_commit(items: Iterable[tuple[int, str, dict[str, Any]]]) -> None:
    """Append each (user, kind, data) to that user's stream, in the order given per user —
    any number of users and events in two statements; wake them after the commit."""
    entries = [(user_id, kind, _plain(data)) for user_id, kind, data in items]
    for _, kind, _ in entries:
        if not kind or len(kind) > MAX_KIND:
            raise ValueError("event kind must be 1 to 64 characters")
    if not entries:
        return
    counts: dict[int, int] = {}
    for user_id, _, _ in entries:
        counts[user_id] = counts.get(user_id, 0) + 1
    now = timezone.now()
    # savepoint=False: inside the caller's transaction this adds nothing; alone, it makes
    # the numbers and the events one commit.
    with transaction.atomic(savepoint=False):
        tops = sql.take_seqs(counts)
        given = {user_id: tops[user_id] - counts[user_id] for user_id in counts}
        events = []
        for user_id, kind, payload in entries:
            given[user_id] += 1
            events.append(
                Event(user_id=user_id, seq=given[user_id], kind=kind, data=payload, created_at=now)
            )
        Event.objects.bulk_create(events)
    # A user's wake-up carries their newest event: with several, the connection finds the
    # gap and reads the rest from the database.
    committed = {event.user_id: present(event) for event in events}
    transaction.on_commit(lambda: wake(committed), robust=True)


def wake(events: dict[int, dict[str, Any]]) -> None:
    """Tell each user's open connections about their new event (a hint; may be lost)."""
    layer = get_channel_layer()
    if layer is None:
        return
    if isinstance(layer, InMemoryChannelLayer):
        # The in-memory layer delivers only inside this process: wake users with a
        # connection here, and hand the rest to the web process when this is one of
        # `serve`'s workers (bridge.py). A process that serves no connection skips
        # async_to_sync, which would start a thread and an event loop per commit.
        here = {u: e for u, e in events.items() if group_name(u) in layer.groups}
        elsewhere = {u: e for u, e in events.items() if u not in here}
        if elsewhere:
            forward(elsewhere)
        events = here
        if not events:
            return
    try:
        async_to_sync(awake)(events)
    except UNAVAILABLE as exc:  # Redis down: the connections' database re-reads deliver
        unavailable("wake-up", exc)


async def awake(events: dict[int, dict[str, Any]]) -> None:
    layer = get_channel_layer()
    for user_id, event in events.items():
        await layer.group_send(group_name(user_id), {"type": WAKE, "event": event})


@dataclass(frozen=True, slots=True)
class Page:
    events: list[dict[str, Any]]
    last_seq: int  # where the stream stands: resume from here
    more: bool  # more events wait after this page


def present(event: Event) -> dict[str, Any]:
    return {
        "seq": event.seq,
        "kind": event.kind,
        "data": event.data,
        "at": event.created_at.isoformat(),
    }


def position(user_id: int) -> int:
    """The user's current last sequence number (0 before the first event)."""
    found = Stream.objects.filter(user_id=user_id).values_list("last_seq", flat=True).first()
    return found or 0


def events_after(user_id: int, after: int | None, *, limit: int = PAGE_SIZE) -> Page:
    """The user's events with seq > `after`, oldest first; without `after`, none and the
    current position. Raises ResyncRequired for a point retention removed or never given."""
    last, floor = (
        Stream.objects.filter(user_id=user_id).values_list("last_seq", "floor_seq").first()
    ) or (0, 0)
    if after is None:
        return Page([], last, False)
    if after < floor or after > last:
        raise ResyncRequired()
    rows = list(Event.objects.filter(user_id=user_id, seq__gt=after).order_by("seq")[: limit + 1])
    more = len(rows) > limit
    events = [present(e) for e in rows[:limit]]
    return Page(events, events[-1]["seq"] if events else max(after, 0), more)


def prune_events(*, now: datetime | None = None) -> int:
    """Forget events older than TANDEM_EVENT_RETENTION_DAYS; resume points before them now
    answer resync_required. Returns how many were deleted."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TANDEM_EVENT_RETENTION_DAYS)
    with transaction.atomic():
        old = Event.objects.filter(created_at__lt=cutoff)
        floors = {
            user_id: top
            for user_id, top in old.order_by().values_list("user_id").annotate(top=Max("seq"))
        }
        for user_id, top in floors.items():
            Stream.objects.filter(user_id=user_id, floor_seq__lt=top).update(floor_seq=top)
        deleted, _ = old.delete()
    return deleted
