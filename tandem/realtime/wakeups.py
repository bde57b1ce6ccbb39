"""A request's subscription to its user's wake-ups, for long-poll and Server-Sent Events.

With the channel layer reachable, `wait` returns the next wake-up (or None at the timeout).
With Redis down, subscribing fails soft: `wait` then pauses DEGRADED_POLL_SECONDS, and the
caller re-reads the database after it as after any wait — a short poll of the truth instead
of a 500. Each failure logs one warning (degraded.py). The project's layer (layers.py) does
not raise when Redis is down but says so (`reachable`); a plain channels-redis layer raises.

While subscribed, a task takes every wake-up off the layer as it comes and keeps only the
newest: the caller may be busy for long (an SSE stream writing to a client that reads slowly,
or not at all, waits until the client makes room), and the layer's queue for the channel
would otherwise grow with every wake-up meanwhile (channels-redis' pub/sub queue has no
bound). When several came, `wait` returns one without its event: read the database.
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
        self.draining: asyncio.Task[None] | None = None
        self.pending: dict[str, Any] | None = None
        self.arrived = asyncio.Event()
        self.lost = False  # the layer failed while draining: poll from now on

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
        if self.channel is not None:
            self.draining = asyncio.create_task(self._drain(self.channel))
        return self

    async def _drain(self, channel: str) -> None:
        try:
            while True:
                message = await self.layer.receive(channel)
                if self.arrived.is_set():  # more than one since the caller last looked
                    message = {"type": message.get("type")}
                self.pending = message
                self.arrived.set()
        except UNAVAILABLE as exc:  # Redis went away while subscribed
            unavailable("wake-up receive", exc)
            self.lost = True
            self.arrived.set()

    async def wait(self, timeout: float) -> dict[str, Any] | None:
        """The next wake-up within `timeout` seconds, or None: then read the database."""
        if self.channel is None:
            await asyncio.sleep(min(timeout, DEGRADED_POLL_SECONDS))
            return None
        try:
            await asyncio.wait_for(self.arrived.wait(), timeout)
        except TimeoutError:
            return None
        if self.lost:  # Redis went away while subscribed: poll from now on
            await self._leave()
            return None
        message, self.pending = self.pending, None
        self.arrived.clear()
        return message

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._leave()

    async def _leave(self) -> None:
        channel, self.channel = self.channel, None
        draining, self.draining = self.draining, None
        if draining is not None and not draining.done():
            draining.cancel()  # the layer's receive, cancelled, drops the channel's queue
            await asyncio.wait({draining})
        if channel is None:
            return
        try:
            await self.layer.group_discard(self.group, channel)
        except UNAVAILABLE as exc:
            unavailable("wake-up unsubscribe", exc)
