"""Who is online: each open socket refreshes a short-lived cache mark; last seen is kept.

online  — a socket of the user refreshed its mark within two heartbeats;
away    — online, but the client said its page is hidden or idle;
offline — no live mark; `last_seen` says when one was last refreshed.

Cache-based on purpose (the local-memory cache in the embedded mode is per process, so there
presence is per server process; with Redis it is shared). A crashed server's marks simply
expire. With Redis unreachable, marks are not written and everyone reads "offline" with no
last seen (degraded.py): presence is a hint, not worth a failed request or a dead socket.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from .degraded import UNAVAILABLE, unavailable

LAST_SEEN_SECONDS = 60 * 60 * 24 * 30


def _ttl() -> int:
    return 2 * settings.TANDEM_EVENTS_HEARTBEAT_SECONDS + 5


def seen(user_id: int, *, away: bool | None = None) -> None:
    """A socket of the user is alive (call on connect and on every heartbeat)."""
    now = timezone.now()
    try:
        cache.set(f"presence:online:{user_id}", now.timestamp(), _ttl())
        cache.set(f"presence:last:{user_id}", now.timestamp(), LAST_SEEN_SECONDS)
        if away is not None:
            cache.set(f"presence:away:{user_id}", away, _ttl())
    except UNAVAILABLE as exc:
        unavailable("presence mark", exc)


def gone(user_id: int) -> None:
    """A socket closed. Other sockets of the user keep the mark alive on their heartbeat."""
    try:
        cache.set(f"presence:last:{user_id}", timezone.now().timestamp(), LAST_SEEN_SECONDS)
    except UNAVAILABLE as exc:
        unavailable("presence last seen", exc)


@dataclass(frozen=True, slots=True)
class Presence:
    state: str  # online | away | offline
    last_seen: datetime | None


def presence_of(user_ids: list[int]) -> dict[int, Presence]:
    keys = [f"presence:{kind}:{uid}" for uid in user_ids for kind in ("online", "away", "last")]
    try:
        found = cache.get_many(keys)
    except UNAVAILABLE as exc:
        unavailable("presence read", exc)
        found = {}  # nobody is known to be online
    result = {}
    for uid in user_ids:
        last = found.get(f"presence:last:{uid}")
        last_seen = datetime.fromtimestamp(last, tz=UTC) if last else None
        if f"presence:online:{uid}" in found:
            state = "away" if found.get(f"presence:away:{uid}") else "online"
        else:
            state = "offline"
        result[uid] = Presence(state, last_seen)
    return result
