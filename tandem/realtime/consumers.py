"""WebSocket /ws/events?after=<seq>: the user's stream, resumed, with heartbeats."""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Awaitable
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from . import presence
from .auth import socket_user
from .degraded import UNAVAILABLE, unavailable
from .reading import parse_after, read_page
from .services import ResyncRequired, group_name

MAX_FRAME_CHARS = 4096
CLOSE_UNAUTHORIZED = 4401
CLOSE_BAD_REQUEST = 4400
CLOSE_RESYNC = 4409

_seen = sync_to_async(presence.seen)
_gone = sync_to_async(presence.gone)

log = logging.getLogger(__name__)


async def _survive(what: str, step: Awaitable[object]) -> None:
    """Run one step of connect, a heartbeat or the cleanup; a failure is logged, not raised:
    Redis (the layer, presence) or the database away for a moment must not end the socket's
    heartbeat or skip the rest of its cleanup. Cancellation still passes (not an Exception)."""
    try:
        await step
    except UNAVAILABLE as exc:
        unavailable(what, exc)
    except Exception:
        log.exception("WebSocket %s failed; the socket carries on", what)


class EventsConsumer(AsyncJsonWebsocketConsumer):
    """Frames sent: {"type": "event", "event": {seq, kind, data, at}} in order, once each;
    {"type": "ready", "last_seq"} when caught up after connecting; {"type": "heartbeat"};
    {"type": "error", "error": {code, message}} (resync_required closes with 4409);
    {"type": "signal", "signal": {kind, data}} for ephemeral signals (typing, presence).
    Received: {"type": "ping"} → pong; {"type": "presence", "state": "online"|"away"}."""

    async def connect(self) -> None:
        self.user = await socket_user(self.scope)
        if self.user is None:
            await self.close(code=CLOSE_UNAUTHORIZED)  # before accept: the handshake gets 403
            return
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        try:
            self.cursor = parse_after((query.get("after") or [None])[0])
        except ValueError:
            await self.close(code=CLOSE_BAD_REQUEST)
            return
        self.group = group_name(self.user.pk)
        self.flushing = asyncio.Lock()
        self.beating: asyncio.Task | None = None
        # The layer (realtime/layers.py) skips this while Redis is down; each heartbeat
        # adds the group again, so wake-ups resume within a heartbeat of Redis.
        await _survive("group add", self.channel_layer.group_add(self.group, self.channel_name))
        await self.accept()
        await _survive("presence mark", _seen(self.user.pk))
        if await self.flush():
            await self.send_json({"type": "ready", "last_seq": self.cursor})
            self.beating = asyncio.create_task(self.beat())

    async def disconnect(self, code: int) -> None:
        # Each step runs even when an earlier one failed.
        beating = getattr(self, "beating", None)
        if beating is not None:
            beating.cancel()
            await asyncio.wait({beating})  # its end, without raising what ended it
            if not beating.cancelled() and beating.exception() is not None:
                # Only its heartbeat frame is not guarded: the client had gone.
                log.debug("WebSocket heartbeat had ended: %r", beating.exception())
        if hasattr(self, "group"):
            layer = self.channel_layer
            await _survive("group discard", layer.group_discard(self.group, self.channel_name))
            await _survive("presence last seen", _gone(self.user.pk))

    async def flush(self) -> bool:
        """Send every event after the cursor, in order, once; False if the socket closed."""
        async with self.flushing:
            while True:
                try:
                    page = await read_page(self.user.pk, self.cursor)
                except ResyncRequired as exc:
                    error = {"code": exc.code, "message": exc.message}
                    await self.send_json({"type": "error", "error": error})
                    await self.close(code=CLOSE_RESYNC)
                    return False
                for event in page.events:
                    await self.send_json({"type": "event", "event": event})
                self.cursor = page.last_seq
                if not page.more:
                    return True

    async def beat(self) -> None:
        interval = settings.TANDEM_EVENTS_HEARTBEAT_SECONDS
        # The first beat at a random point of the interval: sockets that connected together
        # (a server restart, a burst) must not all re-read the database in the same second.
        await asyncio.sleep(random.uniform(0, interval))
        while True:
            await self.send_json({"type": "heartbeat"})
            # Each step fails alone (logged) and the next beat tries again. Adding the group
            # again is cheap and repairs membership lost to a Redis outage or restart.
            await _survive("group add", self.channel_layer.group_add(self.group, self.channel_name))
            await _survive("presence mark", _seen(self.user.pk))
            # Also a safety net: a wake-up the channel layer dropped costs at most this long,
            # and with Redis down this is how events arrive.
            try:
                if not await self.flush():
                    return
            except Exception:
                log.exception("WebSocket heartbeat could not read the stream; retrying")
            await asyncio.sleep(interval)

    async def events_wake(self, message: dict) -> None:
        event = message.get("event")
        if event is not None:
            async with self.flushing:
                if event["seq"] <= self.cursor:
                    return  # sent already (read from the database with an earlier one)
                if event["seq"] == self.cursor + 1:
                    # The very next one: no need to ask the database.
                    await self.send_json({"type": "event", "event": event})
                    self.cursor = event["seq"]
                    return
        await self.flush()  # a gap: an earlier wake-up was lost or is still on its way

    async def events_signal(self, message: dict) -> None:
        """An ephemeral signal (typing, presence) for this user: passed on, never stored."""
        await self.send_json({"type": "signal", "signal": message["signal"]})

    async def receive(
        self, text_data: str | None = None, bytes_data: bytes | None = None, **kwargs: object
    ) -> None:
        if text_data is None or len(text_data) > MAX_FRAME_CHARS:
            await self._error("Send JSON text frames of at most 4096 characters.")
            return
        try:
            content = await self.decode_json(text_data)
        except (ValueError, RecursionError):
            await self._error("The frame is not valid JSON.")
            return
        kind = content.get("type") if isinstance(content, dict) else None
        if kind == "ping":
            await self.send_json({"type": "pong"})
        elif kind == "presence" and content.get("state") in ("online", "away"):
            away = content["state"] == "away"
            await _seen(self.user.pk, away=away)
        else:
            await self._error('Send {"type": "ping"} or {"type": "presence", "state": …}.')

    async def _error(self, message: str) -> None:
        await self.send_json({"type": "error", "error": {"code": "invalid", "message": message}})
