"""Wake-ups across processes in the embedded mode (no Redis).

The in-memory channel layer only reaches connections of its own process, so an event that
the task worker or the notification worker commits (a reminder, a dispatch timeout) would
reach open pages only at their next heartbeat. `manage.py serve` therefore gives its workers
the web process's address (TANDEM_WAKE_URL); a worker POSTs its wake-ups there, signed with
SECRET_KEY, and the web process passes them to its layer. The events themselves are already
committed: a lost or refused POST costs latency (until the heartbeat), never an event.

The signature covers a timestamp and the body (`t=<unix seconds>,v1=<hex HMAC-SHA256 of
"<t>.<body>">`); a POST older (or newer) than WINDOW_SECONDS, or one already taken, is
refused, so a captured request cannot be replayed.

With REDIS_URL set none of this is used, and /internal/wake is not routed: the Redis layer
reaches every process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
import urllib.request
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder

log = logging.getLogger(__name__)
HEADER = "X-Tandem-Wake-Signature"
TIMEOUT_SECONDS = 1.0
MAX_BODY = 1_000_000
# How far a wake-up's timestamp may be from the web process's clock (same machine).
WINDOW_SECONDS = 30

# Direct connection to the local web process, whatever proxy the environment names.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _now() -> float:
    return time.time()


def signature(body: bytes, timestamp: int) -> str:
    key = hashlib.sha256(b"tandem wake bridge:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def signed_header(body: bytes, *, now: float | None = None) -> str:
    timestamp = int(_now() if now is None else now)
    return f"t={timestamp},v1={signature(body, timestamp)}"


def _parse(header: str) -> tuple[int, str] | None:
    parts = dict(item.partition("=")[::2] for item in (header or "").split(","))
    try:
        return int(parts["t"]), parts["v1"]
    except (KeyError, ValueError):
        return None


def forward(events: dict[int, dict[str, Any]]) -> bool:
    """POST wake-ups to the web process; True when it took them."""
    url = settings.TANDEM_WAKE_URL
    if not url or not events:
        return False
    body = json.dumps({str(k): v for k, v in events.items()}, cls=DjangoJSONEncoder).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", HEADER: signed_header(body)},
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status == 204
    except OSError as exc:  # the web process is restarting, or gone: the heartbeat covers it
        log.debug("wake bridge: %s", exc)
        return False


def verified(body: bytes, header: str, *, now: float) -> dict[int, dict[str, Any]] | None:
    """The wake-ups in a POST body signed within the window, or None (bad signature, stale or
    future timestamp, wrong shape)."""
    parsed = _parse(header)
    if parsed is None or len(body) > MAX_BODY:
        return None
    timestamp, given = parsed
    if abs(now - timestamp) > WINDOW_SECONDS:
        return None
    if not hmac.compare_digest(signature(body, timestamp), given):
        return None
    try:
        data = json.loads(body)
        return {int(k): v for k, v in data.items() if isinstance(v, dict)}
    except (ValueError, AttributeError, TypeError):
        return None


async def accepted(body: bytes, header: str) -> dict[int, dict[str, Any]] | None:
    """`verified`, taken once: the same signed POST a second time (a replay) is refused."""
    events = verified(body, header, now=_now())
    if events is None:
        return None
    # Remembered for longer than a signature stays valid; the cache is the web process's own.
    if not await cache.aadd(f"realtime:wake:{header}", True, timeout=2 * WINDOW_SECONDS + 1):
        return None
    return events
