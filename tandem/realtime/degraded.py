"""Redis down: what the cache and the channel layer raise, and how a fail-soft caller says so.

The database is the truth (events, messages, conversations); Redis carries only what may be
lost — wake-ups, typing and presence signals, presence marks, soft rate limits. So when
Redis is unreachable, those features degrade (no wake-up, no typing hint, presence reads
"offline") and reads served from the database keep working. Callers catch exactly
`UNAVAILABLE`: anything else is a bug and still fails loudly.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("tandem.realtime.degraded")

# redis-py raises its own ConnectionError/TimeoutError (sync and asyncio clients alike); a
# refused or reset socket can also surface as a bare OSError (of which the builtin
# ConnectionError and TimeoutError are subclasses).
UNAVAILABLE: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError)


# One warning per kind of skipped call per this many seconds, per process: with Redis down,
# every open socket skips its presence mark on every heartbeat (a thousand sockets would log a
# thousand warnings every 15 s); the rest go to the debug level and are counted in the next
# warning.
WARN_EVERY_SECONDS = 60.0
_warned_at: dict[str, float] = {}
_quiet_since: dict[str, int] = {}


def unavailable(what: str, exc: BaseException, *, now: float | None = None) -> None:
    """Log that one cache or channel-layer call was skipped: a warning at most once per
    WARN_EVERY_SECONDS for each `what`, debug otherwise. The message is the exception's own
    (host and port, never the URL's password); no traceback: the cause is known and the
    caller carries on."""
    now = time.monotonic() if now is None else now
    last = _warned_at.get(what)
    if last is not None and now - last < WARN_EVERY_SECONDS:
        _quiet_since[what] = _quiet_since.get(what, 0) + 1
        log.debug("Redis unavailable, %s skipped: %s: %s", what, type(exc).__name__, exc)
        return
    _warned_at[what] = now
    quiet = _quiet_since.pop(what, 0)
    more = f" ({quiet} more since the last warning)" if quiet else ""
    log.warning("Redis unavailable, %s skipped: %s: %s%s", what, type(exc).__name__, exc, more)


def reset_warnings() -> None:
    """Forget which warnings were given (tests: each starts with none given)."""
    _warned_at.clear()
    _quiet_since.clear()


class QuietLayerOutage(logging.Filter):
    """For channels-redis' loggers (settings.LOGGING): drop its traceback for an unreachable
    Redis — the pub/sub layer's receive task logs one every second of an outage, which the
    project's layer (layers.py) already reported once. Other errors still pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, UNAVAILABLE)
