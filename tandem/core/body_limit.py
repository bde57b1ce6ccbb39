"""A cap on request bodies, applied before Django reads a byte of them.

Django refuses an oversized upload only after its handler has received (and spooled) the
whole body: a 1 GB upload was read to the end before the 5 MB photo check said no. This ASGI
middleware sits in front of Django and answers 413 itself:

- by `Content-Length`, before the body is read (the server never sends `100 Continue`);
- by counting, for a chunked body (or one longer than it said): as soon as the count passes
  the cap it answers 413 and tells Django the client went away, so Django stops reading and
  answers nothing itself.

Under /api/ the answer is the API's error shape (`too_large`); elsewhere a page in the site's
layout. The cap (TANDEM_MAX_REQUEST_BYTES) is above the largest upload the product accepts
(a message attachment plus the form's overhead); the per-kind limits (5 MB photos, ...) still
apply inside it.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string

from .errors import error_body

MESSAGE = "The request body is too large."


def _declared_length(scope: dict[str, Any]) -> int | None:
    for name, value in scope.get("headers", ()):
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # malformed: the server or Django refuses it
    return None


async def _send_too_large(scope: dict[str, Any], send: Any) -> None:
    if scope.get("path", "").startswith("/api/"):
        body = json.dumps(error_body("too_large", MESSAGE, None)).encode()
        content_type = b"application/json"
    else:
        # Rendered without a request (as Django renders 500.html): no database, no session.
        body = render_to_string("413.html").encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                # The rest of the body will not be read: the connection cannot be reused.
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


class RequestBodyLimit:
    """ASGI middleware: 413 for an HTTP request whose body is over the cap (see module doc)."""

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        if scope["type"] != "http":
            return await self.application(scope, receive, send)
        limit: int = settings.TANDEM_MAX_REQUEST_BYTES
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            return await _send_too_large(scope, send)

        received = 0
        refused = False

        async def counted_receive() -> dict[str, Any]:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    refused = True
                    await _send_too_large(scope, send)
                    # Django's handler stops reading and answers nothing (RequestAborted).
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: dict[str, Any]) -> None:
            if not refused:  # after the 413 nothing else may be sent
                await send(message)

        return await self.application(scope, counted_receive, guarded_send)
