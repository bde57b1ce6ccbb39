"""Two server processes sharing Redis: an event published through one reaches a WebSocket
held by the other.

Real parts only: two uvicorn processes on one SQLite file, the Redis at REDIS_URL (or
127.0.0.1:6379; a missing Redis fails this test, it is never skipped), a WebSocket over TCP.
"""

import json
import os
import subprocess
import sys
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
    "alice": api_token_create(user=alice, name="ws")[1],
    "bob": api_token_create(user=bob, name="api")[1],
    "coach": str(coach.public_id),
    "type": str(kind.public_id),
}))
"""


@pytest.fixture
def two_servers(tmp_path) -> Iterator[tuple[list[int], dict]]:  # type: ignore[no-untyped-def]
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
        body = json.dumps(
            {"coach": data["coach"], "session_type": data["type"], "start": start.isoformat()}
        )
        request = urllib.request.Request(
            f"http://127.0.0.1:{first}/api/v1/bookings",
            data=body.encode(),
            method="POST",
            headers={
                "Authorization": f"Bearer {data['bob']}",
                "Content-Type": "application/json",
                "Idempotency-Key": uuid.uuid4().hex,
            },
        )
        with http.open(request, timeout=10) as response:
            assert response.status == 201
            booking = json.loads(response.read())["id"]
        frame = json.loads(ws.recv(timeout=10))
        assert frame["type"] == "event"
        assert frame["event"]["kind"] == "booking.changed"
        assert frame["event"]["data"]["booking"] == booking
        assert frame["event"]["seq"] == 1
