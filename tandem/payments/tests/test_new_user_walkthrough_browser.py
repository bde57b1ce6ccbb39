"""Issue 14's "Done when" walk, in real Chromium against the real ASGI app, as a new user
would do it, asserting what each page says:

1. Bob books Alice's 120.00 EUR session through her page's slot picker and the wizard: the
   session page says when, and that an invoice of 120.00 EUR is open; so does /payments/.
2. Bob books a 45.00 EUR "Quick call" through Book now and Alice accepts on her open page:
   that booking is paid for too (an open invoice of 45.00 EUR), which Alice then marks paid.
3. Bob cancels the unpaid 120.00 EUR session: the cancel page and /payments/ say the invoice
   is voided, nothing to pay; never "a full refund" or "Refunded".
4. Bob books a second 120.00 EUR session, Alice marks it paid (with the confirmation step),
   Bob cancels it in the free window: the page says 120.00 EUR comes back; /payments/ says
   "Refunded 120.00 EUR".
5. Alice opens /coach/earnings/ after a payout run: every figure fits the ledger identities
   (gross - fees - refunds = net = paid out + in progress + pending) with this history's
   numbers, nothing negative, no month before her first earning.

Every page is photographed at 360 px and 1280 px wide (into $TANDEM_SHOTS_DIR when set, else
the test's tmp dir) and must not scroll sideways at 360 px.

No fixed hour of the day: Alice is open around the clock; the wizard's times come from the
picker's own "Next week" (six days ahead at least, far inside the 24 h free-cancellation
window); the Quick call's 20-minute notice puts Book now's slot 20-50 minutes ahead, so its
short-notice grace never runs out during the test.
"""

# ruff: noqa: F811 (the imported fixtures are test arguments)

from __future__ import annotations

import os
import re
import time
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from tandem.availability.models import WeeklyInterval
from tandem.booking.models import Booking
from tandem.booking.tests.conftest import make_type
from tandem.coaches.models import CoachProfile, SessionType, Specialty
from tandem.payments.models import Account, LedgerEntry, Payment
from tandem.payments.payouts.services import payout_create_for
from tandem.realtime.presence import presence_of

# The real-time package's ASGI server fixtures, used here by name (hence F811 above).
from tandem.realtime.tests.conftest import (  # noqa: F401
    AsgiServer,
    asgi_login,
    asgi_server,
    serve_asgi,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_YORK = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
WIDE = {"width": 1280, "height": 900}
WIDTHS = "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
FITS = "() => Math.max(document.documentElement.scrollWidth, document.body.scrollWidth) <= 360"
MONEY = re.compile(r"^(?P<minus>[−-])?\s*(?P<n>\d[\d,]*\.\d\d) EUR$")


@pytest.fixture
def practice(alice, settings):
    """Alice (Berlin, leadership), open around the clock, with a 120.00 EUR hour and a
    45.00 EUR half-hour "Quick call" that Book now can offer (20 minutes' notice); the
    platform keeps its default 10 % fee, whatever the environment says."""
    settings.TANDEM_PLATFORM_FEE_BP = 1000
    leadership = Specialty.objects.get_or_create(
        slug="leadership", defaults={"name": "Leadership"}
    )[0]
    coach = CoachProfile.objects.create(
        user=alice,
        slug="alice",
        headline="Leadership coach",
        timezone="Europe/Berlin",
        currency="EUR",
        is_verified=True,
    )
    coach.specialties.add(leadership)
    for weekday in range(7):
        WeeklyInterval.objects.create(coach=coach, weekday=weekday, start_minute=0, end_minute=1440)
    session = make_type(coach, name="Coaching session", price=Decimal("120.00"))
    quick = make_type(
        coach,
        name="Quick call",
        duration_minutes=30,
        price=Decimal("45.00"),
        min_notice_minutes=20,
    )
    return {"coach": coach, "session": session, "quick": quick}


class Looks:
    """Screenshots of each page at 360 and 1280 px, and the pages that scroll sideways."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self.count = 0
        self.overflowing: list[str] = []

    def __call__(self, page: Page, name: str) -> None:
        self.count += 1
        stem = f"{self.count:02d}-{name}"
        page.set_viewport_size({"width": 360, "height": 800})
        try:  # a wait: what sizes itself by script (the chart) follows the resize in a frame
            page.wait_for_function(FITS, timeout=3_000)
        except PlaywrightTimeoutError:
            self.overflowing.append(f"{stem}: {page.evaluate(WIDTHS)}")
        page.screenshot(path=str(self.directory / f"{stem}-360.png"), full_page=True)
        page.set_viewport_size(WIDE)
        page.screenshot(path=str(self.directory / f"{stem}-1280.png"), full_page=True)


@pytest.fixture
def looks(tmp_path) -> Looks:
    return Looks(Path(os.environ.get("TANDEM_SHOTS_DIR") or tmp_path / "shots"))


def signed_in(browser_context, server: AsgiServer, login, user, zone: str):
    context = browser_context(viewport=WIDE, timezone_id=zone)
    login(context, server, user)
    return context


def wait_online(user) -> None:
    deadline = time.monotonic() + 10  # a deadline for the socket's presence, not a timing test
    while presence_of([user.pk])[user.pk].state != "online":
        assert time.monotonic() < deadline, f"{user} never came online"
        time.sleep(0.05)


def figure(text: str) -> Decimal:
    """The amount of '1,234.50 EUR' (or of '- 4.50 EUR': the page puts a minus sign,
    U+2212, before a deduction)."""
    found = MONEY.match(text.strip())
    assert found, f"not an amount in EUR: {text!r}"
    return Decimal(found["n"].replace(",", ""))


def month_labels(first: datetime, last: datetime) -> list[str]:
    """'Dec 2026' for each month from `first`'s to `last`'s, newest first."""
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    months = [first.year * 12 + first.month - 1 + i for i in range(count)]
    return [f"{datetime(m // 12, m % 12 + 1, 1):%b %Y}" for m in reversed(months)]


def book_through_the_wizard(page: Page, base: str, looks: Looks | None) -> Booking:
    """Bob on Alice's page: the 120.00 EUR session, next week's first time, held, booked."""
    page.goto(f"{base}/c/alice/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alice Adler")
    picker = page.locator("#slot-picker")
    expect(picker).to_contain_text("Times in America/New_York")
    session_id = str(SessionType.objects.get(name="Coaching session").public_id)
    choice = page.get_by_label("Session", exact=True)
    expect(choice.locator(f"option[value='{session_id}']")).to_have_text(
        re.compile(r"^Coaching session · 60 min · 120\.00 EUR$")
    )
    choice.select_option(session_id)
    expect(picker.locator("#week-next")).to_have_attribute(
        "href", re.compile(f"session_type={session_id}")
    )
    week = picker.locator("#week-label").inner_text()
    picker.locator("#week-next").click()  # six days ahead at least, whatever the hour now
    expect(picker.locator("#week-label")).not_to_have_text(week)
    slot = picker.locator("a.picker-slot").first
    start = datetime.fromisoformat(slot.get_attribute("data-slot") or "")
    if looks:
        looks(page, "coach-page-slot-picker")
    slot.click()

    local = start.astimezone(NEW_YORK)
    when = f"{local:%A} {local.day} {local:%B %Y}, {local:%H:%M}"
    chosen = page.get_by_role("region", name="Your chosen time")
    expect(chosen).to_contain_text(when)
    chosen.get_by_role("button", name="Hold this time").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Review and confirm")
    expect(page.locator("main")).to_contain_text(when)
    payment_box = page.get_by_role("group", name="Payment")
    expect(payment_box).to_contain_text("Price: 120.00 EUR")
    expect(payment_box).to_contain_text("You’ll receive an invoice; pay Alice Adler as agreed.")
    if looks:
        looks(page, "wizard-review")
    page.get_by_role("button", name="Book session").click()

    expect(page).to_have_url(re.compile(r"/sessions/[0-9a-f-]{36}/$"))
    booking = Booking.objects.get(public_id=page.url.rstrip("/").rsplit("/", 1)[1])
    assert booking.start == start and booking.session_type.name == "Coaching session"
    # The confirmation says what is true: the time in Bob's zone, an open 120.00 EUR invoice.
    expect(page.locator(".messages")).to_contain_text(
        "You’ll receive an invoice; pay Alice Adler as agreed."
    )
    main = page.locator("main")
    expect(main).to_contain_text(f"{when}–{booking.end.astimezone(NEW_YORK):%H:%M}")
    expect(main).to_contain_text("(America/New_York)")
    panel = page.get_by_role("region", name="Payment")
    expect(panel).to_contain_text("120.00 EUR")
    expect(panel).to_contain_text("Invoice open")
    expect(panel.get_by_role("link", name=re.compile(r"Invoice ALICE-\d+ \(PDF\)"))).to_be_visible()
    return booking


def payment_row(page: Page, what: str, booking: Booking):
    """The /payments/ row of this booking's payment: its description, date (as Bob sees it)
    and document link (two payments can share a minute)."""
    payment = Payment.objects.get(booking=booking)
    at = timezone.localtime(payment.created_at, NEW_YORK)
    document = reverse("payment_document", args=[payment.invoice.public_id])
    return (
        page.locator(".payment-row")
        .filter(has_text=what)
        .filter(has_text=f"{at.day} {at:%b %Y}, {at:%H:%M}")
        .filter(has=page.locator(f"a[href='{document}']"))
    )


def mark_paid(page: Page, base: str, booking: Booking, amount: str, looks: Looks) -> None:
    """Alice marks the session's invoice paid, through the confirmation step."""
    page.goto(f"{base}/sessions/{booking.public_id}/")
    panel = page.get_by_role("region", name="Payment")
    expect(panel).to_contain_text("Invoice open")
    panel.get_by_role("button", name="Mark invoice paid").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mark the invoice paid?")
    expect(page.locator("main")).to_contain_text(f"You are recording that {amount} was received")
    assert Payment.objects.get(booking=booking).status == Payment.Status.AWAITING_INVOICE
    looks(page, f"alice-mark-paid-{booking.session_type.name.lower().replace(' ', '-')}")
    page.get_by_role("button", name="Yes, mark the invoice paid").click()
    expect(page.locator(".messages")).to_contain_text("Invoice marked paid.")
    expect(page.get_by_role("region", name="Payment")).to_contain_text("Paid")
    assert Payment.objects.get(booking=booking).status == Payment.Status.SUCCEEDED


def cancel(page: Page, base: str, booking: Booking) -> None:
    page.goto(f"{base}/sessions/{booking.public_id}/")
    page.get_by_role("link", name="Cancel session").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cancel your session")
    expect(page.locator("main")).to_contain_text("Free cancellation until")
    expect(page.locator("main")).not_to_contain_text("late cancellation")


def test_a_new_user_books_cancels_and_the_coach_reads_her_earnings(
    browser_context, asgi_server, asgi_login, alice, bob, practice, looks
):
    base = asgi_server.url
    bob_context = signed_in(browser_context, asgi_server, asgi_login, bob, "America/New_York")
    alice_context = signed_in(browser_context, asgi_server, asgi_login, alice, "Europe/Berlin")
    page = bob_context.new_page()

    # --- 1. The wizard, from Alice's page: 120.00 EUR by invoice. -----------------------------
    unpaid = book_through_the_wizard(page, base, looks)
    looks(page, "wizard-booked-session")
    page.goto(f"{base}/payments/")
    row = payment_row(page, "Coaching session with Alice Adler", unpaid)
    expect(row).to_have_count(1)
    expect(row.locator("[data-label='Amount']")).to_have_text("120.00 EUR")
    expect(row.locator("[data-label='Status']")).to_have_text("Invoice open")
    expect(row.locator("[data-label='Document']")).to_contain_text("Invoice ALICE-")
    looks(page, "payments-after-wizard")

    # --- 2. Book now: Alice's open page gets the offer and accepts; 45.00 EUR is invoiced. ----
    alice_page = alice_context.new_page()
    alice_page.goto(f"{base}/dashboard/")
    expect(alice_page.locator("[data-realtime-status]")).to_have_attribute(
        "data-state", "live", timeout=30_000
    )
    wait_online(alice)
    page.goto(f"{base}/dashboard/")
    page.locator("main").get_by_role("link", name="Book now").click()
    page.get_by_label("What would you like to work on?").select_option("leadership")
    page.get_by_label("Session length").select_option("30")
    page.get_by_label("Start within (minutes)").fill("60")
    looks(page, "book-now-form")
    page.get_by_role("button", name="Find a coach now").click()
    status = page.locator("[data-dispatch-status]")
    expect(status).to_contain_text("Asking coach 1 of 1")

    alert = alice_page.locator(".dispatch-alert")
    expect(alert).to_have_count(1, timeout=10_000)
    expect(alert).to_contain_text("Leadership · 30 minutes with Bob Brown")
    looks(alice_page, "alice-book-now-offer")
    alert.get_by_role("button", name="Accept").click()
    expect(alert).to_contain_text("Accepted: the session is booked.")

    expect(status).to_contain_text("Booked", timeout=10_000)
    looks(page, "book-now-booked")
    status.get_by_role("link", name="Open your session").click()
    expect(page).to_have_url(re.compile(r"/sessions/[0-9a-f-]{36}/$"))
    quick = Booking.objects.get(public_id=page.url.rstrip("/").rsplit("/", 1)[1])
    assert quick.session_type.name == "Quick call" and quick.start > timezone.now()
    # This was the bug: Book now gave the session away. It is invoiced like any other.
    panel = page.get_by_role("region", name="Payment")
    expect(panel).to_contain_text("45.00 EUR")
    expect(panel).to_contain_text("Invoice open")
    local = quick.start.astimezone(NEW_YORK)
    expect(page.locator("main")).to_contain_text(f"{local.day} {local:%B %Y}, {local:%H:%M}")
    looks(page, "book-now-session")
    page.goto(f"{base}/payments/")
    row = payment_row(page, "Quick call with Alice Adler", quick)
    expect(row).to_have_count(1)
    expect(row.locator("[data-label='Amount']")).to_have_text("45.00 EUR")
    expect(row.locator("[data-label='Status']")).to_have_text("Invoice open")
    # Alice records the Quick call's payment; it stays booked (her earnings, step 5).
    mark_paid(alice_page, base, quick, "45.00 EUR", looks)

    # --- 3. Cancelling the unpaid session: the invoice is voided, nothing is refunded. ---------
    cancel(page, base, unpaid)
    preview = page.locator("#refund-preview")
    expect(preview).to_contain_text("Nothing to pay: the unpaid invoice is voided")
    expect(preview).to_contain_text("120.00 EUR of it is voided")
    expect(preview).not_to_contain_text("get back")
    expect(preview).not_to_contain_text(re.compile("full refund", re.I))
    looks(page, "cancel-unpaid")
    page.get_by_label("Reason").select_option("schedule_conflict")
    page.get_by_role("button", name="Cancel the session").click()
    expect(page.locator(".messages")).to_contain_text(
        "Session cancelled. Alice Adler has been told."
    )
    looks(page, "cancelled-unpaid")
    page.get_by_role("link", name="View the cancelled session").click()
    panel = page.get_by_role("region", name="Payment")
    expect(panel).to_contain_text("Voided — nothing to pay")
    expect(panel).to_contain_text("120.00 EUR of the unpaid invoice")
    expect(panel).not_to_contain_text("Refunds")
    voided = Payment.objects.get(booking=unpaid)
    assert voided.status == Payment.Status.VOIDED
    assert (voided.refunded, voided.voided) == (0, 12000) and not voided.refunds.exists()
    page.goto(f"{base}/payments/")
    row = payment_row(page, "Coaching session with Alice Adler", unpaid)
    expect(row.locator("[data-label='For']")).to_contain_text(
        "Voided 120.00 EUR of the unpaid invoice"
    )
    expect(row.locator("[data-label='Status']")).to_have_text("Voided — nothing to pay")
    expect(row).not_to_contain_text("Refunded")
    looks(page, "payments-after-void")

    # --- 4. A paid session cancelled in the free window: 120.00 EUR goes back. -----------------
    paid = book_through_the_wizard(page, base, None)
    mark_paid(alice_page, base, paid, "120.00 EUR", looks)
    cancel(page, base, paid)
    preview = page.locator("#refund-preview")
    expect(preview).to_contain_text("Full refund")
    expect(preview).to_contain_text("You’ll get back 120.00 EUR: a full refund.")
    expect(preview).not_to_contain_text("voided")
    looks(page, "cancel-paid")
    page.get_by_label("Reason").select_option("schedule_conflict")
    page.get_by_role("button", name="Cancel the session").click()
    expect(page.locator(".messages")).to_contain_text("Session cancelled.")
    page.goto(f"{base}/payments/")
    row = payment_row(page, "Coaching session with Alice Adler", paid)
    expect(row.locator("[data-label='For']")).to_contain_text("Refunded 120.00 EUR")
    expect(row.locator("[data-label='Status']")).to_have_text("Refunded")
    expect(row).not_to_contain_text("Voided")
    quick_row = payment_row(page, "Quick call with Alice Adler", quick)
    expect(quick_row.locator("[data-label='Status']")).to_have_text("Paid")
    looks(page, "payments-after-refund")

    # --- 5. Alice's earnings, after a payout run up to now (staff's job). ----------------------
    coach = practice["coach"]
    [payout] = payout_create_for(coach, period_end=timezone.now())
    # Only the Quick call is still earned: 45.00 less the 10 % fee.
    assert (payout.amount, payout.currency) == (4050, "EUR")
    alice_page.goto(f"{base}/coach/earnings/")
    expect(alice_page.get_by_role("heading", level=1)).to_have_text("Earnings")
    card = alice_page.locator("[data-totals='EUR']")
    expect(card).to_have_count(1)
    shown = {
        name: card.locator(f"[data-figure='{name}']").inner_text()
        for name in ("gross", "fees", "refunds", "net", "paid_out", "in_progress", "pending")
    }
    values = {name: figure(text) for name, text in shown.items()}
    # Charged 120 + 45 + 120, of which 120 voided (an unpaid invoice: never refunded);
    # the fee kept is the Quick call's 4.50 (the refunded session's came back with it).
    assert values == {
        "gross": Decimal("165.00"),
        "fees": Decimal("4.50"),
        "refunds": Decimal("120.00"),
        "net": Decimal("40.50"),
        "paid_out": Decimal("0.00"),
        "in_progress": Decimal("40.50"),
        "pending": Decimal("0.00"),
    }, shown
    assert values["gross"] - values["fees"] - values["refunds"] == values["net"]
    assert values["net"] == values["paid_out"] + values["in_progress"] + values["pending"]
    # Deductions are shown as such; nothing else carries a minus.
    assert shown["fees"].startswith("−") and shown["refunds"].startswith("−")
    for name in ("gross", "net", "paid_out", "in_progress", "pending"):
        assert not MONEY.match(shown[name])["minus"], shown
    expect(card).to_contain_text("Pending (not yet in a payout)")
    expect(card).not_to_contain_text("Owed back")
    expect(card.locator("[data-figure='awaiting_client']")).to_have_count(0)  # no open invoice

    # The month rows: from the month of her first earning (none before it) to this one, and
    # together they make the totals.
    first = (
        LedgerEntry.objects.filter(account__kind=Account.Kind.COACH_PAYABLE, account__coach=coach)
        .earliest("created_at")
        .created_at.astimezone(BERLIN)
    )
    today = timezone.now().astimezone(BERLIN)
    expected_labels = month_labels(first, today)
    table = alice_page.locator("#earnings-table")
    expect(table.locator("tbody th[scope='row']")).to_have_text(expected_labels)
    for name in ("gross", "fees", "refunds", "net"):
        cells = table.locator(f"tbody td[data-label='{name.capitalize()}']").all_inner_texts()
        assert sum(figure(c) for c in cells) == values[name], (name, cells)
    payouts = alice_page.get_by_role("region", name="Payouts table (scrolls sideways)")
    expect(payouts).to_contain_text("40.50 EUR")
    expect(payouts).to_contain_text("To be paid")
    looks(alice_page, "alice-earnings")

    assert not looks.overflowing, f"pages scroll sideways at 360 px: {looks.overflowing}"
