"""The database unreachable answers 503 with Retry-After, not 500: JSON in the error shape
under /api/, the friendly page elsewhere, wherever the failure happens (a view, an async view,
or a middleware reading the session before any view runs). Other failures stay 500, and every
one is still logged with its traceback (handler500: tandem/core/views.server_error; issue 16).
The real outage is `test_fault_pg_restart.py`."""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import IntegrityError, InterfaceError, OperationalError
from django.test import Client

from tandem.core.views import DATABASE_RETRY_AFTER_SECONDS

pytestmark = pytest.mark.django_db

DOWN = "connection failed: connection refused (secret host detail)"


def _raiser(exc: Exception):
    def fail(*args: object, **kwargs: object) -> None:
        raise exc

    return fail


def _async_raiser(exc: Exception):
    async def fail(*args: object, **kwargs: object) -> None:
        raise exc

    return fail


def assert_api_503(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "error": {
            "code": "unavailable",
            "message": "The service is unavailable for a moment. Try again shortly.",
            "fields": {},
        }
    }
    assert b"secret" not in response.content


def assert_page_503(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == str(DATABASE_RETRY_AFTER_SECONDS)
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Error 503" in html and "unavailable for a moment" in html
    assert "secret" not in html and "OperationalError" not in html


@pytest.mark.parametrize("error", [OperationalError(DOWN), InterfaceError(DOWN)])
def test_an_api_read_with_the_database_down_is_a_json_503(bob, monkeypatch, request_log, error):
    monkeypatch.setattr("tandem.accounts.selectors.api_tokens_for", _raiser(error))
    client = Client(raise_request_exception=False)
    client.force_login(bob)
    assert_api_503(client.get("/api/v1/tokens"))
    # Logged as any unhandled exception is, with the exception itself.
    [record] = request_log
    assert record.getMessage() == "Service Unavailable: /api/v1/tokens"
    assert record.exc_info and record.exc_info[1] is error


def test_the_long_poll_with_the_database_down_is_a_json_503(bob, monkeypatch, request_log):
    # An async view: the handler runs in another thread and still sees the exception.
    monkeypatch.setattr("tandem.realtime.views.read_page", _async_raiser(OperationalError(DOWN)))
    client = Client(raise_request_exception=False)
    client.force_login(bob)
    assert_api_503(client.get("/api/v1/events", {"after": "0"}))


def test_a_page_with_the_database_down_is_the_503_page(monkeypatch, request_log):
    monkeypatch.setattr("tandem.core.views.render", _raiser(OperationalError(DOWN)))
    assert_page_503(Client(raise_request_exception=False).get("/"))


@pytest.mark.parametrize("path", ["/api/v1/tokens", "/dashboard/"])
def test_the_session_unreadable_before_any_view_is_a_503_too(bob, monkeypatch, path):
    # A signed-in request reads its session in the middleware, before ApiErrorShapeMiddleware
    # or any view: the 503 (and under /api/, its JSON) comes from handler500.
    client = Client(raise_request_exception=False)
    client.force_login(bob)
    monkeypatch.setattr(SessionStore, "load", _raiser(OperationalError(DOWN)))
    response = client.get(path)
    if path.startswith("/api/"):
        assert_api_503(response)
    else:
        assert_page_503(response)


def test_a_bug_before_any_view_under_api_is_still_a_json_500(bob, monkeypatch):
    client = Client(raise_request_exception=False)
    client.force_login(bob)
    monkeypatch.setattr(SessionStore, "load", _raiser(RuntimeError("secret")))
    response = client.get("/api/v1/tokens")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert response.json()["error"]["code"] == "server_error"


def test_other_database_errors_stay_500(bob, monkeypatch):
    monkeypatch.setattr("tandem.accounts.selectors.api_tokens_for", _raiser(IntegrityError("x")))
    client = Client(raise_request_exception=False)
    client.force_login(bob)
    response = client.get("/api/v1/tokens")
    assert response.status_code == 500
    assert "Retry-After" not in response
    assert response.json()["error"]["code"] == "server_error"
