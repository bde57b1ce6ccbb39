"""WebSocket /ws/events?after=<seq>: the user's stream, resumed, with heartbeats."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable
from typing import Any
from urllib.parse import parse_qs

from asgiref.sync import sync_to_async
from channels.exceptions import StopConsumer
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings

from . import presence
from .auth import socket_user
from .degraded import UNAVAILABLE, unavailable
from .reading import STREAM_PAGE_SIZE, parse_after, read_page
from .services import ResyncRequired, group_name

MAX_FRAME_CHARS = 4096
CLOSE_UNAUTHORIZED = 4401
CLOSE_BAD_REQUEST = 4400
CLOSE_RESYNC = 4409
CLOSE_TOO_SLOW = 4408


class TooSlow(Exception):
    """The client left a frame unread for TANDEM_EVENTS_SEND_TIMEOUT_SECONDS."""


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

    # The send path (see `send_json`): the task running channels' dispatch loop, the task sending
    # what wake-ups announce, the newest event a wake-up carried (or a re-read wanted), how
    # many frames wait for the client to make room, and whether it fell too far behind.
    dispatcher: asyncio.Task | None = None
    sender: asyncio.Task | None = None
    hint: dict | None = None
    reread = False
    sends_waiting = 0
    too_slow = False

    async def connect(self) -> None:
        user = await socket_user(self.scope)
        if user is None:
            await self.close(code=CLOSE_UNAUTHORIZED)  # before accept: the handshake gets 403
            return
        # Set only for a signed-in user: everything that reads it runs after this point.
        self.user = user
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
                    page = await read_page(self.user.pk, self.cursor, STREAM_PAGE_SIZE)
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
        """A wake-up: the sender task sends what is new. Never waits on the socket here: this
        loop must keep taking the channel layer's messages for this socket, or a client that
        stops reading makes them pile up in the layer's queue without bound."""
        event = message.get("event")
        if event is None:
            self.reread = True
        elif self.hint is None or event["seq"] > self.hint["seq"]:
            self.hint = event  # only the newest one: the rest are in the database
        if self.sender is None or self.sender.done():
            self.sender = asyncio.create_task(self._send_new())

    async def _send_new(self) -> None:
        """Send the events the wake-ups announced, until none is left unsent."""
        try:
            while self.hint is not None or self.reread:
                hint, reread, self.hint, self.reread = self.hint, self.reread, None, False
                async with self.flushing:
                    if hint is not None and not reread and hint["seq"] <= self.cursor:
                        continue  # sent already (read from the database with an earlier one)
                    if hint is not None and not reread and hint["seq"] == self.cursor + 1:
                        # The very next one: no need to ask the database.
                        await self.send_json({"type": "event", "event": hint})
                        self.cursor = hint["seq"]
                        continue
                # A gap (several wake-ups came while sending, or one was lost): read them.
                if not await self.flush():
                    return
        except OSError:
            return  # the client went away (uvicorn's ClientDisconnected); its disconnect follows
        except Exception:
            log.exception("WebSocket could not send new events; the next heartbeat retries")

    async def events_signal(self, message: dict) -> None:
        """An ephemeral signal (typing, presence) for this user: passed on, never stored.
        Dropped while a frame already waits for the client to read: signals reach the
        sockets that can take them now, or nobody."""
        if self.sends_waiting:
            return
        await self.send_json({"type": "signal", "signal": message["signal"]})

    async def send_json(self, content: Any, close: bool = False) -> None:
        """Every frame goes out through here, with a deadline. uvicorn holds a frame back
        while the socket's buffers are full; a client that has not made room within
        TANDEM_EVENTS_SEND_TIMEOUT_SECONDS is too far behind and is dropped (4408): its
        events stay in the database, and it resumes after the last seq it saw."""
        if self.too_slow:
            await self._fell_behind()
        self.sends_waiting += 1
        try:
            async with asyncio.timeout(settings.TANDEM_EVENTS_SEND_TIMEOUT_SECONDS):
                await super().send_json(content, close=close)
        except TimeoutError:
            self.too_slow = True
            await self._fell_behind()
        finally:
            self.sends_waiting -= 1

    async def _fell_behind(self) -> None:
        """In the consumer's own loop: raise, and `dispatch` drops the socket. In another
        task (the heartbeat, the sender): ask the loop to drop it, and wait to be cancelled."""
        if asyncio.current_task() is self.dispatcher:
            raise TooSlow
        try:
            await self.channel_layer.send(self.channel_name, {"type": "events.too_slow"})
        except Exception:  # the next message this socket gets ends it instead
            log.warning("WebSocket too slow: could not reach its consumer", exc_info=True)
        await asyncio.Event().wait()  # cancelled when the socket is dropped

    async def events_too_slow(self, message: dict) -> None:
        """Sent to itself by a task that found the client too slow (dispatch drops it)."""

    async def dispatch(self, message: dict) -> None:
        """channels' dispatch, and the end of a socket whose client fell too far behind."""
        if self.dispatcher is None:
            self.dispatcher = asyncio.current_task()
        try:
            if not self.too_slow:
                await super().dispatch(message)
        except TooSlow:
            pass
        except StopConsumer:
            await self._stop_sender()
            raise
        if self.too_slow:
            await self._drop()

    async def _drop(self) -> None:
        """Close a socket whose client fell too far behind and end its consumer. The close
        frame (4408) reaches a client that is slow but reading; one that reads nothing never
        sees it, and the connection is closed when the consumer ends (uvicorn)."""
        await self._stop_sender()
        if hasattr(self, "group"):  # no more wake-ups while the close frame waits
            await _survive(
                "group discard", self.channel_layer.group_discard(self.group, self.channel_name)
            )
        closed = "not sent: the client read nothing"
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(settings.TANDEM_EVENTS_SEND_TIMEOUT_SECONDS):
                await self.close(code=CLOSE_TOO_SLOW)
                closed = "sent"
        log.warning(
            "WebSocket of user %s dropped: a frame waited %g s for the client (close %s %s)",
            getattr(getattr(self, "user", None), "pk", None),
            settings.TANDEM_EVENTS_SEND_TIMEOUT_SECONDS,
            CLOSE_TOO_SLOW,
            closed,
        )
        # channels' own end of a socket: the cleanup in `disconnect`, then StopConsumer.
        await self.websocket_disconnect({"type": "websocket.disconnect", "code": CLOSE_TOO_SLOW})

    async def _stop_sender(self) -> None:
        sender = self.sender
        if sender is not None and not sender.done():
            sender.cancel()
            await asyncio.wait({sender})

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
