"""No log line holds a credential or what a user searched for: the web server's access log and
Django's request log are captured while real requests carry a calendar feed token, an API
token, reset keys and message search terms."""

# ruff: noqa: F811 (the imported fixtures are test arguments)

import contextlib
import io
import logging
from collections.abc import Iterator

import httpx
import pytest
from uvicorn.logging import AccessFormatter

from tandem.accounts.services import api_token_create
from tandem.booking import feeds
from tandem.core.log_redaction import REDACTED, redact
from tandem.realtime.tests.conftest import serve_asgi  # noqa: F401

SEARCH = "divorce lawyer appointment"


class Captured:
    def __init__(self) -> None:
        self.stream = io.StringIO()

    @property
    def text(self) -> str:
        return self.stream.getvalue()


@contextlib.contextmanager
def captured() -> Iterator[tuple[Captured, Captured]]:
    """What uvicorn's access log (with its own formatter) and Django's request log print.
    Entered after the server starts: uvicorn configures its loggers as it starts."""
    access, django_log = Captured(), Captured()
    access_handler = logging.StreamHandler(access.stream)
    access_handler.setFormatter(
        AccessFormatter('%(client_addr)s - "%(request_line)s" %(status_code)s', use_colors=False)
    )
    django_handler = logging.StreamHandler(django_log.stream)
    loggers = [
        (logging.getLogger("uvicorn.access"), access_handler),
        (logging.getLogger("django.request"), django_handler),
    ]
    levels = []
    for logger, handler in loggers:
        levels.append(logger.level)
        logger.setLevel(logging.INFO)
        logger.addHandler(handler)
    try:
        yield access, django_log
    finally:
        for (logger, handler), level in zip(loggers, levels, strict=True):
            logger.removeHandler(handler)
            logger.setLevel(level)


def test_the_access_and_request_logs_hold_no_secrets(serve_asgi, bob):
    server = serve_asgi()
    feed_token = feeds.feed_token_for(bob).token
    _, api_token = api_token_create(user=bob, name="logs")
    secrets = [feed_token, api_token, "k3y-f0r-r3set", "c0nf1rm-k3y", "divorce", "lawyer"]
    paths = [
        f"/calendar/{feed_token}.ics",  # 200: the access log only
        "/calendar/not-a-real-token-c0nf1rm-k3y.ics",  # 404: Django logs "Not Found" too
        f"/api/v1/conversations/search?q={SEARCH.replace(' ', '+')}&limit=5",
        f"/accounts/login/?next=/api/v1/conversations/search%3Fq%3D{SEARCH.replace(' ', '%2520')}",
        f"/accounts/login/?next=%2Fcalendar%2F{feed_token}.ics",
        f"/api/v1/me?token={api_token}",
        "/accounts/password/reset/key/1-k3y-f0r-r3set/",
        "/accounts/confirm-email/c0nf1rm-k3y/",
    ]
    with captured() as (access, django_log), httpx.Client(base_url=server.url, timeout=10) as http:
        for path in paths:
            http.get(path, headers={"Authorization": f"Bearer {api_token}"})

    assert access.text.count("\n") >= len(paths), access.text
    assert "Not Found" in django_log.text
    for text in (access.text, django_log.text):
        for secret in secrets:
            assert secret not in text, (secret, text)
    # The lines still say what was asked for.
    assert f"/calendar/{REDACTED}.ics" in access.text
    assert f"/api/v1/conversations/search?q={REDACTED}&limit=5" in access.text
    assert f"/calendar/{REDACTED}.ics" in django_log.text


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("GET /calendar/AbC-12_x.ics HTTP/1.1", f"GET /calendar/{REDACTED}.ics HTTP/1.1"),
        ("/x?a=1&q=my+secret&b=2", f"/x?a=1&q={REDACTED}&b=2"),
        ("/x?Q=hello", f"/x?Q={REDACTED}"),
        ("/gift-cards/redeem?code=GIFT-1234", f"/gift-cards/redeem?code={REDACTED}"),
        (
            "/login/?next=%2Fx%3Fq%3Dsecret%26page%3D2",
            f"/login/?next=%2Fx%3Fq%3D{REDACTED}%26page%3D2",
        ),
        ("Authorization: Bearer abc.def", f"Authorization: Bearer {REDACTED}"),
        ("token tdm_abcDEF123_-x used", f"token {REDACTED} used"),
        ("/coaches/?specialty=career&sort=price", "/coaches/?specialty=career&sort=price"),
    ],
)
def test_redact(line, expected):
    assert redact(line) == expected
