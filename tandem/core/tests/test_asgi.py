"""The site served through the ASGI application (tandem/asgi.py): Django's own handler, with
the middleware's guarantees (security headers, the API's error shape, CSRF for session
posts) and async views answering on the event loop.

pytest-asyncio is not used: each test drives the app with asyncio.run.
"""

import asyncio
import json
from collections.abc import Mapping
from typing import Any

import pytest
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler

from tandem.asgi import django_asgi_app
from tandem.core.tests.asgi_helpers import call, http_scope

# The app's threads use their own connections: they must see what the test commits.
pytestmark = pytest.mark.django_db(transaction=True)


def test_http_is_served_by_djangos_own_handler() -> None:
    assert type(django_asgi_app) is ASGIHandler


def test_pages_keep_their_security_headers() -> None:
    status, headers, _ = asyncio.run(call(django_asgi_app, "GET", "/"))
    assert status == 200
    assert "script-src 'self'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["x-content-type-options"] == "nosniff"


def test_api_errors_keep_their_shape_and_session_posts_need_csrf(bob) -> None:
    from django.test import Client

    client = Client()
    client.force_login(bob, backend="django.contrib.auth.backends.ModelBackend")
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    async def scenario() -> None:
        # Session auth without the CSRF token: refused, in the API's error shape.
        status, headers, body = await call(
            django_asgi_app,
            "POST",
            "/api/v1/bookings",
            headers=((b"cookie", cookie.encode()), (b"content-type", b"application/json")),
            body=b"{}",
        )
        assert status == 403
        assert headers["content-type"].startswith("application/json")
        assert "error" in json.loads(body)
        # The same session reads fine.
        status, _, body = await call(
            django_asgi_app, "GET", "/api/v1/me", headers=((b"cookie", cookie.encode()),)
        )
        assert status == 200, body
        assert json.loads(body)["email"] == bob.email
        # No credentials at all: 401 in the error shape; no such endpoint: 404, JSON.
        status, _, body = await call(django_asgi_app, "GET", "/api/v1/bookings")
        assert status == 401
        assert json.loads(body)["error"]["code"]
        status, headers, _ = await call(django_asgi_app, "GET", "/api/v1/nope")
        assert status == 404
        assert headers["content-type"].startswith("application/json")

    asyncio.run(scenario())


def test_async_views_answer_on_the_event_loop(bob) -> None:
    from tandem.accounts.services import api_token_create

    _, raw = api_token_create(user=bob, name="asgi test")
    status, _, body = asyncio.run(
        call(
            django_asgi_app,
            "GET",
            "/api/v1/events",
            headers=((b"authorization", f"Bearer {raw}".encode()),),
            query="timeout=0",
        )
    )
    assert status == 200, body
    assert "events" in json.loads(body)


def test_a_client_gone_before_its_body_arrived_gets_no_answer() -> None:
    messages: list[dict[str, Any]] = []
    scope = http_scope("POST", "/api/v1/bookings")

    async def receive() -> dict[str, Any]:
        return {"type": "http.disconnect"}

    async def send(message: Mapping[str, Any]) -> None:
        messages.append(dict(message))

    asyncio.run(django_asgi_app(scope, receive, send))
    assert messages == []
