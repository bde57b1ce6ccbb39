"""The Redis channel layers, failing soft while Redis is unreachable (settings.CHANNEL_LAYERS).

channels itself calls `new_channel()` before a consumer's `connect` and then waits on
`receive(channel)` for the whole life of the socket, outside any code of ours. With the stock
channels-redis layers a Redis outage made the first raise (a new WebSocket handshake failed
with a 500) and the second end the connection. These subclasses keep the channel layer API
and only change what an unreachable Redis (degraded.UNAVAILABLE) means:

- `new_channel` always returns a channel name. The pub/sub layer makes the channel's
  in-process queue before it subscribes in Redis; when the SUBSCRIBE fails, the name is
  returned anyway: group messages still reach it (through the group's own subscription,
  which the WebSocket consumer renews every heartbeat), and a `send` to it from this
  process is put straight in its queue; one from another process does not reach it.
- `receive` waits; while Redis refuses, it retries with a capped backoff instead of raising.
- `send` and `group_send` drop the message. Acceptable because of what travels on the
  layer: wake-ups, with the database as the truth (every WebSocket re-reads it each
  heartbeat, SSE and long-poll after each wait, so a lost wake-up costs at most a heartbeat)
  and ephemeral signals (typing, presence), which reach the sockets open now or nobody.
- `group_add` and `group_discard` are skipped. The WebSocket consumer re-adds its group on
  every heartbeat, so membership comes back within a heartbeat of Redis (also after a
  restart that forgot the queue layer's groups). A discard skipped here leaves at most a
  subscription nobody reads (pub/sub) or a group entry that expires (queue layer).
- `reachable` is False from a failed call until one succeeds: for callers that would rather
  poll the database than wait for wake-ups that cannot come (wakeups.py).

An outage logs one warning (degraded.unavailable) and one line when Redis answers again; the
failures in between are logged at debug level, not once per socket per heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any, cast

from channels_redis.core import RedisChannelLayer
from channels_redis.pubsub import RedisPubSubChannelLayer

from .degraded import UNAVAILABLE, unavailable

log = logging.getLogger("tandem.realtime.degraded")

# receive's retries while Redis is unreachable: 0.1 s, doubling, at most every 5 s.
RETRY_FIRST_SECONDS = 0.1
RETRY_MAX_SECONDS = 5.0


class _FailSoft:
    """The fail-soft methods, over a channels-redis layer class (see the module docstring)."""

    reachable: bool = True
    # The calls whose success shows that Redis answered (others may not ask it at all).
    answering_calls: frozenset[str] = frozenset({"send", "group_send"})

    def _inner(self, name: str) -> Callable[..., Awaitable[Any]]:
        """The wrapped layer's own method: a real one (queue layer) or the per-event-loop
        proxy that the pub/sub layer hands out from __getattr__."""
        base = super()
        try:
            return cast(Callable[..., Awaitable[Any]], getattr(base, name))
        except AttributeError:
            return cast(Callable[..., Awaitable[Any]], base.__getattr__(name))  # type: ignore[attr-defined]

    def _failed(self, what: str, exc: BaseException) -> None:
        if self.reachable:
            self.reachable = False
            unavailable(f"channel layer {what}", exc)
        else:
            log.debug("Redis still unavailable, channel layer %s skipped: %s", what, exc)

    def _answered(self) -> None:
        if not self.reachable:
            self.reachable = True
            log.info("Redis reachable again by the channel layer")

    async def _soft(self, what: str, *args: Any) -> None:
        try:
            await self._inner(what)(*args)
        except UNAVAILABLE as exc:
            self._failed(what, exc)
        else:
            if what in self.answering_calls:
                self._answered()

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        await self._soft("send", channel, message)

    async def group_send(self, group: str, message: dict[str, Any]) -> None:
        await self._soft("group_send", group, message)

    async def group_add(self, group: str, channel: str) -> None:
        await self._soft("group_add", group, channel)

    async def group_discard(self, group: str, channel: str) -> None:
        await self._soft("group_discard", group, channel)

    async def receive(self, channel: str) -> dict[str, Any]:
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                message = await self._inner("receive")(channel)
            except UNAVAILABLE as exc:
                self._failed("receive", exc)
                await asyncio.sleep(delay)
                delay = min(2 * delay, RETRY_MAX_SECONDS)
            else:
                return cast(dict[str, Any], message)


class PubSubChannelLayer(_FailSoft, RedisPubSubChannelLayer):
    """channels-redis' pub/sub layer (the default), failing soft. Its group_add and
    group_discard ask Redis only for a process's first and last member of a group."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Channels of this process that Redis refused to subscribe: nothing there listens.
        self.unsubscribed: set[str] = set()

    async def send(self, channel: str, message: dict[str, Any]) -> None:
        if channel in self.unsubscribed:
            self._put_here(channel, message)
            return
        try:
            await self._inner("send")(channel, message)
        except UNAVAILABLE as exc:
            self._failed("send", exc)
            self._put_here(channel, message)  # if it is one of this process's channels
        else:
            self._answered()

    def _put_here(self, channel: str, message: dict[str, Any]) -> None:
        """Into the channel's in-process queue (as the layer's reader would put it), if
        the channel is this process's: the round trip through Redis is not needed."""
        queue = self.channels.get(channel)
        if queue is not None:
            queue.put_nowait(self.serialize(message))

    async def receive(self, channel: str) -> dict[str, Any]:
        try:
            return await super().receive(channel)
        except asyncio.CancelledError:  # the consumer ended: so does its channel
            self.unsubscribed.discard(channel)
            raise

    async def new_channel(self, prefix: str = "specific.") -> str:
        # A tag of our own in the name finds the channel if Redis refuses its SUBSCRIBE:
        # the layer has registered the channel's queue by then, under a name it did not return.
        tag = f"{prefix}{uuid.uuid4().hex[:12]}."
        try:
            channel = await self._inner("new_channel")(tag)
        except UNAVAILABLE as exc:
            self._failed("new_channel", exc)
            start = f"{self.prefix}{tag}"
            made = [name for name in self.channels if name.startswith(start)]
            if len(made) != 1:
                raise  # not the layer this was written for: fail as it does
            self.unsubscribed.add(made[0])
            return str(made[0])
        self._answered()
        return str(channel)


class QueueChannelLayer(_FailSoft, RedisChannelLayer):
    """channels-redis' queue layer (CHANNEL_LAYER_BACKEND), failing soft. Its new_channel
    makes a name without asking Redis; receive retries."""

    answering_calls = frozenset({"send", "group_send", "group_add", "group_discard"})
