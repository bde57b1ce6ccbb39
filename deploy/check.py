"""Prove the production layout: nginx (TLS) in front of two web nodes and the workers, on a
PostgreSQL and a Redis of its own; one node is killed and the clients carry on.

    .venv/bin/python -m deploy.check          (.ci/run runs it; needs nginx, PostgreSQL 15,
                                               redis-server and openssl installed)

It starts everything from the files an operator copies, not from a copy of them:
- the environment is deploy/tandem.env.example, with the lines that must differ here
  replaced (secrets, addresses, ports, the state directory);
- every process is the ExecStart of its systemd unit (deploy/systemd/: migrate + collectstatic,
  two `tandem-web@PORT`, one task worker, one notification worker), the venv's python for
  /srv/tandem/.venv/bin/python; the Procfile must hold the same commands;
- nginx runs deploy/nginx/tandem.conf.template rendered by deploy/render_nginx.py, on free
  ports, with a self-signed certificate: a real TLS front, so the nodes see https only
  through X-Forwarded-Proto as in production, and secure cookies, CSRF and the WebSocket
  origin check are exercised as a browser meets them.

Through the proxy (https): client Bob signs in (allauth's form, CSRF), opens a Server-Sent
Events stream, books a session with coach Alice and sends her a message with his session
cookie; Alice's WebSocket (a bearer token) receives both events. Then the node holding
Alice's WebSocket is SIGKILLed: her socket closes, Bob keeps working (a message while she is
away, requests, a second booking), her WebSocket reconnects through the proxy, resumes after
its last seq and receives the missed message and new ones, in order, once each; Bob's SSE
stream resumes from Last-Event-ID. Figures are printed at the end; any failure exits 1 with
the tail of every log.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import json
import os
import re
import secrets
import shlex
import shutil
import signal
import ssl
import subprocess
import sys
import tempfile
import time
import traceback
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from websockets.exceptions import ConnectionClosed, InvalidHandshake
from websockets.sync.client import ClientConnection, connect

from deploy.manage import read_env_file
from deploy.render_nginx import Site, render
from tandem.core.housekeeping import SWEEPS as HOUSEKEEPING_SWEEPS
from tandem.core.tests.instances import PostgresInstance, RedisInstance, free_port

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
UNITS = DEPLOY / "systemd"
UNIT_PYTHON = "/srv/tandem/.venv/bin/python"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# The housekeeping commands tandem-sweep@.timer runs (and the Procfile loops; serve runs them
# all in its housekeeping child).
SWEEPS = HOUSEKEEPING_SWEEPS
DEADLINE_SECONDS = 100  # the layout, from the migration to the end (collectstatic apart)
COLLECT_SECONDS = 240  # collectstatic, when the static files changed
WAIT = 15.0  # the longest any single step may wait
RECONNECT_TIMEOUT = 10.0  # one WebSocket reconnect attempt's handshake

# Alice (a coach open around the clock, with an API token for her WebSocket) and Bob (a
# client who signs in with a password), written by `manage.py shell` in production mode.
SEED = """
import json
from allauth.account.models import EmailAddress
from tandem.accounts.models import CoachApplication, User
from tandem.accounts.services import api_token_create
from tandem.availability.models import WeeklyInterval
from tandem.coaches.models import CoachProfile, SessionType

def person(email, name, password):
    user = User.objects.create_user(email=email, password=password, display_name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    return user

alice = person("alice@example.com", "Alice Adler", None)
bob = person("bob@example.com", "Bob Brown", "%(password)s")
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
    "alice_token": api_token_create(user=alice, name="deploy-check")[1],
    "coach": str(coach.public_id),
    "type": str(kind.public_id),
}))
"""


class CheckFailed(Exception):
    pass


BEGAN = time.monotonic()


def step(what: str) -> None:
    """Progress on stderr, so a CI log shows where a slow or failed run was."""
    print(f"[{time.monotonic() - BEGAN:6.1f}s] {what}", file=sys.stderr, flush=True)


def expect(condition: bool, what: str) -> None:
    if not condition:
        raise CheckFailed(what)


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = WAIT) -> float:
    """Poll until predicate() holds; returns the seconds it took."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if predicate():
            return time.monotonic() - start
        time.sleep(0.1)
    raise CheckFailed(f"timed out after {timeout:.0f}s: {what}")


# --- the operator's files -----------------------------------------------------------------


def unit_commands(unit: str, instance: str = "") -> list[list[str]]:
    """The ExecStart lines of a unit file, as argv, with %i filled in."""
    commands = []
    for line in (UNITS / unit).read_text().splitlines():
        if line.startswith("ExecStart="):
            argv = shlex.split(line.removeprefix("ExecStart=").replace("%i", instance))
            commands.append(argv)
    expect(bool(commands), f"{unit} has no ExecStart")
    for argv in commands:
        expect(argv[0] == UNIT_PYTHON, f"{unit}: expected {UNIT_PYTHON}, got {argv[0]}")
    unit_text = (UNITS / unit).read_text()
    expect("WorkingDirectory=/srv/tandem" in unit_text, f"{unit}: WorkingDirectory")
    expect("EnvironmentFile=/etc/tandem/tandem.env" in unit_text, f"{unit}: EnvironmentFile")
    return [[sys.executable, *argv[1:]] for argv in commands]


def procfile() -> dict[str, list[str]]:
    entries = {}
    for line in (ROOT / "Procfile").read_text().splitlines():
        if match := re.match(r"^([A-Za-z0-9_-]+):\s*(.+)$", line):
            entries[match.group(1)] = shlex.split(match.group(2))
    return entries


def check_procfile_matches_units() -> None:
    pairs = {
        "web": "tandem-web@.service",
        "worker": "tandem-task-worker@.service",
        "notify": "tandem-notify-worker@.service",
    }
    entries = procfile()
    for name, unit in pairs.items():
        expect(name in entries, f"Procfile has no {name}")
        (unit_argv,) = unit_commands(unit, "$PORT")
        expect(
            entries[name][0] == "python" and entries[name][1:] == unit_argv[1:],
            f"Procfile's {name} differs from {unit}:\n  {entries[name]}\n  {unit_argv}",
        )
    # The housekeeping loops are the timers' one-shot commands with --every.
    for name in SWEEPS:
        (unit_argv,) = unit_commands("tandem-sweep@.service", name)
        expected = ["python", *unit_argv[1:], "--every", "300"]
        expect(entries.get(name) == expected, f"Procfile's {name}: {entries.get(name)}")


# --- processes ----------------------------------------------------------------------------


@dataclass
class Processes:
    tmp: Path
    running: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    logs: dict[str, Path] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = self.tmp / f"{name}.log"
        self.logs[name] = log
        with log.open("ab") as out:
            proc = subprocess.Popen(
                argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        self.running[name] = proc
        return proc

    def alive(self, name: str) -> bool:
        return self.running[name].poll() is None

    def stop_all(self) -> None:
        for proc in self.running.values():
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 10
        for proc in self.running.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(max(0.1, deadline - time.monotonic()))
            if proc.poll() is None:
                proc.kill()
                proc.wait(5)

    def tails(self, lines: int = 25) -> str:
        out = []
        for name, log in self.logs.items():
            if log.exists():
                tail = log.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {name} ({log}) ---\n" + "\n".join(tail))
        return "\n".join(out)


def run(argv: list[str], env: dict[str, str], what: str, timeout: float = 90) -> str:
    done = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise CheckFailed(f"{what} failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return done.stdout


def self_signed(tmp: Path, host: str) -> tuple[Path, Path]:
    cert, key = tmp / "tls.crt", tmp / "tls.key"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "1", "-subj", f"/CN={host}", "-addext",
         f"subjectAltName=IP:{host}", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


def static_is_current() -> bool:
    """Whether `collectstatic` has run since the static sources last changed: the project's
    static directories, the npm packages (node_modules/.synced) and the Python packages
    (.venv/.synced, for the admin's and the API docs' files). WhiteNoise hashes and
    compresses every file on each run (about a minute here, even with nothing changed), so
    the check does not repeat it for nothing."""
    manifest = ROOT / "staticfiles" / "staticfiles.json"
    if not manifest.exists():
        return False
    sources = [ROOT / "node_modules" / ".synced", ROOT / ".venv" / ".synced"]
    for static_dir in (ROOT / "tandem").glob("**/static"):
        sources.extend(p for p in static_dir.rglob("*") if p.is_file())
    newest = max((p.stat().st_mtime for p in sources if p.exists()), default=0.0)
    return manifest.stat().st_mtime > newest


def nginx_main_conf(tmp: Path, site_file: Path) -> Path:
    """What Debian's /etc/nginx/nginx.conf provides around a site file, in a temp prefix."""
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {kind}_temp_path {tmp / ('nginx-' + kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = tmp / "nginx.conf"
    conf.write_text(
        f"{user}worker_processes 1;\npid {tmp / 'nginx.pid'};\n"
        f"error_log {tmp / 'nginx-error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        "http {\n    include /etc/nginx/mime.types;\n    default_type application/octet-stream;\n"
        f"    sendfile on;\n    access_log off;\n{temp}\n    include {site_file};\n}}\n"
    )
    return conf


# --- clients ------------------------------------------------------------------------------


class Stream:
    """Alice's WebSocket through the proxy; remembers the last seq it saw."""

    def __init__(self, url: str, origin: str, token: str, ctx: ssl.SSLContext) -> None:
        self.url, self.origin, self.token, self.ctx = url, origin, token, ctx
        self.last_seq = 0
        self.seen: list[int] = []
        self.ws: ClientConnection | None = None
        self.sockets = contextlib.ExitStack()
        self.failed_attempts: list[str] = []

    def open(self, *, resume: bool) -> dict[str, Any] | None:
        """Connect (resuming after the last seq seen). A reconnect that fails is tried again
        after a pause, up to 3 times, as the browser client does (events.js backs off and
        reconnects); every failed attempt is kept in `failed_attempts` and printed."""
        url = f"{self.url}?after={self.last_seq}" if resume else self.url
        attempts = 3 if resume else 1
        for attempt in range(1, attempts + 1):
            started = time.monotonic()
            try:
                self.ws = self.sockets.enter_context(
                    connect(
                        url,
                        ssl=self.ctx,
                        additional_headers={
                            "Origin": self.origin,
                            "Authorization": f"Bearer {self.token}",
                        },
                        proxy=None,
                        open_timeout=RECONNECT_TIMEOUT if resume else WAIT,
                    )
                )
                break
            except (TimeoutError, OSError, InvalidHandshake) as exc:
                elapsed = time.monotonic() - started
                self.failed_attempts.append(f"{type(exc).__name__} after {elapsed:.1f}s: {exc}")
                step(f"WebSocket reconnect attempt {attempt} failed: {self.failed_attempts[-1]}")
                if attempt == attempts:
                    raise
                time.sleep(0.5 * attempt)  # the client's backoff before it tries again
        if resume:
            return None
        assert self.ws is not None
        ready: dict[str, Any] = json.loads(self.ws.recv(timeout=WAIT))
        expect(ready.get("type") == "ready", f"WebSocket: expected ready, got {ready}")
        self.last_seq = int(ready["last_seq"])
        return ready

    def until(self, kind: str, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        """Read frames until an event of `kind` that matches; every event's seq must be the
        next one (in order, none twice, none missing)."""
        assert self.ws is not None
        deadline = time.monotonic() + WAIT
        while True:
            left = deadline - time.monotonic()
            expect(left > 0, f"WebSocket: no {kind} within {WAIT:.0f}s")
            frame = json.loads(self.ws.recv(timeout=left))
            if frame.get("type") != "event":
                continue
            event: dict[str, Any] = frame["event"]
            expect(
                event["seq"] == self.last_seq + 1,
                f"WebSocket: seq {event['seq']} after {self.last_seq} (a gap or a repeat)",
            )
            self.last_seq = event["seq"]
            self.seen.append(event["seq"])
            if event["kind"] == kind and match(event["data"]):
                return event


class SSE:
    """Bob's Server-Sent Events stream through the proxy (his session cookie)."""

    def __init__(self, client: httpx.Client, last_event_id: int | None = None) -> None:
        headers = {"Last-Event-ID": str(last_event_id)} if last_event_id is not None else {}
        self._cm = client.stream("GET", "/api/v1/events/stream", headers=headers)
        self.response = self._cm.__enter__()
        expect(self.response.status_code == 200, f"SSE answered {self.response.status_code}")
        self.lines = self.response.iter_lines()
        self.last_id = last_event_id or 0

    def frames(self) -> Iterator[tuple[str, dict[str, Any]]]:
        name, data = "message", ""
        for line in self.lines:
            if line == "":
                if data:
                    yield name, json.loads(data)
                name, data = "message", ""
            elif line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                data = line[6:]
            elif line.startswith("id: "):
                self.last_id = int(line[4:])

    def until(self, kind: str, match: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
        for name, body in self.frames():
            if name == kind and match(body.get("data", body)):
                return body
        raise CheckFailed(f"SSE ended before {kind}")

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._cm.__exit__(None, None, None)


def csrf_headers(client: httpx.Client, site: str, referer: str = "/") -> dict[str, str]:
    return {
        "X-CSRFToken": client.cookies.get("csrftoken") or "",
        "Referer": site + referer,
        "Origin": site,
    }


def sign_in(client: httpx.Client, site: str, email: str, password: str) -> None:
    page = client.get("/accounts/login/")
    expect(page.status_code == 200, f"login page answered {page.status_code}")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    expect(token is not None, "no CSRF token on the login page")
    assert token is not None
    done = client.post(
        "/accounts/login/",
        data={"login": email, "password": password, "csrfmiddlewaretoken": token.group(1)},
        headers={"Referer": site + "/accounts/login/", "Origin": site},
    )
    expect(done.status_code == 302, f"sign-in answered {done.status_code}: {done.text[:300]}")
    secure = {c.name: c.secure for c in client.cookies.jar}
    expect(secure.get("sessionid") is True, f"the session cookie is not Secure: {secure}")


# --- the check ----------------------------------------------------------------------------


@dataclass
class Figures:
    marks: dict[str, float] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def mark(self, name: str, seconds: float) -> None:
        self.marks[name] = seconds
        step(f"{name} ({seconds:.2f}s)")


def upstream_counts(access_log: Path, since_line: int = 0) -> tuple[Counter[str], list[str], int]:
    """Requests per node in nginx's log, requests nginx retried on another node, and 5xx
    answers to clients (from line `since_line` on), streams apart."""
    per_node: Counter[str] = Counter()
    retried: list[str] = []
    failed = 0
    lines = access_log.read_text().splitlines()[since_line:] if access_log.exists() else []
    for line in lines:
        if '" 101 ' in line or "/api/v1/events/stream" in line:
            continue  # a WebSocket or SSE stream: logged when it ends, opened earlier
        upstream = re.search(r" upstream=([^,\s]+(?:, [^,\s]+)*) ustatus=", line)
        status = re.search(r'" (\d{3}) ', line)
        if status and status.group(1).startswith("5"):
            failed += 1
        if not upstream or upstream.group(1) == "-":
            continue
        tried = upstream.group(1).split(", ")
        per_node[tried[-1]] += 1
        if len(tried) > 1:
            request = re.search(r'"(\S+ \S+) ', line)
            statuses = re.search(r" ustatus=([^,\s]+(?:, [^,\s]+)*) ", line)
            retried.append(
                f"{request.group(1) if request else '?'} "
                f"(tried {upstream.group(1)}: {statuses.group(1) if statuses else '?'})"
            )
    return per_node, retried, failed


def check(tmp: Path, figures: Figures, procs: Processes) -> None:
    started = time.monotonic()
    check_procfile_matches_units()

    pg, redis = PostgresInstance(), RedisInstance()
    servers.extend([pg.destroy, redis.destroy])
    pg.start()
    redis.start()
    database = pg.create_database("tandem")
    figures.mark("PostgreSQL and Redis up", time.monotonic() - started)

    host = "127.0.0.1"
    https_port, http_port = free_port(), free_port()
    node_ports = [free_port(), free_port()]
    site = f"https://{host}:{https_port}"
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        **read_env_file(DEPLOY / "tandem.env.example"),
    }
    env.update(
        SECRET_KEY=secrets.token_urlsafe(48),
        ALLOWED_HOSTS=host,
        TANDEM_SITE_URL=site,
        TANDEM_MESSAGE_KEYS=base64.urlsafe_b64encode(os.urandom(32)).decode(),
        DATABASE_URL=database,
        REDIS_URL=redis.url(0),
        TANDEM_VAR_DIR=str(tmp / "var"),
        DEFAULT_FROM_EMAIL="Tandem <no-reply@example.com>",
    )
    expect(env["TANDEM_ENV"] == "production", "the example env is not production")

    migrate, collect = unit_commands("tandem-migrate.service")
    expect(migrate[2] == "migrate" and collect[2] == "collectstatic", "tandem-migrate's steps")
    if static_is_current():
        figures.notes.append(
            "collectstatic skipped: staticfiles/ is newer than every static source "
            "(delete staticfiles/ to force it)"
        )
    else:
        t = time.monotonic()
        step("manage.py collectstatic (tandem-migrate.service)")
        run(collect, env, "collectstatic", timeout=COLLECT_SECONDS)
        figures.mark("collectstatic (not counted in the bound)", time.monotonic() - t)
    # The bound covers the layout itself, from the migration on.
    signal.alarm(DEADLINE_SECONDS)
    started = time.monotonic()
    step("manage.py migrate (tandem-migrate.service)")
    run(migrate, env, "migrate", timeout=90)
    figures.mark("migrate", time.monotonic() - started)
    # The operator's way to run a command with the environment file: deploy/manage.py.
    env_file = tmp / "tandem.env"
    env_file.write_text("".join(f"{k}={v}\n" for k, v in env.items() if k not in ("PATH", "LANG")))
    password = secrets.token_urlsafe(16)
    seed = run(
        [sys.executable, "-m", "deploy.manage", "shell", "-c", SEED % {"password": password}],
        {"PATH": env["PATH"], "LANG": env["LANG"], "TANDEM_ENV_FILE": str(env_file)},
        "seeding Alice and Bob (deploy.manage shell)",
    )
    data = json.loads(seed.strip().splitlines()[-1])

    # Django's deployment checks pass with the example's settings (what `make check-deploy`
    # runs), and every housekeeping timer's command runs once; all at once, while nginx and
    # the nodes start below.
    side = {
        "check --deploy": procs.start(
            "check-deploy",
            [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
            env,
        ),
    }
    for name in SWEEPS:
        (argv,) = unit_commands("tandem-sweep@.service", name)
        side[name] = procs.start(f"sweep-{name}", argv, env)

    # nginx, from the template operators render.
    cert, key = self_signed(tmp, host)
    site_file = tmp / "tandem.conf"
    site_file.write_text(
        render(
            Site(
                server_name=host,
                nodes=[f"{host}:{port}" for port in node_ports],
                site_url=site,
                https_listen=f"{host}:{https_port}",
                http_listen=f"{host}:{http_port}",
                static_root=str(ROOT / "staticfiles"),
                tls_cert=str(cert),
                tls_key=str(key),
                log_dir=str(tmp),
            )
        )
    )
    conf = nginx_main_conf(tmp, site_file)
    run([NGINX, "-t", "-q", "-p", str(tmp), "-c", str(conf)], env, "nginx -t")

    t = time.monotonic()
    nodes: dict[int, subprocess.Popen[bytes]] = {}
    for port in node_ports:
        (argv,) = unit_commands("tandem-web@.service", str(port))
        nodes[port] = procs.start(f"web-{port}", argv, env)
    for name, unit in (("task-worker", "tandem-task-worker@.service"),
                       ("notify-worker", "tandem-notify-worker@.service")):  # fmt: skip
        (argv,) = unit_commands(unit, "1")
        procs.start(name, argv, env)
    procs.start("nginx", [NGINX, "-p", str(tmp), "-c", str(conf), "-g", "daemon off;"], env)

    def node_healthy(port: int) -> bool:
        expect(nodes[port].poll() is None, f"web node {port} exited")
        try:
            # Straight to the node, as a monitor on the host would: plain http, public Host.
            answer = httpx.get(f"http://{host}:{port}/healthz", timeout=2, trust_env=False)
        except httpx.HTTPError:
            return False
        return answer.status_code == 200

    for port in node_ports:
        wait_until(functools.partial(node_healthy, port), f"web node {port} healthy", 45)
    figures.mark("two web nodes healthy", time.monotonic() - t)
    for what, proc in side.items():
        code = proc.wait(60)
        expect(code == 0, f"{what} exited with {code}")
    figures.notes.append(
        "check --deploy passed with the example's settings; each of "
        f"{', '.join(SWEEPS)} ran once (tandem-sweep@.service)"
    )

    ctx = ssl.create_default_context(cafile=str(cert))
    bob = httpx.Client(base_url=site, verify=ctx, timeout=WAIT, trust_env=False)
    cleanups.append(bob.close)

    def healthz_ok() -> bool:
        try:
            answer = bob.get("/healthz")
        except httpx.HTTPError:
            return False
        body = answer.json() if answer.status_code == 200 else {}
        return answer.status_code == 200 and body.get("status") == "ok"

    beating = wait_until(healthz_ok, "/healthz ok through nginx (both workers beating)", 30)
    figures.mark("workers' heartbeats seen (/healthz ok through nginx)", beating)
    health = bob.get("/healthz").json()
    figures.notes.append(f"/healthz through nginx: {json.dumps(health['checks'], sort_keys=True)}")

    # Plain http only redirects; static files come from nginx with long caching.
    plain = httpx.get(
        f"http://{host}:{http_port}/dashboard/?x=1", follow_redirects=False, trust_env=False
    )
    expect(plain.status_code == 301 and plain.headers["location"] == f"{site}/dashboard/?x=1",
           f"http:// answered {plain.status_code} {plain.headers.get('location')}")  # fmt: skip

    # Bob signs in (allauth's form over TLS: Secure cookies, CSRF with Origin/Referer).
    t = time.monotonic()
    sign_in(bob, site, "bob@example.com", password)
    dashboard = bob.get("/dashboard/")
    expect(dashboard.status_code == 200, f"dashboard answered {dashboard.status_code}")
    figures.mark("Bob signed in, dashboard", time.monotonic() - t)
    css = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', dashboard.text)
    expect(css is not None, "no hashed stylesheet on the dashboard")
    assert css is not None
    static = bob.get(css.group(1))
    caching = static.headers.get("cache-control", "")
    expect(
        static.status_code == 200 and "immutable" in caching,
        f"static {css.group(1)}: {static.status_code} {caching}",
    )

    alice = Stream(f"wss://{host}:{https_port}/ws/events", site, data["alice_token"], ctx)
    alice.open(resume=False)
    cleanups.append(alice.sockets.close)
    bob_sse = SSE(bob)
    cleanups.append(bob_sse.close)
    expect(next(bob_sse.frames())[0] == "ready", "SSE did not start with ready")

    def book(days: int) -> dict[str, Any]:
        start = (datetime.now(UTC) + timedelta(days=days)).replace(
            minute=0, second=0, microsecond=0
        )
        body = {"coach": data["coach"], "session_type": data["type"], "start": start.isoformat()}
        answer = bob.post(
            "/api/v1/bookings",
            json=body,
            headers={**csrf_headers(bob, site), "Idempotency-Key": uuid.uuid4().hex},
        )
        expect(answer.status_code in (200, 201), f"booking: {answer.status_code} {answer.text}")
        result: dict[str, Any] = answer.json()
        return result

    t = time.monotonic()
    booking = book(2)
    figures.mark("booking made (session + CSRF, through nginx)", time.monotonic() - t)
    alice.until("booking.changed", lambda d: d.get("booking") == booking["id"])
    figures.mark("booking event on Alice's WebSocket", time.monotonic() - t)
    bob_sse.until("booking.changed", lambda d: d.get("booking") == booking["id"])
    figures.mark("booking event on Bob's SSE stream", time.monotonic() - t)

    talk = bob.post("/api/v1/conversations", json={"user": data["alice_id"]},
                    headers=csrf_headers(bob, site))  # fmt: skip
    expect(talk.status_code in (200, 201), f"conversation: {talk.status_code} {talk.text}")
    conversation = talk.json()["id"]
    sent_messages = 0

    def send(text: str) -> str:
        nonlocal sent_messages
        answer = bob.post(
            f"/api/v1/conversations/{conversation}/messages",
            data={"body": text},
            headers={**csrf_headers(bob, site, f"/messages/{conversation}/"),
                     "Idempotency-Key": uuid.uuid4().hex},
        )  # fmt: skip
        expect(answer.status_code in (200, 201), f"message: {answer.status_code} {answer.text}")
        sent_messages += 1
        message_id: str = answer.json()["id"]
        return message_id

    t = time.monotonic()
    first = send("Hello Alice, see you on Thursday.")
    alice.until("message.created", lambda d: d.get("message") == first)
    figures.mark("message sent and its event on Alice's WebSocket", time.monotonic() - t)

    access_log = tmp / "tandem.access.log"
    # nginx writes a request's log line after it has sent the answer: wait for the last one.
    last_request = f"POST /api/v1/conversations/{conversation}/messages"
    wait_until(lambda: last_request in access_log.read_text(), "nginx logged the last request")
    before, _, _ = upstream_counts(access_log)
    expect(len(before) == 2, f"nginx used {len(before)} node(s) before the kill: {dict(before)}")

    # Which node holds Alice's WebSocket: the one whose log shows it accepted.
    holders = [
        port for port in node_ports
        if "/ws/events" in procs.logs[f"web-{port}"].read_text(errors="replace")
    ]  # fmt: skip
    expect(len(holders) == 1, f"cannot tell which node holds the WebSocket: {holders}")
    victim = holders[0]
    survivor = next(p for p in node_ports if p != victim)
    log_mark = len(access_log.read_text().splitlines())

    # --- lose a node ----------------------------------------------------------------------
    killed_at = time.monotonic()
    nodes[victim].send_signal(signal.SIGKILL)
    nodes[victim].wait(5)
    try:  # events already on their way may still arrive (in order); then the socket closes
        alice.until("no such event", lambda d: False)
    except ConnectionClosed:
        figures.mark("Alice's WebSocket saw its node go", time.monotonic() - killed_at)
    bob_sse.close()

    # Bob carries on while Alice is away; these go through nginx to whichever node it picks.
    missed = send("Are you there? (sent while a node was down)")
    requests_after = failures = 0
    for path in ("/api/v1/bookings", "/dashboard/", "/api/v1/conversations", "/healthz") * 5:
        requests_after += 1
        with contextlib.suppress(httpx.HTTPError):
            if bob.get(path).status_code == 200:
                continue
        failures += 1
    figures.mark("20 requests after the kill", time.monotonic() - killed_at)
    expect(failures == 0, f"{failures} of {requests_after} requests failed after the kill")

    # Alice reconnects through the proxy and resumes after the last seq she saw.
    t = time.monotonic()
    resumed_from = alice.last_seq
    alice.open(resume=True)
    alice.until("message.created", lambda d: d.get("message") == missed)
    figures.mark("Alice reconnected and got the missed message", time.monotonic() - t)
    second = book(3)
    alice.until("booking.changed", lambda d: d.get("booking") == second["id"])
    live = send("And one more, after the failover.")
    alice.until("message.created", lambda d: d.get("message") == live)
    figures.mark("new booking + message live on the new WebSocket", time.monotonic() - t)

    # Bob's SSE stream resumes where it stopped (what EventSource does: Last-Event-ID).
    sse_again = SSE(bob, last_event_id=bob_sse.last_id)
    cleanups.append(sse_again.close)
    sse_again.until("booking.changed", lambda d: d.get("booking") == second["id"])
    sse_again.close()

    after, retried, failed_5xx = upstream_counts(access_log, log_mark)
    expect(set(after) <= {f"{host}:{survivor}"} | {f"{host}:{victim}"}, f"nodes: {after}")
    answered_by_victim = after.get(f"{host}:{victim}", 0)
    expect(answered_by_victim == 0, f"the dead node answered {answered_by_victim} requests")
    expect(failed_5xx == 0, f"nginx answered {failed_5xx} requests with 5xx after the kill")
    expect(healthz_ok(), "/healthz is not ok after losing a node")
    expect(procs.alive(f"web-{survivor}") and procs.alive("nginx"), "survivor or nginx died")

    # The node comes back (systemd's Restart=always): nginx sends it requests again once its
    # fail_timeout (10 s) has passed, with no reload.
    t = time.monotonic()
    (argv,) = unit_commands("tandem-web@.service", str(victim))
    nodes[victim] = procs.start(f"web-{victim}-again", argv, env)
    wait_until(functools.partial(node_healthy, victim), "the restarted node healthy", 45)
    back_mark = len(access_log.read_text().splitlines())

    def victim_serves_again() -> bool:
        bob.get("/healthz")
        counts, _, _ = upstream_counts(access_log, back_mark)
        return counts.get(f"{host}:{victim}", 0) > 0

    wait_until(victim_serves_again, "nginx sending requests to the restarted node", 30)
    figures.mark("the killed node restarted and back in nginx's rotation", time.monotonic() - t)

    # A rolling restart stops a node with SIGTERM (systemctl stop/restart): it closes its
    # WebSockets, finishes what is in flight and exits; Alice, whose socket it held, resumes
    # through nginx on the other node, and Bob's next message reaches her there.
    t = time.monotonic()
    nodes[survivor].send_signal(signal.SIGTERM)
    close_code: int | None = None
    try:
        alice.until("no such event", lambda d: False)
    except ConnectionClosed as exc:
        close_code = exc.rcvd.code if exc.rcvd is not None else None
    closed_after = time.monotonic() - t
    exit_code = nodes[survivor].wait(WAIT)
    stopped_after = time.monotonic() - t
    # uvicorn shuts down, then re-raises the signal it caught: a clean stop to systemd.
    expect(exit_code in (0, -signal.SIGTERM), f"the stopped node exited with {exit_code}")
    resumed_again = alice.last_seq
    alice.open(resume=True)
    polite = send("Still there after the restart?")
    alice.until("message.created", lambda d: d.get("message") == polite)
    figures.mark("SIGTERM: socket closed, node exited, Alice resumed on the other node",
                 time.monotonic() - t)  # fmt: skip
    figures.notes.append(
        f"SIGTERM to 127.0.0.1:{survivor}: Alice's WebSocket closed with code {close_code} "
        f"after {closed_after:.2f}s, the node exited ({exit_code}) after {stopped_after:.2f}s; "
        f"she resumed "
        f"with ?after={resumed_again} through nginx on 127.0.0.1:{victim}"
    )

    # With no node left, the API still answers in its JSON error shape (nginx's error_page).
    for proc in nodes.values():
        proc.send_signal(signal.SIGKILL)
        proc.wait(5)
    down = bob.get("/api/v1/bookings")
    expect(
        down.status_code == 503
        and down.headers.get("content-type", "").startswith("application/json")
        and down.json()["error"]["code"] == "unavailable",
        f"with every node down /api/ answered {down.status_code}: {down.text[:200]}",
    )
    figures.notes.append("every node down: /api/ answered 503 in the API's JSON error shape")

    figures.counts.update(
        {
            "bookings": 2,
            "messages": sent_messages,
            "WebSocket events received in order (seq 1..n, none twice)": len(alice.seen),
            "WebSocket reconnects": 2,
            "WebSocket reconnect attempts that failed (and were retried)": len(
                alice.failed_attempts
            ),
            "requests after the kill (all 200)": requests_after,
            "requests nginx retried on the other node": len(retried),
            "requests answered by the survivor after the kill": after[f"{host}:{survivor}"],
        }
    )
    figures.notes.append(
        "before the kill nginx spread requests over both nodes: "
        + ", ".join(f"{node} {count}" for node, count in sorted(before.items()))
    )
    figures.notes.append(
        f"Alice's WebSocket reconnected with ?after={resumed_from} and got seq "
        f"{resumed_from + 1} (the message sent while she was away) first"
    )
    figures.notes.extend(
        f"WARNING: a WebSocket reconnect attempt failed and was retried: {failure}"
        for failure in alice.failed_attempts
    )
    figures.notes.extend(f"retried by nginx: {request}" for request in retried)
    figures.notes.append(f"killed node 127.0.0.1:{victim} (it held Alice's WebSocket); "
                         f"survivor 127.0.0.1:{survivor}")  # fmt: skip
    figures.mark("total, from the migration on", time.monotonic() - started)


# Closed before the processes stop (clients), and after them (the database and Redis).
cleanups: list[Callable[[], object]] = []
servers: list[Callable[[], object]] = []


def main() -> int:
    for tool in (NGINX, "openssl"):
        if not shutil.which(tool) and not Path(tool).exists():
            print(f"deploy/check: {tool} is not installed", file=sys.stderr)
            return 1

    def too_long(signum: int, frame: object) -> None:
        raise CheckFailed("the check ran out of time")

    signal.signal(signal.SIGALRM, too_long)
    signal.alarm(COLLECT_SECONDS + DEADLINE_SECONDS)  # re-armed after collectstatic
    tmp = Path(tempfile.mkdtemp(prefix="tandem-deploy-"))
    procs = Processes(tmp)
    figures = Figures()
    ok = False
    try:
        check(tmp, figures, procs)
        ok = True
    except Exception as exc:  # any failure: say what and show the logs
        if not isinstance(exc, CheckFailed):
            traceback.print_exc()
        print(f"\ndeploy/check FAILED: {type(exc).__name__}: {exc}\n", file=sys.stderr)
        print(procs.tails(), file=sys.stderr)
        access = tmp / "tandem.access.log"
        if access.exists():
            tail = access.read_text().splitlines()[-20:]
            print("--- nginx access log ---\n" + "\n".join(tail), file=sys.stderr)
    finally:
        signal.alarm(0)
        for cleanup in reversed(cleanups):
            with contextlib.suppress(Exception):
                cleanup()
        procs.stop_all()
        for cleanup in reversed(servers):  # after the processes using them
            with contextlib.suppress(Exception):
                cleanup()
        if ok:
            shutil.rmtree(tmp, ignore_errors=True)
    if not ok:
        return 1
    print("deploy/check: nginx (TLS) -> 2 web nodes + task worker + notification worker, "
          "own PostgreSQL and Redis")  # fmt: skip
    for name, seconds in figures.marks.items():
        print(f"  {seconds:7.2f}s  {name}")
    for name, count in figures.counts.items():
        print(f"  {count:7d}   {name}")
    for note in figures.notes:
        print(f"  {note}")
    print("deploy/check: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
