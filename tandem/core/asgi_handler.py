"""Django's ASGI handler, with sync views served in one thread hop.

Under ASGI Django builds its middleware chain in async mode. Ours mixes sync-only
middleware (WhiteNoise, our own, allauth's) with Django's MiddlewareMixin ones, which in
async mode run each `process_request`/`process_response` hook in the request's thread via
`sync_to_async`; with the view's own hop and CSRF's `process_view`, a sync API request went
from the event loop to its thread and back about eight times (measured: more CPU on the hops
than on the booking itself).

For a request whose view is sync (every page and every ninja endpoint), this handler reads
the body on the loop and then serves the request in a single call on its thread — what
WSGIHandler does: `request_started`, the whole chain in its sync mode (the mode the test
client exercises: the same middleware, the same hooks in the same order), the response
rendered and closed (`request_finished`, which returns the database connection to the pool
in that thread) — and the loop sends the status, headers and body. Django's own path also
hopped to the thread for each signal and for `close()`, and ran a disconnect listener task
beside the view, which cannot interrupt a sync view anyway. Streaming responses (static
files) go out through Django's own `send_response`. Requests whose view is a coroutine (the
event stream, long-poll, the wake bridge) keep Django's async chain, so they wait on the
event loop and hold no thread.

Django gives each request a `ThreadSensitiveContext` with a new thread, started for the
request and joined by yet another thread afterwards (two thread starts per request, about a
tenth of a web worker's CPU under load). Here each request borrows an idle single-thread
executor instead and gives it back when it is answered — what a WSGI server's thread pool
does: one request at a time per thread, all of a request's sync code in its thread, and
`request_finished` (which returns the database connection to the pool) runs in it before the
thread serves anyone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from asgiref.sync import SyncToAsync, ThreadSensitiveContext, iscoroutinefunction, sync_to_async
from django.conf import settings
from django.core import signals
from django.core.exceptions import RequestAborted
from django.core.handlers.asgi import ASGIHandler, get_script_prefix
from django.core.handlers.base import BaseHandler
from django.http import FileResponse, HttpResponseBase
from django.urls import Resolver404, get_resolver, set_script_prefix


@lru_cache(maxsize=4096)
def _view_is_async(urlconf: str, path: str) -> bool:
    """Whether the path's view is a coroutine (no middleware here sets request.urlconf)."""
    try:
        match = get_resolver(urlconf).resolve(path)
    except Resolver404:
        return False
    return iscoroutinefunction(match.func)


class _SyncChain(BaseHandler):
    """The middleware chain in sync mode (as WSGIHandler builds it)."""

    def __init__(self) -> None:
        super().__init__()
        self.load_middleware(is_async=False)


class TandemASGIHandler(ASGIHandler):
    max_idle_threads = 64  # beyond that, a finished request's thread ends

    def __init__(self) -> None:
        super().__init__()  # the async chain, for async views
        self._sync_chain = _SyncChain()
        self._idle: list[ThreadPoolExecutor] = []

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        executor = (
            self._idle.pop()
            if self._idle
            else ThreadPoolExecutor(max_workers=1, thread_name_prefix="request")
        )
        try:
            if _view_is_async(settings.ROOT_URLCONF, _path_info(scope)):
                async with ThreadSensitiveContext(executor=executor):
                    await self.handle(scope, receive, send)  # Django's own async path
            else:
                await self._handle_sync(scope, receive, send, executor)
        finally:
            # Work still queued (a request cancelled mid-view) runs before the next request's.
            if len(self._idle) < self.max_idle_threads:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

    async def _handle_sync(
        self, scope: dict[str, Any], receive: Any, send: Any, executor: ThreadPoolExecutor
    ) -> None:
        """Read the body here, serve the request in one call on its thread, send the answer.

        A sync view cannot be interrupted, so unlike Django's async path this does not
        listen for a disconnect while the view runs (as a WSGI server does not); an answer
        to a client that has gone is dropped by the server."""
        try:
            body_file = await self.read_body(receive)
        except RequestAborted:
            return
        loop = asyncio.get_running_loop()
        # The request's own copy of the context, as sync_to_async gives it.
        context = contextvars.copy_context()
        answer = await loop.run_in_executor(
            executor, context.run, self._respond, loop, scope, body_file
        )
        if isinstance(answer, HttpResponseBase):  # streaming: Django sends and closes it
            try:
                async with ThreadSensitiveContext(executor=executor):
                    with contextlib.suppress(asyncio.CancelledError):  # client went away
                        await self.send_response(answer, send)
                    await sync_to_async(answer.close, thread_sensitive=True)()
            finally:
                body_file.close()
            return
        status, headers, body = answer
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _respond(
        self, loop: asyncio.AbstractEventLoop, scope: dict[str, Any], body_file: Any
    ) -> HttpResponseBase | tuple[int, list[tuple[bytes, bytes]], bytes]:
        """In the request's thread: what WSGIHandler does, from request_started to the
        response's close() (request_finished, which returns the database connection)."""
        # async_to_sync in this thread (the realtime wake-ups) runs on the server's loop,
        # as it does from a sync_to_async thread.
        SyncToAsync.threadlocal.main_event_loop = loop
        SyncToAsync.threadlocal.main_event_loop_pid = os.getpid()
        set_script_prefix(get_script_prefix(scope))
        signals.request_started.send(sender=self.__class__, scope=scope)
        request, response = self.create_request(scope, body_file)
        if request is not None:
            response = self._sync_chain.get_response(request)
        response._handler_class = self.__class__
        if response.streaming:
            if isinstance(response, FileResponse):
                response.block_size = self.chunk_size
            return response
        try:
            return response.status_code, _headers(response), response.content
        finally:
            response.close()
            body_file.close()


def _path_info(scope: dict[str, Any]) -> str:
    """The path the URLconf resolves, as ASGIRequest computes it."""
    script_name = get_script_prefix(scope)
    return scope["path"].removeprefix(script_name) if script_name else scope["path"]


def _headers(response: HttpResponseBase) -> list[tuple[bytes, bytes]]:
    """The response's headers and cookies, encoded as Django's send_response encodes them."""
    headers = [
        (
            header.encode("ascii") if isinstance(header, str) else bytes(header),
            value.encode("latin1") if isinstance(value, str) else bytes(value),
        )
        for header, value in response.items()
    ]
    headers.extend(
        (b"Set-Cookie", cookie.output(header="").encode("ascii").strip())
        for cookie in response.cookies.values()
    )
    return headers
