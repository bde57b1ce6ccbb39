"""Redis down: what the cache and the channel layer raise, and how a fail-soft caller says so.

The database is the truth (events, messages, conversations); Redis carries only what may be
lost — wake-ups, typing and presence signals, presence marks, soft rate limits. So when
Redis is unreachable, those features degrade (no wake-up, no typing hint, presence reads
"offline") and reads served from the database keep working. Callers catch exactly
`UNAVAILABLE`: anything else is a bug and still fails loudly.
"""

from __future__ import annotations

import logging

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

log = logging.getLogger("tandem.realtime.degraded")

# redis-py raises its own ConnectionError/TimeoutError (sync and asyncio clients alike); a
# refused or reset socket can also surface as a bare OSError (of which the builtin
# ConnectionError and TimeoutError are subclasses).
UNAVAILABLE: tuple[type[BaseException], ...] = (RedisConnectionError, RedisTimeoutError, OSError)


def unavailable(what: str, exc: BaseException) -> None:
    """Log one warning for one failed cache or channel-layer call. The message is the
    exception's own (host and port, never the URL's password); no traceback: the cause is
    known and the caller carries on."""
    log.warning("Redis unavailable, %s skipped: %s: %s", what, type(exc).__name__, exc)


class QuietLayerOutage(logging.Filter):
    """For channels-redis' loggers (settings.LOGGING): drop its traceback for an unreachable
    Redis — the pub/sub layer's receive task logs one every second of an outage, which the
    project's layer (layers.py) already reported once. Other errors still pass."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, UNAVAILABLE)
