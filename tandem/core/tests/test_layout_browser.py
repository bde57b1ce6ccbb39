"""Layout in real Chromium (issue 14): on the demo practice, every page fits a 360 px phone
for every role (no sideways scroll; tables become stacked cards), and the main navigation
never wraps from 360 to 1920 px (one line per item, one row, or the menu button)."""

from __future__ import annotations

import io
import re

import pytest
from django.core.management import call_command
from django.urls import reverse
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, expect

from tandem.accounts.models import User
from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile, SessionType
from tandem.messaging.models import Conversation
from tandem.orgs.models import Membership, Organisation, Participant, Programme
from tandem.payments.models import GiftCard, PackageOffer, PackagePurchase, Payment

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Role -> the demo account that plays it (demo/management/commands/seed_demo.py).
ACCOUNTS = {
    "client": "bob@tandem.local",
    "coach": "alice@tandem.local",
    "staff": "staff@tandem.local",
    "org admin": "olivia@tandem.local",
}

# Pages every signed-in user has (URL names from tandem/urls.py and each app's urls).
MEMBER_PAGES = [
    "dashboard",
    "settings_profile",
    "settings_tokens",
    "settings_calendar",
    "settings_notifications",
    "settings_coach",
    "sessions",
    "messages",
    "notifications",
    "payment_history",
    "my_packages",
    "gift_cards",
    "coach_directory",
    "book_now",
    "account_email",
    "account_change_password",
    "mfa_index",
]
COACH_PAGES = [
    "coach_profile",
    "coach_policy",
    "coach_session_types",
    "coach_session_type_new",
    "coach_availability",
    "coach_packages",
    "coach_package_new",
    "coach_earnings",
    "coach_reminders",
    "book_now_offers",
]
STAFF_PAGES = [
    "staff_coach_applications",
    "staff_payments",
    "staff_payouts",
    "staff_gift_cards",
    "staff_organisations",
]
ORG_ADMIN_PAGES = ["orgs_home"]
ANONYMOUS_PAGES = [
    "landing",
    "coach_directory",
    "account_login",
    "account_signup",
    "account_reset_password",
]
ROLE_PAGES = {
    "client": MEMBER_PAGES,
    "coach": MEMBER_PAGES + COACH_PAGES,
    "staff": MEMBER_PAGES + STAFF_PAGES,
    "org admin": MEMBER_PAGES + ORG_ADMIN_PAGES,
}

OVERFLOW = """() => {
  const root = document.scrollingElement;
  const wide = [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > root.clientWidth + 1 && el.offsetParent)
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className);
  // Content cut off inside a sideways-scrolling box (a .table-responsive) counts too.
  const cut = [...document.querySelectorAll("main *")]
    .filter((el) => el.offsetParent && el.scrollWidth > el.clientWidth + 1
      && ["auto", "scroll"].includes(getComputedStyle(el).overflowX))
    .slice(0, 5)
    .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + el.className);
  return {scroll: root.scrollWidth, client: root.clientWidth, wide, cut};
}"""


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())
    return {role: User.objects.get(email=email) for role, email in ACCOUNTS.items()}


def pages_with_ids(user: User) -> list[str]:
    """Pages about one thing (a session, a conversation...), from the demo's own rows."""
    urls: list[str] = []
    booking = (
        Booking.objects.filter(client=user).order_by("-start").first()
        or Booking.objects.filter(coach__user=user).order_by("-start").first()
    )
    if booking is not None:
        for name in ("session_detail", "session_cancel", "session_reschedule"):
            urls.append(reverse(name, kwargs={"booking_id": booking.public_id}))
    conversation = Conversation.objects.filter(participants__user=user).first()
    if conversation is not None:
        urls.append(reverse("messages_conversation", args=[conversation.public_id]))
    card = (
        GiftCard.objects.filter(purchaser=user).first()
        or GiftCard.objects.filter(holder=user).first()
    )
    if card is not None:
        urls.append(reverse("gift_card_detail", args=[card.public_id]))
    purchase = PackagePurchase.objects.filter(client=user).first()
    if purchase is not None:
        urls.append(reverse("package_purchase", args=[purchase.public_id]))
    coach = CoachProfile.objects.filter(user=user).first()
    if coach is not None:
        session_type = SessionType.objects.filter(coach=coach).first()
        if session_type is not None:
            urls.append(reverse("coach_session_type_edit", args=[session_type.public_id]))
        offer = PackageOffer.objects.filter(coach=coach).first()
        if offer is not None:
            urls.append(reverse("coach_package_edit", args=[offer.public_id]))
    if user.is_staff:
        payment = Payment.objects.first()
        if payment is not None:
            urls.append(reverse("staff_payment", args=[payment.public_id]))
    urls += org_pages(user)
    listed = CoachProfile.objects.filter(is_verified=True, is_active=True).first()
    if listed is not None:
        urls.append(reverse("coach_public", args=[listed.slug]))
        urls.append(reverse("book", args=[listed.slug]))
    return urls


# An organisation admin's pages about one programme (URL names from tandem/orgs).
PROGRAMME_PAGES = (
    "orgs_programme_dashboard",
    "orgs_roi",
    "orgs_programme_settings",
    "orgs_participants",
    "orgs_import",
    "orgs_budget",
    "orgs_exports",
)


def org_pages(user: User) -> list[str]:
    """An organisation admin's organisation and programme pages; a participant's seat pages."""
    urls: list[str] = []
    admin_of = Organisation.objects.filter(
        memberships__user=user, memberships__role=Membership.Role.ADMIN
    )
    for org in admin_of:
        urls.append(reverse("orgs_organisation", args=[org.public_id]))
        urls.append(reverse("orgs_reminders", args=[org.public_id]))
        for programme in Programme.objects.filter(organisation=org):
            urls += [reverse(name, args=[programme.public_id]) for name in PROGRAMME_PAGES]
    seats = list(Participant.objects.filter(user=user))
    if seats:
        urls.append(reverse("orgs_my_programmes"))
    for seat in seats:
        for name in ("orgs_seat", "orgs_seat_coach", "orgs_seat_sponsor_view"):
            urls.append(reverse(name, args=[seat.public_id]))
    return urls


def assert_fits(page: Page, url: str, problems: list[str]) -> None:
    try:
        response = page.goto(url)
    except PlaywrightError as exc:
        problems.append(f"{url}: {exc.message.splitlines()[0]}")
        return
    assert response is not None
    if response.status >= 400:
        problems.append(f"{url}: HTTP {response.status}")
        return
    found = page.evaluate(OVERFLOW)
    if found["scroll"] > found["client"]:
        problems.append(f"{url}: scrollWidth {found['scroll']} > {found['client']} {found['wide']}")
    if found["cut"]:
        problems.append(f"{url}: content cut off in a sideways-scrolling box {found['cut']}")


@pytest.mark.parametrize("role", [*ACCOUNTS, "anonymous"])
def test_every_page_fits_a_phone_for_every_role(browser_context, live_server, login_as, demo, role):
    context = browser_context(viewport={"width": 360, "height": 740})
    if role == "anonymous":
        urls = [reverse(name) for name in ANONYMOUS_PAGES]
        listed = CoachProfile.objects.filter(is_verified=True, is_active=True).first()
        urls.append(reverse("coach_public", args=[listed.slug]))
    else:
        user = demo[role]
        login_as(context, user)
        urls = [reverse(name) for name in ROLE_PAGES[role]] + pages_with_ids(user)
    page = context.new_page()
    problems: list[str] = []
    for path in urls:
        assert_fits(page, f"{live_server.url}{path}", problems)
    assert not problems, "\n".join(problems)


NAV_ITEM_LINES = """() => {
  // The connection status ("Live") sits beside the brand; it must not wrap either.
  const items = [...document.querySelectorAll(
    "#nav-main .nav-link, #nav-main .btn, nav.navbar [data-realtime-status]")]
    .filter((el) => el.offsetParent);
  const wrapped = items.filter((el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const rects = [...range.getClientRects()].filter((r) => r.width > 1 && r.height > 1);
    // One line: every box of the item's contents crosses one common horizontal line.
    const top = Math.max(...rects.map((r) => r.top));
    return rects.length > 1 && top >= Math.min(...rects.map((r) => r.bottom));
  }).map((el) => el.textContent.trim());
  const rows = new Set([...document.querySelectorAll("#nav-main > ul > li")]
    .filter((li) => li.offsetParent)
    .map((li) => Math.round(li.getBoundingClientRect().top + li.offsetHeight / 2)));
  return {count: items.length, wrapped, rows: rows.size};
}"""


def open_collapsed_menu(page: Page) -> None:
    """Open the menu button's menu and wait until Bootstrap's collapse has finished (while
    it animates, items are measured mid-way and clicks land on moving targets)."""
    page.locator(".navbar-toggler").click()
    menu = page.locator("#nav-main")
    expect(menu).to_have_class(re.compile(r"(^|\s)show(\s|$)"))
    expect(menu).not_to_have_class(re.compile(r"collapsing"))


@pytest.mark.parametrize("width", [360, 768, 1200, 1280, 1920])
def test_the_navigation_never_wraps(browser_context, live_server, login_as, demo, width):
    for role in [*ACCOUNTS, "anonymous"]:
        context = browser_context(viewport={"width": width, "height": 800})
        if role != "anonymous":
            login_as(context, demo[role])
        page = context.new_page()
        page.goto(f"{live_server.url}/dashboard/" if role != "anonymous" else live_server.url)
        toggler = page.locator(".navbar-toggler")
        if toggler.is_visible():
            # Collapsed into the menu button: open it; every item is then on one line.
            open_collapsed_menu(page)
            found = page.evaluate(NAV_ITEM_LINES)
            assert found["count"] and not found["wrapped"], (role, width, found)
        else:
            found = page.evaluate(NAV_ITEM_LINES)
            assert found["count"] and not found["wrapped"], (role, width, found)
            assert found["rows"] == 1, (role, width, found)
            nav_height = page.locator("nav.navbar").bounding_box()["height"]
            assert nav_height < 90, (role, width, nav_height)
            # …and fits: nothing pushes the page sideways (a coach has the most items).
            overflow = page.evaluate("document.documentElement.scrollWidth - innerWidth")
            assert overflow <= 0, (role, width, overflow)
        if role == "coach":
            # The coach's tools are one menu away.
            page.locator("#nav-coach").click()
            menu = page.locator('.dropdown-menu[aria-labelledby="nav-coach"]')
            expect(menu).to_be_visible()
            expect(menu.get_by_role("link", name="Availability")).to_be_visible()
            expect(menu.get_by_role("link", name="Earnings")).to_be_visible()
        context.close()
