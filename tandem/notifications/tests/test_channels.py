"""The email and Web Push channels against real peers: an SMTP server on loopback
(aiosmtpd), and a local HTTP stand-in for a push service (the real ones — FCM, Mozilla's —
cannot be reached here). pywebpush encrypts and signs exactly as for a real service; the
stand-in checks the VAPID signature and the test decrypts the payload with the browser's
keys (RFC 8291), as a browser would."""

from __future__ import annotations

import base64
import json
import os
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from tandem.notifications.channels.push import vapid_public_key
from tandem.notifications.models import Delivery, PushSubscription
from tandem.notifications.services import notify, reminders_sync, run_due
from tandem.notifications.services.push_subscriptions import subscription_add

from .conftest import at, book

pytestmark = pytest.mark.django_db
OWNER = "test-worker"


def test_a_reminder_email_arrives_over_real_smtp_with_html_text_and_preferences_link(
    coach, session_type, alice, bob, now, smtp_mailbox
):
    booking = book(bob, coach, session_type, at(3, 10), now=now)
    reminders_sync(booking.pk, now=now)
    run_due(owner=OWNER, now=booking.start - timedelta(hours=24))
    smtp_mailbox.clear()  # the 24-hour reminders are not this test's
    run_due(owner=OWNER, now=booking.start - timedelta(hours=3))
    message = smtp_mailbox.wait_for("bob@example.com", subject="Reminder: Coaching session")
    assert "Alice Adler" in message["Subject"] and "in 3 hours" in message["Subject"]
    text = smtp_mailbox.text(message)
    assert "Join: https://meet.jit.si/tandem-" in text
    assert f"/sessions/{booking.public_id}/" in text
    assert "/settings/notifications/" in text
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Open in Tandem" in html and "/settings/notifications/" in html
    assert message["Message-ID"].endswith("@tandem.local>")
    assert message["List-Unsubscribe"].endswith("/settings/notifications/>")
    # Bob's 3-hour time is 10:00 Berlin = 04:00 in New York, in his zone, named.
    assert "(America/New_York)" in text
    assert [m["To"] for m in smtp_mailbox.messages] == ["Bob Brown <bob@example.com>"]


def test_the_digest_collects_non_urgent_emails_into_one(alice, bob, smtp_mailbox, now):
    from tandem.notifications.services import preferences_update

    preferences_update(user=bob, digest=True, digest_hour=8, enabled={"message": {"email": True}})
    for n in range(3):
        notify(user_ids=[bob.pk], kind="message", key=f"msg:{n}", title=f"Message {n}", now=now)
    rows = list(Delivery.objects.filter(user=bob, channel="email"))
    assert len(rows) == 3 and all(d.digest for d in rows)
    due = rows[0].due_at  # 08:00 in New York, the next one after `now`
    assert due.astimezone(bob_zone()).hour == 8 and due > now
    assert run_due(owner=OWNER, now=due - timedelta(seconds=1)) == 0
    run_due(owner=OWNER, now=due)
    digest = smtp_mailbox.wait_for("bob@example.com", subject="Your Tandem digest: 3 updates")
    text = smtp_mailbox.text(digest)
    assert all(f"Message {n}" in text for n in range(3))
    assert set(
        Delivery.objects.filter(user=bob, channel="email").values_list("status", flat=True)
    ) == {"sent"}
    assert len(smtp_mailbox.messages) == 1


def bob_zone():
    from zoneinfo import ZoneInfo

    return ZoneInfo("America/New_York")


def test_quiet_hours_hold_non_urgent_email_until_they_end(bob, now):
    from datetime import UTC, datetime, time

    from tandem.notifications.services import preferences_update

    preferences_update(
        user=bob,
        quiet_start=time(22),
        quiet_end=time(7),
        enabled={"message": {"email": True, "inapp": True}},
    )
    # 23:30 in New York (in local time: the UTC offset differs in summer and winter).
    evening = now.astimezone(bob_zone()).date()
    late = datetime.combine(evening, time(23, 30), tzinfo=bob_zone()).astimezone(UTC)
    notify(user_ids=[bob.pk], kind="message", key="msg:late", title="Hi", now=late)
    email = Delivery.objects.get(user=bob, channel="email")
    # Held until the end of his quiet hours: 07:00 the next morning, his time.
    assert email.due_at == datetime.combine(
        evening + timedelta(days=1), time(7), tzinfo=bob_zone()
    ).astimezone(UTC)
    # The in-app entry is there at once (the badge counts it; only alerts wait).
    assert bob.notifications.count() == 1


# --- Web Push against a local stand-in ----------------------------------------------------


class _PushService(BaseHTTPRequestHandler):
    received: list[dict] = []
    answer = 201

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        headers = {k.lower(): v for k, v in self.headers.items()}
        type(self).received.append({"path": self.path, "headers": headers, "body": body})
        self.send_response(type(self).answer)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def push_service(settings) -> Iterator[tuple[str, type[_PushService]]]:
    settings.TANDEM_PUSH_ALLOW_HTTP = True
    handler = type("Handler", (_PushService,), {"received": [], "answer": 201})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", handler
    server.shutdown()


def _browser_keys() -> tuple[ec.EllipticCurvePrivateKey, str, bytes, str]:
    """What a browser makes when it subscribes: a P-256 key pair and a 16-byte auth secret."""
    private = ec.generate_private_key(ec.SECP256R1())
    public = private.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth = os.urandom(16)
    b64 = lambda raw: base64.urlsafe_b64encode(raw).rstrip(b"=").decode()  # noqa: E731
    return private, b64(public), auth, b64(auth)


def test_a_reminder_push_is_encrypted_for_the_browser_and_signed_with_vapid(
    coach, session_type, bob, now, push_service
):
    url, service = push_service
    private, p256dh, auth_secret, auth = _browser_keys()
    subscription_add(user=bob, endpoint=f"{url}/push/bob-1", p256dh=p256dh, auth=auth)
    booking = book(bob, coach, session_type, at(3, 10), now=now)
    reminders_sync(booking.pk, now=now)
    assert Delivery.objects.filter(user=bob, channel="push").count() == 2  # 24 h and 3 h
    run_due(owner=OWNER, now=booking.start - timedelta(hours=24))
    assert len(service.received) == 1
    request = service.received[0]
    assert request["path"] == "/push/bob-1"
    assert request["headers"]["content-encoding"] == "aes128gcm"
    authorization = request["headers"]["authorization"]
    assert authorization.startswith("vapid t=") and f"k={vapid_public_key()}" in authorization
    plain = http_ece.decrypt(request["body"], private_key=private, auth_secret=auth_secret)
    payload = json.loads(plain)
    assert payload["title"].startswith("Reminder: Coaching session with Alice Adler")
    assert payload["url"] == f"/sessions/{booking.public_id}/"
    assert Delivery.objects.get(user=bob, channel="push", offset_minutes=1440).status == "sent"


def test_a_subscription_the_push_service_says_is_gone_is_removed(bob, now, push_service):
    url, service = push_service
    service.answer = 410
    _, p256dh, _, auth = _browser_keys()
    subscription_add(user=bob, endpoint=f"{url}/push/gone", p256dh=p256dh, auth=auth)
    notify(user_ids=[bob.pk], kind="dispatch", key="dispatch:1", title="Book now", now=now)
    run_due(owner=OWNER, now=now)
    assert not PushSubscription.objects.exists()
    # Nothing to retry: the delivery is done, not failed.
    assert Delivery.objects.get(channel="push").status == "sent"


def test_push_endpoints_must_be_https_unless_allowed(bob, settings):
    from tandem.core.errors import InvalidInput

    settings.TANDEM_PUSH_ALLOW_HTTP = False
    _, p256dh, _, auth = _browser_keys()
    with pytest.raises(InvalidInput):
        subscription_add(user=bob, endpoint="http://10.0.0.1/internal", p256dh=p256dh, auth=auth)
    assert not PushSubscription.objects.exists()
