"""A request's subscription to its user's wake-ups, for long-poll and Server-Sent Events.

With the channel layer reachable, `wait` returns the next wake-up (or None at the timeout).
With Redis down, subscribing fails soft: `wait` then pauses DEGRADED_POLL_SECONDS, and the
caller re-reads the database after it as after any wait — a short poll of the truth instead
of a 500. Each failure logs one warning (degraded.py). The project's layer (layers.py) does
not raise when Redis is down but says so (`reachable`); a plain channels-redis layer raises.
"""

from __future__ import annotations

import asyncio
from types import TracebackType
from typing import Any

from channels.layers import get_channel_layer

from .degraded import UNAVAILABLE, unavailable
from .services import group_name

DEGRADED_POLL_SECONDS = 2.0


class Wakeups:
    def __init__(self, user_id: int) -> None:
        self.group = group_name(user_id)
        self.layer: Any = get_channel_layer()
        self.channel: str | None = None

    @property
    def degraded(self) -> bool:
        return self.channel is None

    async def __aenter__(self) -> Wakeups:
        if self.layer is None:
            return self
        try:
            self.channel = await self.layer.new_channel()
            await self.layer.group_add(self.group, self.channel)
        except UNAVAILABLE as exc:
            unavailable("wake-up subscription", exc)
            await self._leave()
        if not getattr(self.layer, "reachable", True):  # no wake-up can come: poll
            await self._leave()
        return self

    async def wait(self, timeout: float) -> dict[str, Any] | None:
        """The next wake-up within `timeout` seconds, or None: then read the database."""
        if self.channel is None:
            await asyncio.sleep(min(timeout, DEGRADED_POLL_SECONDS))
            return None
        try:
            return await asyncio.wait_for(self.layer.receive(self.channel), timeout)
        except TimeoutError:
            return None
        except UNAVAILABLE as exc:  # Redis went away while subscribed: poll from now on
            unavailable("wake-up receive", exc)
            await self._leave()
            return None

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._leave()

    async def _leave(self) -> None:
        channel, self.channel = self.channel, None
        if channel is None:
            return
        try:
            await self.layer.group_discard(self.group, channel)
        except UNAVAILABLE as exc:
            unavailable("wake-up unsubscribe", exc)
