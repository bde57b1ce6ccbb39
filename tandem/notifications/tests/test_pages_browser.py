"""Notification pages in real Chromium against the ASGI app (uvicorn in a thread).

- Bob has two tabs open; an urgent notification arrives: without a reload both bells count
  it, a toast shows its title with "Open", and the chime is attempted (alert.js dispatches
  `tandem:chime` on every attempt; headless Chromium has no audio to prove it sounded).
  In the centre the new one is on top; "Mark all read" clears the bell in the other tab too.
- Web Push opt-in: the worker at /sw.js registers with scope "/", subscribe() is called with
  userVisibleOnly and the server's VAPID key. Headless Chromium cannot reach a real push
  service, so one test lets the real subscribe() fail and checks the page says so; another
  stands in a fake subscription (labelled as such) to check the page registers it with the
  API and removes it again. A push delivered through DevTools shows the notification.
- Blocked and unsupported browsers are told so in words.
- axe-core and a 360 px screen on the new pages.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.test import Client
from playwright.sync_api import Page, expect

from tandem.booking.tests.conftest import at, book_session, make_coach, make_type
from tandem.notifications.channels.push import vapid_public_key
from tandem.notifications.models import Notification, PushSubscription
from tandem.notifications.services import notification_add
from tandem.realtime.tests.conftest import AsgiServer, start_asgi_server

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
FAIL_IMPACTS = {"serious", "critical"}
# Every chime attempt and whether the document was replaced (a reload would reset these).
RECORD = """
window.__chimes = [];
window.__sameDocument = true;
document.addEventListener("tandem:chime", (e) => window.__chimes.push(e.detail));
"""


@pytest.fixture
def asgi_server(transactional_db, settings) -> Iterator[AsgiServer]:
    """The ASGI app in uvicorn, as production serves it (realtime/tests/conftest.py), as the
    site's public URL (its pages' WebSockets pass the origin check)."""
    from channels.layers import channel_layers

    server = start_asgi_server()
    settings.TANDEM_SITE_URL = server.url
    yield server
    server.stop()
    channel_layers.backends.clear()  # the layer belonged to the server's closed event loop


def asgi_login(context, server: AsgiServer, user) -> None:
    """A session made by Django's test client becomes the browser's cookie."""
    client = Client()
    client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
    cookie = client.cookies[settings.SESSION_COOKIE_NAME]
    context.add_cookies(
        [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": server.url}]
    )


def in_thread(work: Callable[[], object]) -> None:
    """ORM work that publishes events runs off the main thread: Playwright's event loop is
    there, and the wake-up after the commit (async_to_sync) refuses to run beside it."""
    failure: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # pragma: no cover - reported below
            failure.append(exc)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(timeout=30)
    assert not failure, failure


def open_tab(context, server: AsgiServer, path: str) -> Page:
    page = context.new_page()
    page.goto(f"{server.url}{path}")
    expect(page.locator("[data-realtime-status]")).to_have_text("Live", timeout=30_000)
    return page


def bell(page: Page):
    """The bell the viewport shows (base.html has one for narrow screens, one in the menu)."""
    return page.locator("[data-notification-bell]:visible")


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        {"id": v["id"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in results["violations"]
        if v["impact"] in FAIL_IMPACTS
    ]


def test_an_urgent_notification_reaches_open_tabs_and_mark_all_read_clears_them(
    browser_context, asgi_server, bob
):
    notification_add(user_id=bob.pk, kind="payment", title="Your receipt is ready")
    context = browser_context(timezone_id="America/New_York")  # the real CSP applies
    asgi_login(context, asgi_server, bob)
    context.add_init_script(RECORD)
    csp_errors: list[str] = []
    context.on(
        "console",
        lambda m: csp_errors.append(m.text) if "Content Security Policy" in m.text else None,
    )
    sessions = open_tab(context, asgi_server, "/sessions/")
    other = open_tab(context, asgi_server, "/settings/")
    for page in (sessions, other):
        expect(bell(page)).to_have_accessible_name("Notifications 1 unread")

    # A reminder comes due (the worker calls notification_add with urgent=True).
    in_thread(
        lambda: notification_add(
            user_id=bob.pk,
            kind="reminder",
            title="Reminder: session with Alice in 1 hour",
            body="Coaching session, 10:00",
            url="/sessions/",
            urgent=True,
        )
    )
    for page in (sessions, other):
        expect(bell(page)).to_have_accessible_name("Notifications 2 unread")
        toast = page.locator("[data-live-toasts] [role=alert]")
        expect(toast).to_contain_text("Reminder: session with Alice in 1 hour")
        expect(toast.get_by_role("button", name="Open")).to_be_visible()
        page.wait_for_function("window.__chimes.length === 1")
        assert page.evaluate("window.__sameDocument") is True  # no reload

    # A non-urgent one counts, without a toast or a sound.
    in_thread(lambda: notification_add(user_id=bob.pk, kind="booking_made", title="Booked"))
    expect(bell(sessions)).to_have_accessible_name("Notifications 3 unread")
    expect(sessions.locator("[data-live-toasts] [role=alert]")).to_have_count(1)
    assert sessions.evaluate("window.__chimes.length") == 1

    # The centre: newest first; one that arrives while it is open appears on top.
    bell(sessions).click()
    sessions.wait_for_url("**/notifications/")
    rows = sessions.locator(".notification-row")
    expect(rows).to_have_count(3)
    expect(rows.first).to_contain_text("Booked")
    expect(sessions.locator(".notification-row.is-unread")).to_have_count(3)
    expect(sessions.locator("[data-realtime-status]")).to_have_text("Live", timeout=30_000)
    in_thread(lambda: notification_add(user_id=bob.pk, kind="payment", title="Receipt"))
    expect(rows).to_have_count(4)
    expect(rows.first).to_contain_text("Receipt")
    expect(sessions.locator("[data-unread-summary]")).to_contain_text("4 unread")

    # Mark all read: the bell clears here and, without a reload, in the other tab.
    sessions.get_by_role("button", name="Mark all read").click()
    expect(sessions.get_by_text("All notifications are marked read.")).to_be_visible()
    expect(sessions.locator(".notification-row.is-unread")).to_have_count(0)
    for page in (sessions, other):
        expect(page.locator("[data-unread-badge]:visible")).to_have_count(0)
        expect(bell(page)).to_have_accessible_name("Notifications")
    assert other.evaluate("window.__sameDocument") is True
    assert not Notification.objects.filter(user=bob, read_at__isnull=True).exists()
    assert csp_errors == []


def test_opening_from_the_toast_marks_it_read_and_goes_to_its_page(
    browser_context, asgi_server, bob
):
    context = browser_context()
    asgi_login(context, asgi_server, bob)
    page = open_tab(context, asgi_server, "/settings/")
    in_thread(
        lambda: notification_add(
            user_id=bob.pk, kind="dispatch", title="Alice accepted", url="/sessions/", urgent=True
        )
    )
    page.locator("[data-live-toasts]").get_by_role("button", name="Open").click()
    page.wait_for_url("**/sessions/")
    assert Notification.objects.get(user=bob).read_at is not None
    expect(bell(page)).to_have_accessible_name("Notifications")


def test_sound_off_keeps_the_chime_silent(browser_context, asgi_server, bob):
    from tandem.notifications.services import preferences_update

    preferences_update(user=bob, sound=False)
    context = browser_context()
    asgi_login(context, asgi_server, bob)
    context.add_init_script(RECORD)
    page = open_tab(context, asgi_server, "/settings/")
    expect(page.locator("body")).to_have_attribute("data-sound", "off")
    in_thread(lambda: notification_add(user_id=bob.pk, kind="reminder", title="Soon", urgent=True))
    expect(page.locator("[data-live-toasts] [role=alert]")).to_contain_text("Soon")
    page.wait_for_function("window.__chimes.length === 1")
    assert page.evaluate("window.__chimes[0].played") is False
    assert page.evaluate("window.tandemAlert.soundEnabled()") is False


# --- Web Push opt-in -------------------------------------------------------------------------

# Records what subscribe() is asked for, then lets the real one run.
SPY_SUBSCRIBE = """
window.__subscribeCalls = [];
const realSubscribe = PushManager.prototype.subscribe;
PushManager.prototype.subscribe = function (options) {
  const key = new Uint8Array(options.applicationServerKey);
  window.__subscribeCalls.push({
    userVisibleOnly: options.userVisibleOnly,
    key: btoa(String.fromCharCode(...key)),
  });
  return realSubscribe.call(this, options);
};
"""
# A stand-in subscription (headless Chromium has no push service to get a real one from).
FAKE_SUBSCRIPTION = """
let fake = null;
PushManager.prototype.subscribe = async function () {
  fake = {
    endpoint: "https://push.example.test/send/abc123",
    toJSON: () => ({endpoint: fake.endpoint, expirationTime: null,
                    keys: {p256dh: "BPk5" + "x".repeat(83), auth: "authsecret12"}}),
    unsubscribe: async () => { fake = null; return true; },
  };
  return fake;
};
PushManager.prototype.getSubscription = async function () { return fake; };
"""


def push_page(browser_context, server, user, *scripts: str, grant: bool = True) -> Page:
    context = browser_context()
    asgi_login(context, server, user)
    if grant:
        context.grant_permissions(["notifications"], origin=server.url)
    for script in scripts:
        context.add_init_script(script)
    page = context.new_page()
    page.goto(f"{server.url}/settings/notifications/")
    return page


def status(page: Page):
    return page.locator("[data-push-status]")


def test_turning_on_registers_the_worker_and_subscribes_with_the_servers_key(
    browser_context, asgi_server, bob
):
    page = push_page(browser_context, asgi_server, bob, SPY_SUBSCRIBE)
    expect(status(page)).to_have_text("Browser notifications are off in this browser.")
    page.get_by_role("button", name="Turn on browser notifications").click()
    # Headless Chromium has no push service: the real subscribe() fails, and the page says so.
    expect(page.locator("[data-push]")).to_have_attribute("data-push-state", "failed")
    expect(status(page)).to_contain_text("could not reach its push service")
    calls = page.evaluate("window.__subscribeCalls")
    key = base64.urlsafe_b64decode(vapid_public_key() + "==")
    assert calls == [{"userVisibleOnly": True, "key": base64.b64encode(key).decode()}]
    worker = page.evaluate(
        """async () => {
          const r = await navigator.serviceWorker.getRegistration("/");
          return {scope: r.scope, script: r.active && r.active.scriptURL};
        }"""
    )
    assert worker == {"scope": f"{asgi_server.url}/", "script": f"{asgi_server.url}/sw.js"}
    assert not PushSubscription.objects.exists()


def test_the_page_registers_a_subscription_and_removes_it(browser_context, asgi_server, bob):
    page = push_page(browser_context, asgi_server, bob, FAKE_SUBSCRIPTION)
    page.get_by_role("button", name="Turn on browser notifications").click()
    expect(status(page)).to_have_text("Browser notifications are on in this browser.")
    sub = PushSubscription.objects.get()
    assert sub.user == bob and sub.endpoint == "https://push.example.test/send/abc123"
    assert sub.auth == "authsecret12"
    off = page.get_by_role("button", name="Turn off in this browser")
    expect(off).to_be_visible()
    off.click()
    expect(status(page)).to_have_text("Browser notifications are off in this browser.")
    assert not PushSubscription.objects.exists()


def test_a_push_shows_the_notification(browser_context, asgi_server, bob):
    """The worker's push handler, with the push delivered by DevTools (no push service)."""
    page = push_page(browser_context, asgi_server, bob)
    page.evaluate("navigator.serviceWorker.register('/sw.js', {scope: '/'})")
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    cdp = page.context.new_cdp_session(page)
    registrations: list[dict] = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.enable")
    scope = f"{asgi_server.url}/"
    deadline = time.monotonic() + 10  # a deadline, not a timing assertion
    while not any(r["scopeURL"] == scope for r in registrations):
        assert time.monotonic() < deadline, f"no registration for {scope}: {registrations}"
        page.wait_for_timeout(50)  # lets Playwright deliver the DevTools events
    registration = next(r for r in registrations if r["scopeURL"] == scope)
    data = (
        '{"title": "Reminder: in 1 hour", "body": "With Alice", "url": "/sessions/", "tag": "k1"}'
    )
    cdp.send(
        "ServiceWorker.deliverPushMessage",
        {"origin": asgi_server.url, "registrationId": registration["registrationId"], "data": data},
    )
    # Polled from here: wait_for_function would take an async predicate's Promise itself as
    # a truthy answer and return before the worker has shown anything.
    read = """async () => (await (await navigator.serviceWorker.ready).getNotifications())
                 .map((n) => ({title: n.title, body: n.body, tag: n.tag, url: n.data.url}))"""
    deadline = time.monotonic() + 10  # a deadline, not a timing assertion
    shown = page.evaluate(read)
    while not shown and time.monotonic() < deadline:
        page.wait_for_timeout(50)
        shown = page.evaluate(read)
    assert shown == [
        {
            "title": "Reminder: in 1 hour",
            "body": "With Alice",
            "tag": "k1",
            "url": f"{asgi_server.url}/sessions/",
        }
    ]


def test_a_blocking_or_unsupported_browser_is_told_so(browser_context, asgi_server, bob):
    deny = "Notification.requestPermission = async () => 'denied';"
    page = push_page(browser_context, asgi_server, bob, deny, grant=False)
    page.get_by_role("button", name="Turn on browser notifications").click()
    expect(page.locator("[data-push]")).to_have_attribute("data-push-state", "blocked")
    expect(status(page)).to_contain_text("Your browser blocks notifications from Tandem.")

    no_push = "delete window.PushManager;"
    page = push_page(browser_context, asgi_server, bob, no_push)
    expect(status(page)).to_have_text("This browser cannot show push notifications.")
    expect(page.get_by_role("button", name="Turn on browser notifications")).to_be_hidden()


# --- axe-core and 360 px ---------------------------------------------------------------------


def _pages(alice, bob) -> dict[str, tuple[str, object]]:
    coach = make_coach(alice, slug="alice")
    book_session(bob, coach, make_type(coach), at(1, 10))
    for n in range(3):
        notification_add(user_id=bob.pk, kind="reminder", title=f"Reminder {n}", body="Soon")
    notification_add(user_id=bob.pk, kind="booking_cancelled", title="A very long title " * 8)
    Notification.objects.filter(title="Reminder 0").update(read_at=at(0, 9))
    return {
        "centre": ("/notifications/", bob),
        "centre_empty": ("/notifications/", alice),
        "preferences": ("/settings/notifications/", bob),
        "coach_reminders": ("/coach/reminders/", alice),
        "dashboard_coach": ("/dashboard/", alice),
        "dashboard_client": ("/dashboard/", bob),
    }


@pytest.mark.parametrize(
    "name",
    [
        "centre",
        "centre_empty",
        "preferences",
        "coach_reminders",
        "dashboard_coach",
        "dashboard_client",
    ],
)
def test_the_pages_pass_axe_and_fit_360px(name, browser_context, asgi_server, alice, bob):
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `npm ci`"
    path, user = _pages(alice, bob)[name]
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    asgi_login(context, asgi_server, user)
    page = open_tab(context, asgi_server, path)
    if name.startswith("dashboard"):
        expect(page.locator("[data-countdown-start]")).to_contain_text("starts in")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth]")
    assert max(widths) <= 360, f"{path} scrolls sideways at 360 px: {widths}"
    expect(bell(page)).to_be_visible()  # beside the menu button, the menu closed
    assert axe_violations(page) == [], path


def test_a_refused_form_passes_axe(browser_context, asgi_server, alice):
    make_coach(alice, slug="alice")
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    asgi_login(context, asgi_server, alice)
    page = open_tab(context, asgi_server, "/settings/notifications/")
    page.get_by_label("From").fill("22:00")
    page.get_by_role("button", name="Save notification settings").click()
    expect(page.locator("#id_quiet_end_error")).to_contain_text("give both a start and an end")
    assert axe_violations(page) == []
    page = open_tab(context, asgi_server, "/coach/reminders/")
    page.get_by_label("Own lead times", exact=True).fill("soon")
    expect(page.get_by_role("radio", name="My own lead times").first).to_be_checked()
    page.get_by_role("button", name="Save reminder times").click()
    expect(page.locator("#id_coach_custom_error")).to_contain_text("is not a lead time")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert axe_violations(page) == []
