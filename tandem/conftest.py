"""Fixtures for the browser tests: real Chromium (via Playwright) and a real SMTP server.

Nothing here starts a browser or a server unless a test asks for it, so the non-browser run
(`pytest -m "not browser"`) is unaffected.
"""

import email
import email.policy
import logging
import os
import re
import socket
import threading
from collections.abc import Callable, Iterator
from email.message import EmailMessage

import pytest

# Debian's Chromium; Playwright's own browser download does not work in our environments.
CHROMIUM = os.environ.get("TANDEM_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


# --- Browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright(playwright):
    # Playwright's sync API keeps an event loop running in the main thread, so Django's
    # "async unsafe" guard would refuse every ORM call the test makes. Tests only, and only
    # once a test has asked for Playwright (browser tests run in their own pytest process).
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    return playwright


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch the system Chromium. A missing Chromium fails the run; it never skips."""
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}. Browser tests need Debian's chromium "
            "(`apt-get install chromium`) or TANDEM_CHROMIUM=/path/to/chromium; "
            "they are never skipped.",
            pytrace=False,
        )
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": browser_type_launch_args.get("headless", True),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture
def browser_context(new_context):
    """Make a browser context with short timeouts (a broken page fails fast, not in 30 s) and
    reduced motion (Bootstrap then drops its transitions: an axe check never sees a colour
    half-way through one, which once failed a contrast check at random)."""

    def make(**kwargs):
        kwargs.setdefault("reduced_motion", "reduce")
        context = new_context(**kwargs)
        context.set_default_timeout(15_000)
        context.set_default_navigation_timeout(15_000)
        return context

    return make


@pytest.fixture
def login_as(live_server):
    """Sign a user in to a browser context without driving the login form.

    For tests about a page, not about signing in: a session made by Django's test client
    is handed to the browser as its session cookie.
    """
    from django.conf import settings
    from django.test import Client

    def login(context, user) -> None:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": live_server.url}]
        )

    return login


# --- Email over real SMTP --------------------------------------------------------------------


class _CollectingHandler:
    """aiosmtpd handler keeping every message it receives, parsed."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.arrived = threading.Condition()

    async def handle_DATA(self, server, session, envelope) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self.arrived:
            self.messages.append(message)
            self.arrived.notify_all()
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Mailbox:
    """What the local SMTP server received during one test."""

    def __init__(self, handler: _CollectingHandler, host: str, port: int) -> None:
        self._handler = handler
        self.host = host
        self.port = port

    @property
    def messages(self) -> list[EmailMessage]:
        with self._handler.arrived:
            return list(self._handler.messages)

    def clear(self) -> None:
        with self._handler.arrived:
            self._handler.messages.clear()

    def wait_for(
        self, to: str, *, subject: str = "", timeout: float = 15.0
    ) -> EmailMessage:  # a wait, not a timing assertion
        """The latest message to `to` (whose subject contains `subject`), waiting if needed."""

        def find() -> EmailMessage | None:
            for message in reversed(self._handler.messages):
                recipients = str(message.get("To", "")).lower()
                if to.lower() in recipients and subject.lower() in str(message["Subject"]).lower():
                    return message
            return None

        with self._handler.arrived:
            found = self._handler.arrived.wait_for(find, timeout=timeout)
        if found is None:
            got = [(m["To"], m["Subject"]) for m in self.messages]
            raise AssertionError(f"No email to {to!r} (subject ~{subject!r}); got {got}")
        return found

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain", "html"))
        assert part is not None, "email has no text body"
        return part.get_content()

    def link(self, message: EmailMessage, pattern: str) -> str:
        """The first http(s) URL in the message's text whose path matches `pattern`."""
        for url in re.findall(r"https?://[^\s<>\"']+", self.text(message)):
            if re.search(pattern, url):
                return url
        raise AssertionError(f"No link matching {pattern!r} in:\n{self.text(message)}")


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[_CollectingHandler, str, int]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 and a free port, for the whole session."""
    from aiosmtpd.controller import Controller

    # aiosmtpd logs every SMTP command at INFO; keep failure output readable.
    logging.getLogger("mail.log").setLevel(logging.WARNING)
    handler = _CollectingHandler()
    host, port = "127.0.0.1", _free_port()
    controller = Controller(handler, hostname=host, port=port)
    controller.start()
    try:
        yield handler, host, port
    finally:
        controller.stop()


@pytest.fixture
def smtp_mailbox(smtp_server, settings) -> Mailbox:
    """Point Django at the local SMTP server and return its (emptied) mailbox.

    pytest-django's test environment sets the locmem backend directly on the settings at
    session start; the `settings` fixture's override (override_settings) sits on top of that,
    so while this test runs the SMTP backend really is used — by the test and by the live
    server's thread alike (settings are process-wide). Tests prove it by reading the mail
    from the server.
    """
    handler, host, port = smtp_server
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = host
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    mailbox = Mailbox(handler, host, port)
    mailbox.clear()
    return mailbox


# --- TOTP (RFC 6238), stdlib only ------------------------------------------------------------


def totp_code(secret: str, counter: int) -> str:
    """The 6-digit TOTP code for a base32 secret at a 30-second step counter."""
    import base64
    import hashlib
    import hmac
    import struct

    key = base64.b32decode(secret.replace(" ", "").upper() + "=" * (-len(secret) % 8))
    digest = hmac.new(key, struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 10**6:06d}"


@pytest.fixture
def totp() -> Callable[[str, int], str]:
    return totp_code
