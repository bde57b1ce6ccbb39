"""Two server processes sharing Redis: an event published through one reaches a WebSocket
held by the other.

Real parts only: two uvicorn processes on one SQLite file, the Redis at REDIS_URL (or
127.0.0.1:6379; a missing Redis fails this test, it is never skipped), a WebSocket over TCP.
"""

import json
import os
import subprocess
import sys
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from websockets.sync.client import connect

from tandem.core.tests.test_serve import free_port, get, http, wait_until

BASE_DIR = Path(settings.BASE_DIR)
REDIS = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
JSON = "application/json"

# Alice (a listed coach open around the clock) and Bob, with API tokens, in the file database.
SETUP = """
import json
from allauth.account.models import EmailAddress
from tandem.accounts.models import CoachApplication, User
from tandem.accounts.services import api_token_create
from tandem.availability.models import WeeklyInterval
from tandem.coaches.models import CoachProfile, SessionType

def person(email, name):
    user = User.objects.create_user(email=email, password=None, display_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user

alice, bob = person("alice@example.com", "Alice Adler"), person("bob@example.com", "Bob Brown")
CoachApplication.objects.create(user=alice, headline="Coach", status="approved")
coach = CoachProfile.objects.create(
    user=alice, slug="alice", headline="Coach", timezone="UTC", is_verified=True, is_active=True
)
for day in range(7):
    WeeklyInterval.objects.create(coach=coach, weekday=day, start_minute=0, end_minute=1440)
kind = SessionType.objects.create(
    coach=coach, name="Session", duration_minutes=30, slot_step_minutes=30,
    min_notice_minutes=0, booking_window_days=30, price=0,
)
print(json.dumps({
    "alice_id": str(alice.public_id),
    "alice": api_token_create(user=alice, name="ws")[1],
    "bob": api_token_create(user=bob, name="api")[1],
    "coach": str(coach.public_id),
    "type": str(kind.public_id),
}))
"""


@pytest.fixture
def two_servers(tmp_path) -> Iterator[tuple[list[int], dict]]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TANDEM_ENV"}}
    env.update(
        TANDEM_VAR_DIR=str(tmp_path / "var"),
        DJANGO_SETTINGS_MODULE="tandem.settings",
        REDIS_URL=REDIS,
        CHANNEL_PREFIX=f"test-{uuid.uuid4().hex[:8]}",  # our own groups on a shared Redis
    )
    manage = str(BASE_DIR / "manage.py")

    def django(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, manage, *args],
            cwd=BASE_DIR,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    django("migrate", "--no-input", "-v", "0")
    data = json.loads(django("shell", "-c", SETUP).strip().splitlines()[-1])
    ports, processes = [free_port(), free_port()], []
    # Two nodes of one site: the WebSocket's page was served from the second's address.
    env["TANDEM_SITE_URL"] = f"http://127.0.0.1:{ports[1]}"
    try:
        for port in ports:
            log = (tmp_path / f"uvicorn-{port}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "uvicorn",
                        "tandem.asgi:application",
                        "--port",
                        str(port),
                        "--lifespan",
                        "off",
                        "--log-level",
                        "warning",
                    ],
                    cwd=BASE_DIR,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        for port, process in zip(ports, processes, strict=True):

            def healthy(port: int = port, process: subprocess.Popen = process) -> bool:
                assert process.poll() is None, "a server exited early"
                try:
                    return get(f"http://127.0.0.1:{port}/healthz")[0] == 200
                except OSError:
                    return False

            wait_until(healthy, deadline=30, what=f"server on {port} answers")
        yield ports, data
    finally:
        for process in processes:
            process.kill()
            process.wait(timeout=15)


def call(port: int, path: str, token: str, body: bytes, content_type: str) -> dict:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {token}",
            "Content-Type": content_type,
            "Idempotency-Key": uuid.uuid4().hex,
        },
    )
    with http.open(request, timeout=10) as response:
        assert response.status in (200, 201)
        return json.loads(response.read())


def test_an_event_published_by_one_server_reaches_a_socket_on_the_other(two_servers):
    (first, second), data = two_servers
    with connect(
        f"ws://127.0.0.1:{second}/ws/events",
        additional_headers={
            "Origin": f"http://127.0.0.1:{second}",
            "Authorization": f"Bearer {data['alice']}",
        },
        proxy=None,
        open_timeout=10,
    ) as ws:
        assert json.loads(ws.recv(timeout=10)) == {"type": "ready", "last_seq": 0}
        start = (datetime.now(UTC) + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
        body = {"coach": data["coach"], "session_type": data["type"], "start": start.isoformat()}
        booking = call(first, "/api/v1/bookings", data["bob"], json.dumps(body).encode(), JSON)
        frame = json.loads(ws.recv(timeout=10))
        assert frame["type"] == "event"
        assert frame["event"]["kind"] == "booking.changed"
        assert frame["event"]["data"]["booking"] == booking["id"]
        assert frame["event"]["seq"] == 1
        # A chat message posted through the first server reaches Alice's socket on the second.
        talk = json.dumps({"user": data["alice_id"]}).encode()
        conversation = call(first, "/api/v1/conversations", data["bob"], talk, JSON)
        form = urllib.parse.urlencode({"body": "Hello from the other server"}).encode()
        path = f"/api/v1/conversations/{conversation['id']}/messages"
        message = call(first, path, data["bob"], form, "application/x-www-form-urlencoded")
        while (frame := json.loads(ws.recv(timeout=10)))["type"] != "event" or (
            frame["event"]["kind"] != "message.created"
        ):
            pass
        assert frame["event"]["data"]["message"] == message["id"]
