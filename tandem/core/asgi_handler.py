"""Django's ASGI handler, with sync views served in one thread hop.

Under ASGI Django builds its middleware chain in async mode. Ours mixes sync-only
middleware (WhiteNoise, our own, allauth's) with Django's MiddlewareMixin ones, which in
async mode run each `process_request`/`process_response` hook in the request's thread via
`sync_to_async`; with the view's own hop and CSRF's `process_view`, a sync API request went
from the event loop to its thread and back about eight times (measured: more CPU on the hops
than on the booking itself).

For a request whose view is sync (every page and every ninja endpoint), this handler runs
the whole chain in its sync mode — exactly what a WSGI server runs, the mode the test client
exercises — in a single `sync_to_async(thread_sensitive=True)` hop: the same middleware, the
same hooks in the same order, the same per-request thread (`ThreadSensitiveContext`, so the
database connection is returned to the pool on `request_finished` in that thread, as
before). Requests whose view is a coroutine (the event stream, long-poll, the wake bridge)
keep Django's async chain, so they wait on the event loop and hold no thread.

Django gives each request a `ThreadSensitiveContext` with a new thread, started for the
request and joined by yet another thread afterwards (two thread starts per request, about a
tenth of a web worker's CPU under load). Here each request borrows an idle single-thread
executor instead and gives it back when it is answered — what a WSGI server's thread pool
does: one request at a time per thread, all of a request's sync code in its thread, and
`request_finished` (which returns the database connection to the pool) runs in it before the
thread serves anyone else.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Any

from asgiref.sync import ThreadSensitiveContext, iscoroutinefunction, sync_to_async
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase
from django.urls import Resolver404, get_resolver


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
        self._sync_get_response = sync_to_async(
            self._sync_chain.get_response, thread_sensitive=True
        )
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
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            # Work still queued (a request cancelled mid-view) runs before the next request's.
            if len(self._idle) < self.max_idle_threads:
                self._idle.append(executor)
            else:
                executor.shutdown(wait=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        if _view_is_async(settings.ROOT_URLCONF, request.path_info):
            return await super().get_response_async(request)
        return await self._sync_get_response(request)
