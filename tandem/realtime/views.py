"""Long-poll and Server-Sent Events: the same stream, resume and errors as the WebSocket."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase

from tandem.core.api_errors import error_response

from .auth import request_user
from .reading import STREAM_PAGE_SIZE, parse_after, read_page
from .services import ResyncRequired
from .wakeups import Wakeups


def _refusal(request: HttpRequest) -> HttpResponse | None:
    if request.method != "GET":
        response = error_response(405, "method_not_allowed", "Use GET.")
        response["Allow"] = "GET"
        return response
    return None


def _unauthorized() -> JsonResponse:
    return error_response(401, "unauthorized", "Sign in or send Authorization: Bearer <token>.")


def _resync(exc: ResyncRequired) -> JsonResponse:
    return error_response(exc.status, exc.code, exc.message)


def _page_body(page: Any) -> dict[str, Any]:
    return {"events": page.events, "last_seq": page.last_seq, "more": page.more}


def _timeout(value: str | None) -> float:
    if value is None or value == "":
        return float(settings.TANDEM_EVENTS_LONGPOLL_SECONDS)
    number = float(value)  # ValueError for text; nan and inf are refused below
    if not 0 <= number <= settings.TANDEM_EVENTS_LONGPOLL_SECONDS:
        raise ValueError("timeout out of range")
    return number


async def events_poll(request: HttpRequest) -> HttpResponse:
    """GET /api/v1/events?after=<seq>&timeout=<seconds>: events after `after` at once if
    there are any, else the first ones within `timeout` (or none)."""
    if refused := _refusal(request):
        return refused
    try:
        after = parse_after(request.GET.get("after"))
    except ValueError:
        return error_response(400, "invalid", "Bad resume point.", {"after": ["invalid"]})
    try:
        timeout = _timeout(request.GET.get("timeout"))
    except ValueError:
        limit = settings.TANDEM_EVENTS_LONGPOLL_SECONDS
        return error_response(
            400, "invalid", f"timeout: 0 to {limit} seconds.", {"timeout": ["invalid"]}
        )
    user = await request_user(request)
    if user is None:
        return _unauthorized()
    try:
        page = await read_page(user.pk, after)
        if page.events or after is None or timeout == 0:
            return JsonResponse(_page_body(page))
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with Wakeups(user.pk) as wakeups:
            # Again: an event may have committed between the first read and subscribing.
            page = await read_page(user.pk, after)
            # A wake-up (or, with Redis down, a pause) then a read of the database, until
            # there is something or the time is up.
            while not page.events and (left := deadline - loop.time()) > 0:
                await wakeups.wait(left)
                page = await read_page(user.pk, after)
    except ResyncRequired as exc:
        return _resync(exc)
    return JsonResponse(_page_body(page))


def _frame(event: dict[str, Any]) -> str:
    return f"id: {event['seq']}\nevent: {event['kind']}\ndata: {json.dumps(event)}\n\n"


def _resync_frame(exc: ResyncRequired) -> str:
    body = {"error": {"code": exc.code, "message": exc.message}}
    return f"event: resync_required\ndata: {json.dumps(body)}\n\n"


async def _sse(user_id: int, after: int | None) -> AsyncIterator[str]:
    heartbeat = settings.TANDEM_EVENTS_HEARTBEAT_SECONDS
    async with Wakeups(user_id) as wakeups:
        try:
            yield "retry: 3000\n\n"
            cursor = after
            while True:
                page = await read_page(user_id, cursor, STREAM_PAGE_SIZE)
                if cursor is None:  # a fresh start: say where the stream stands
                    yield f"event: ready\ndata: {json.dumps({'last_seq': page.last_seq})}\n\n"
                for event in page.events:
                    yield _frame(event)
                cursor = page.last_seq
                if page.more:
                    continue
                while True:
                    message = await wakeups.wait(heartbeat)
                    if message is None:  # the heartbeat (or, with Redis down, a short pause)
                        yield ": heartbeat\n\n"  # keeps proxies from closing an idle stream
                        break  # and re-read, in case a wake-up was lost
                    event = message.get("event")
                    if event is None or event["seq"] > cursor + 1:
                        break  # a gap: read the database
                    if event["seq"] == cursor + 1:  # the very next one, from the wake-up
                        yield _frame(event)
                        cursor = event["seq"]
        except ResyncRequired as exc:
            yield _resync_frame(exc)


async def events_stream(request: HttpRequest) -> HttpResponseBase:
    """GET /api/v1/events/stream (Server-Sent Events); resumes after `Last-Event-ID`
    (what EventSource sends when it reconnects) or `?after=`."""
    if refused := _refusal(request):
        return refused
    try:
        after = parse_after(request.headers.get("Last-Event-ID") or request.GET.get("after"))
    except ValueError:
        return error_response(400, "invalid", "Bad resume point.", {"after": ["invalid"]})
    user = await request_user(request)
    if user is None:
        return _unauthorized()
    try:
        await read_page(user.pk, after)  # refuse a bad resume point with a status, up front
    except ResyncRequired as exc:
        return _resync(exc)
    response = StreamingHttpResponse(_sse(user.pk, after), content_type="text/event-stream")
    response["Cache-Control"] = "no-cache"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response
