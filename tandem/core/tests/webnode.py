"""A real web node for fault tests: a migrated database with Alice and Bob, and the ASGI app
served by a subprocess (uvicorn, or the multi-worker `tandem.core.webserver`) on a free port.

The fault tests point DATABASE_URL and REDIS_URL at their private servers
(`tandem/core/tests/instances.py`) and then stop or restart those under the node.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx

from .instances import free_port

BASE_DIR = Path(__file__).resolve().parents[3]
START_DEADLINE = 30.0
T = TypeVar("T")

# Alice (a coach open around the clock) and Bob share a booking and a conversation with one
# message; each has an API token, and Bob a signed-in browser session.
SCENARIO = """
import json
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from django.conf import settings
from django.test import Client
from allauth.account.models import EmailAddress
from tandem.accounts.models import CoachApplication, User
from tandem.accounts.services import api_token_create
from tandem.booking.tests.conftest import at, book_session, make_coach, make_type
from tandem.messaging import services

def person(email, name):
    user = User.objects.create_user(email=email, password=None, display_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user

alice, bob = person("alice@example.com", "Alice Adler"), person("bob@example.com", "Bob Brown")
CoachApplication.objects.create(user=alice, headline="Coach", status="approved")
coach = make_coach(alice, slug="alice")
book_session(bob, coach, make_type(coach, price=0), at(3, 10))
conversation, _ = services.conversation_start(user=bob, other_id=alice.public_id)
services.message_send(user=alice, conversation_id=conversation.public_id, body="Hello Bob")
browser = Client()
browser.force_login(bob)
print(json.dumps({
    "alice": api_token_create(user=alice, name="fault")[1],
    "bob": api_token_create(user=bob, name="fault")[1],
    "conversation": str(conversation.public_id),
    "session_cookie": [settings.SESSION_COOKIE_NAME,
                       browser.cookies[settings.SESSION_COOKIE_NAME].value],
}))
"""


def wait_until(condition: Callable[[], T | None], *, deadline: float, what: str) -> T:
    """Poll `condition` until it returns something truthy; fail with `what` at the deadline."""
    end = time.monotonic() + deadline
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > end:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.05)


def node_env(tmp_path: Path, *, database_url: str = "", redis_url: str = "") -> dict[str, str]:
    """The environment of a node and of its manage.py commands (embedded settings, so plain
    HTTP cookies work; DEBUG off, as in production). No database_url: a SQLite file in
    tmp_path; no redis_url: the in-memory layer and cache."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "TANDEM_ENV", "TANDEM_DEBUG"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tandem.settings",
        TANDEM_VAR_DIR=str(tmp_path / "var"),
        CHANNEL_PREFIX=f"fault-{uuid.uuid4().hex[:8]}",
        CACHE_KEY_PREFIX=f"fault-{uuid.uuid4().hex[:8]}",
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def manage(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BASE_DIR / "manage.py"), *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def prepare_database(env: dict[str, str]) -> dict[str, Any]:
    """Migrate and add the scenario (one process); returns its tokens, ids and Bob's
    session cookie."""
    data: dict[str, Any] = json.loads(manage(env, "shell", "-c", SCENARIO).strip().splitlines()[-1])
    return data


@dataclass
class WebNode:
    """One web node: `python -m uvicorn` (workers=1) or `tandem.core.webserver` (workers>1)."""

    env: dict[str, str]
    log_path: Path
    workers: int = 1
    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.launch()
        self.wait_ready()

    def launch(self) -> None:
        """Start the process (it needs no database to start: launch, migrate, wait_ready)."""
        if self.workers > 1:
            command = [
                sys.executable, "-m", "tandem.core.webserver", "--port", str(self.port),
                "--workers", str(self.workers), "--log-level", "warning", "--no-access-log",
            ]  # fmt: skip
        else:
            command = [
                sys.executable, "-m", "uvicorn", "tandem.asgi:application", "--port",
                str(self.port), "--lifespan", "off", "--log-level", "warning", "--no-access-log",
            ]  # fmt: skip
        env = {**self.env, "TANDEM_SITE_URL": self.base_url}
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                command, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
            )

    def wait_ready(self) -> None:
        """Until /healthz answers (200, or 503 for a dependency that is down)."""
        with httpx.Client(trust_env=False, timeout=5) as client:

            def answers() -> bool:
                assert self.process is not None and self.process.poll() is None, self.log()
                try:
                    return client.get(f"{self.base_url}/healthz").status_code in (200, 503)
                except httpx.TransportError:
                    return False

            wait_until(answers, deadline=START_DEADLINE, what=f"web node on {self.port}")

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
