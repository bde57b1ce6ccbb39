"""The booking pages in real Chromium: Bob books through the wizard in his zone and sees the
hold's countdown, Alice accepts the request, Bob cancels with a reason and is offered other
times; the hold running out; axe-core and a 360 px screen on every booking page.

Elements are found by role, label and visible text; times are checked against zoneinfo.
"""

import re
from datetime import timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from tandem.booking import services
from tandem.booking.models import Booking, Hold
from tandem.booking.tests.conftest import at, book_session, make_coach, make_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
FAIL_IMPACTS = {"serious", "critical"}
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def practice(alice):
    """Alice (Berlin, open 08:00-20:00) with a session booked straight away and one she
    confirms by hand."""
    coach = make_coach(alice, slug="alice")
    return {
        "coach": coach,
        "session": make_type(coach),
        "intro": make_type(
            coach, name="Intro call", duration_minutes=30, requires_confirmation=True
        ),
    }


def main_text(page: Page) -> str:
    return page.locator("main").inner_text()


def axe_violations(page: Page) -> list[dict]:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => await axe.run(document, {resultTypes: ["violations"]})"""
    )
    return [v for v in results["violations"] if v["impact"] in FAIL_IMPACTS]


def describe(violations: list[dict]) -> str:
    return "\n".join(
        f"- {v['id']} ({v['impact']}): {v['help']} at "
        + "; ".join(" ".join(map(str, n["target"])) for n in v["nodes"])
        for v in violations
    )


def outline_of(page: Page) -> str:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle")


def test_book_accept_cancel_and_see_alternatives(
    browser_context, live_server, login_as, practice, alice, bob
):
    base = live_server.url
    bob_context = browser_context(timezone_id="America/New_York")
    login_as(bob_context, bob)
    page = bob_context.new_page()

    # Step 1: two session types, so Bob chooses one.
    page.goto(f"{base}/book/alice/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Book a session with Alice Adler")
    expect(page.locator(".wizard-steps [aria-current='step']")).to_have_text("Session")
    page.get_by_role("link", name="Choose Intro call").click()

    # Step 2: times in New York. 10:00 Berlin two days on is offered at its New York time.
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time with Alice Adler")
    expect(page.locator("main")).to_contain_text("Times in America/New_York")
    expect(page.get_by_role("heading", name="Suggested times")).to_be_visible()
    start = at(2, 10)
    local = start.astimezone(NEW_YORK)
    slot = (
        page.locator(f"#day-{local.date().isoformat()}")
        .locator("xpath=..")
        .get_by_role("button", name=re.compile(rf"{local:%H:%M}$"))
    )
    expect(slot).to_have_count(1)
    # The keyboard reaches it with a visible focus; Enter chooses it.
    slot.focus()
    assert outline_of(page) != "none"
    page.keyboard.press("Enter")

    # Step 3: the hold and its countdown.
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and confirm")
    hold = Hold.objects.get(client=bob)
    assert hold.start == start
    review = main_text(page)
    assert f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M}" in review
    assert "(America/New_York)" in review
    timer = page.get_by_role("timer")
    expect(timer).to_have_text(re.compile(r"^(10:00|9:\d\d)$"))
    first = timer.inner_text()
    expect(timer).not_to_have_text(first, timeout=5000)  # it counts down
    page.get_by_label("Notes for Alice Adler").fill("I would like to talk about my new team.")
    page.get_by_role("button", name="Send request").click()

    booking = Booking.objects.get(client=bob)
    expect(page).to_have_url(f"{base}/sessions/{booking.public_id}/")
    expect(page.locator(".messages")).to_contain_text("Request sent — Alice Adler will confirm.")
    expect(page.locator("main")).to_contain_text("Awaiting confirmation")
    assert booking.status == Booking.Status.PENDING

    # Alice sees the request on top of her sessions and accepts it.
    alice_context = browser_context(timezone_id="Europe/Berlin")
    login_as(alice_context, alice)
    coach_page = alice_context.new_page()
    coach_page.goto(f"{base}/dashboard/")
    coach_page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="My sessions"
    ).click()
    requests = coach_page.get_by_role("region", name=re.compile("Requests awaiting you"))
    expect(requests).to_contain_text("Bob Brown")
    expect(requests).to_contain_text("I would like to talk about my new team.")
    berlin = start.astimezone(ZoneInfo("Europe/Berlin"))
    expect(requests).to_contain_text(f"{berlin:%H:%M}")
    requests.get_by_role("button", name="Accept Bob Brown’s request").click()
    expect(coach_page.locator(".messages")).to_contain_text("Request accepted")
    expect(
        coach_page.get_by_role("region", name=re.compile("Requests awaiting you"))
    ).to_have_count(0)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CONFIRMED

    # Bob cancels with a reason ("Other" needs words: the form says so first).
    page.reload()
    expect(page.locator("main")).to_contain_text("Confirmed")
    page.get_by_role("link", name="Cancel session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your session")
    expect(page.locator("main")).to_contain_text("Medium impact")  # 1 to 3 days ahead
    page.get_by_label("Reason").select_option("other")
    page.get_by_role("button", name="Cancel the session").click()
    expect(page.locator("#id_message_error")).to_contain_text("Say why in a few words")
    expect(page.get_by_label("Reason")).to_have_value("other")
    page.get_by_label("Message").fill("My plans changed.")
    page.get_by_role("button", name="Cancel the session").click()

    expect(page).to_have_url(f"{base}/sessions/{booking.public_id}/cancelled/")
    expect(page.locator(".messages")).to_contain_text("Alice Adler has been told")
    alternatives = page.get_by_role("region", name="Book another time with Alice Adler")
    links = alternatives.get_by_role("link")
    expect(links).to_have_count(3)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.cancel_reason == "other"

    # An alternative opens the wizard with that time ready to hold.
    links.first.click()
    expect(page.get_by_role("heading", name="Your chosen time")).to_be_visible()
    expect(page.get_by_role("button", name="Hold this time")).to_be_visible()


def test_the_hold_runs_out_on_the_review_page(
    browser_context, live_server, login_as, practice, bob
):
    hold = services.hold_create(
        client=bob, coach=practice["coach"], session_type=practice["session"], start=at(3, 11)
    )
    Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() + timedelta(seconds=3))
    context = browser_context(timezone_id="America/New_York")
    login_as(context, bob)
    page = context.new_page()
    page.goto(f"{live_server.url}/book/alice/review/{hold.public_id}/")
    expect(page.get_by_role("timer")).to_be_visible()
    expired = page.get_by_role("alert").filter(has_text="Your hold on this time has expired.")
    expect(expired).to_be_visible(timeout=10_000)
    expect(page.get_by_role("timer")).to_be_hidden()
    expect(page.get_by_role("button", name="Book session")).to_be_disabled()
    expired.get_by_role("link", name="Pick a time again").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Choose a time with Alice Adler")
    assert not Booking.objects.exists()


def test_without_javascript_the_wizard_still_books(
    browser_context, live_server, login_as, practice, bob
):
    context = browser_context(java_script_enabled=False, timezone_id="America/New_York")
    login_as(context, bob)
    page = context.new_page()
    page.goto(
        f"{live_server.url}/book/alice/?session_type={practice['session'].public_id}"
        "&tz=America/New_York"
    )
    page.locator("#slot-picker button.picker-slot").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Review and confirm")
    expect(page.locator("main")).to_contain_text("This time is held for you until")
    page.get_by_role("button", name="Book session").click()
    expect(page.locator(".messages")).to_contain_text("Booked — your session with Alice Adler")
    assert Booking.objects.get().status == Booking.Status.CONFIRMED


# --- Every booking page: axe-core and a 360 px screen ------------------------------------------


def _pages(practice, alice, bob) -> dict[str, tuple[str, object]]:
    """name: (path, who looks). Makes a confirmed, a pending, a cancelled booking and a hold."""
    coach, session, intro = practice["coach"], practice["session"], practice["intro"]
    confirmed = book_session(bob, coach, session, at(4, 10), notes="Notes for Alice")
    services.booking_reschedule(
        booking_id=confirmed.public_id, user=bob, start=at(4, 12), reason="Clash"
    )
    book_session(bob, coach, intro, at(5, 9), notes="Please confirm")
    cancelled = book_session(bob, coach, session, at(6, 10))
    services.booking_cancel(
        booking_id=cancelled.public_id, user=bob, reason_code="other", message="Plans"
    )
    hold = services.hold_create(client=bob, coach=coach, session_type=session, start=at(7, 10))
    return {
        "wizard_type": ("/book/alice/", bob),
        "wizard_time": (f"/book/alice/?session_type={session.public_id}", bob),
        "wizard_chosen": (
            f"/book/alice/?session_type={session.public_id}&start="
            + at(8, 10).isoformat().replace("+", "%2B"),
            bob,
        ),
        "wizard_review": (f"/book/alice/review/{hold.public_id}/", bob),
        "sessions_client": ("/sessions/", bob),
        "sessions_coach": ("/sessions/", alice),
        "sessions_cancelled": ("/sessions/?tab=cancelled", bob),
        "sessions_empty": ("/sessions/?tab=past", bob),
        "detail": (f"/sessions/{confirmed.public_id}/", bob),
        "detail_coach": (f"/sessions/{confirmed.public_id}/", alice),
        "reschedule": (f"/sessions/{confirmed.public_id}/reschedule/", bob),
        "reschedule_chosen": (
            f"/sessions/{confirmed.public_id}/reschedule/?start="
            + at(8, 11).isoformat().replace("+", "%2B"),
            bob,
        ),
        "cancel": (f"/sessions/{confirmed.public_id}/cancel/", bob),
        "cancelled": (f"/sessions/{cancelled.public_id}/cancelled/", bob),
        "policy": ("/coach/policy/", alice),
    }


PAGE_NAMES = [
    "wizard_type",
    "wizard_time",
    "wizard_chosen",
    "wizard_review",
    "sessions_client",
    "sessions_coach",
    "sessions_cancelled",
    "sessions_empty",
    "detail",
    "detail_coach",
    "reschedule",
    "reschedule_chosen",
    "cancel",
    "cancelled",
    "policy",
]


@pytest.mark.parametrize("name", PAGE_NAMES)
def test_booking_pages_pass_axe_and_fit_360px(
    name, browser_context, live_server, login_as, practice, alice, bob
):
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `npm ci`"
    path, user = _pages(practice, alice, bob)[name]
    context = browser_context(
        bypass_csp=True, viewport={"width": 360, "height": 740}, timezone_id="America/New_York"
    )
    login_as(context, user)
    page = context.new_page()
    response = page.goto(f"{live_server.url}{path}")
    assert response is not None and response.status == 200, (path, response and response.status)
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
    )
    assert max(widths) <= 360, f"{path} scrolls sideways at 360 px: scrollWidth {widths}"
    violations = axe_violations(page)
    assert not violations, f"axe on {path} ({name}):\n{describe(violations)}"


def test_cancel_form_with_errors_passes_axe(browser_context, live_server, login_as, practice, bob):
    booking = book_session(bob, practice["coach"], practice["session"], at(4, 10))
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    login_as(context, bob)
    page = context.new_page()
    page.goto(f"{live_server.url}/sessions/{booking.public_id}/cancel/")
    page.get_by_label("Reason").select_option("other")
    page.get_by_role("button", name="Cancel the session").click()
    expect(page.locator("#id_message_error")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    violations = axe_violations(page)
    assert not violations, describe(violations)
    # The field in error is announced as such and tied to its message.
    message = page.get_by_label("Message")
    expect(message).to_have_attribute("aria-invalid", "true")
    expect(message).to_have_attribute("aria-describedby", re.compile("id_message_error"))


def test_the_sessions_list_loads_more_with_the_keyboard(
    browser_context, live_server, login_as, practice, bob
):
    for day in range(2, 25):
        book_session(bob, practice["coach"], practice["session"], at(day, 9))
    context = browser_context(timezone_id="America/New_York")
    login_as(context, bob)
    page = context.new_page()
    page.goto(f"{live_server.url}/sessions/")
    rows = page.locator("#session-list > li")
    expect(rows).to_have_count(20)
    more = page.get_by_role("link", name="Load more sessions")
    more.focus()
    assert outline_of(page) != "none"
    page.keyboard.press("Enter")
    expect(rows).to_have_count(23)
    expect(rows.nth(20).get_by_role("link")).to_be_focused()
    expect(page.get_by_role("link", name="Load more sessions")).to_have_count(0)
    expect(page.locator("#live-status")).to_contain_text("3 more sessions loaded")
