"""A bug under /api/ answers 500 in the API's error shape, never an HTML page, and is still
logged by Django; pages keep their friendly HTML 500 (issue 16)."""

import logging

import pytest
from django.test import Client

SECRET = "secret detail of the failure"


def _broken(*args: object, **kwargs: object) -> None:
    raise RuntimeError(SECRET)


async def _broken_async(*args: object, **kwargs: object) -> None:
    raise RuntimeError(SECRET)


def assert_shaped_500(response, request_log: list[logging.LogRecord], path: str) -> None:
    assert response.status_code == 500
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {
        "error": {
            "code": "server_error",
            "message": "Something went wrong on our side. Try again later.",
            "fields": {},
        }
    }
    assert SECRET not in response.content.decode() and b"RuntimeError" not in response.content
    # Logged as Django logs any unhandled exception, with its traceback.
    [record] = [r for r in request_log if r.levelno >= logging.ERROR]
    assert record.getMessage() == f"Internal Server Error: {path}"
    assert record.exc_info and isinstance(record.exc_info[1], RuntimeError)
    assert str(record.exc_info[1]) == SECRET


@pytest.mark.parametrize("debug", [False, True])
def test_a_bug_in_a_ninja_operation_is_a_json_500(bob, monkeypatch, settings, request_log, debug):
    settings.DEBUG = debug  # with DEBUG on ninja would answer a plain-text traceback
    monkeypatch.setattr("tandem.accounts.selectors.api_tokens_for", _broken)
    client = Client(raise_request_exception=False)
    client.force_login(bob)
    response = client.get("/api/v1/tokens")
    assert_shaped_500(response, request_log, "/api/v1/tokens")


@pytest.mark.parametrize("path", ["/api/v1/events", "/api/v1/events/stream"])
def test_a_bug_in_the_long_poll_or_stream_view_is_a_json_500(bob, monkeypatch, request_log, path):
    monkeypatch.setattr("tandem.realtime.views.read_page", _broken_async)
    client = Client(raise_request_exception=False)
    client.force_login(bob)
    response = client.get(path, {"after": "0"})
    assert_shaped_500(response, request_log, path)


def test_a_page_still_answers_the_html_500(monkeypatch, request_log):
    # The landing view renders through this name; make it fail as a bug would.
    monkeypatch.setattr("tandem.core.views.render", _broken)
    response = Client(raise_request_exception=False).get("/")
    assert response.status_code == 500
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert "Something went wrong on our side" in html and SECRET not in html
    assert len(request_log) == 1


def test_a_4xx_keeps_its_own_code():
    # Unchanged: a framework 405 under /api/ is still shaped as before.
    response = Client().post("/api/v1/events")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
