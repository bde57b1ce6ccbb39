"""POST /internal/wake (embedded mode): signed over a timestamp and the body, refused when
stale, from the future, tampered with or replayed; not routed at all with Redis."""

import json

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import resolve

from tandem.realtime import bridge, views_bridge

# The URLconf is loaded once per process: with REDIS_URL set (the CI's PostgreSQL + Redis run)
# it has no wake route at all, which the last test checks; the others need the embedded one.
REDIS_AT_START = bool(django_settings.REDIS_URL)
embedded_only = pytest.mark.skipif(
    REDIS_AT_START, reason="the embedded wake route exists only when loaded without Redis"
)

NOW = 1_800_000_000.0  # the web process's clock, frozen
BODY = json.dumps({"1": {"seq": 1}}).encode()


@pytest.fixture(autouse=True)
def _frozen_clock(monkeypatch, settings):
    monkeypatch.setattr(bridge, "_now", lambda: NOW)
    settings.REDIS_URL = ""


@pytest.fixture
def woken(monkeypatch) -> list[dict]:
    calls: list[dict] = []

    async def awake(events: dict) -> None:
        calls.append(events)

    monkeypatch.setattr(views_bridge, "awake", awake)
    return calls


def post(header: str, body: bytes = BODY) -> int:
    return (
        Client()
        .post(
            "/internal/wake",
            body,
            content_type="application/json",
            headers={bridge.HEADER: header},
        )
        .status_code
    )


@embedded_only
def test_a_fresh_signed_wake_up_is_taken_once(woken):
    header = bridge.signed_header(BODY, now=NOW - 2)
    assert post(header) == 204
    assert woken == [{1: {"seq": 1}}]
    # The same request again (captured and replayed): refused, nothing woken.
    assert post(header) == 403
    assert woken == [{1: {"seq": 1}}]


@embedded_only
@pytest.mark.parametrize("skew", [-31, 31, -3600])
def test_a_stale_or_future_wake_up_is_refused(woken, skew):
    assert post(bridge.signed_header(BODY, now=NOW + skew)) == 403
    assert woken == []


@embedded_only
def test_the_signature_covers_the_timestamp_and_the_body(woken):
    header = bridge.signed_header(BODY, now=NOW)
    _, signature = header.split(",")
    assert post(f"t={int(NOW) - 1},{signature}") == 403  # another time, same signature
    assert post(header, json.dumps({"2": {"seq": 9}}).encode()) == 403  # another body
    legacy = bridge.signature(BODY, int(NOW)).split(",")[0]
    assert post(legacy) == 403  # a bare signature without its timestamp
    assert post("") == 403
    assert woken == []


def test_the_wake_endpoint_exists_only_without_redis(settings, woken):
    if REDIS_AT_START:
        assert post(bridge.signed_header(BODY, now=NOW)) == 404
        assert woken == []
        return
    assert resolve("/internal/wake").url_name == "realtime_wake"
    settings.REDIS_URL = "redis://127.0.0.1:6379/0"
    assert views_bridge.urlpatterns() == []
    # And the view refuses if it is reached anyway (the URLconf was loaded without Redis).
    assert post(bridge.signed_header(BODY, now=NOW)) == 404
    assert woken == []
