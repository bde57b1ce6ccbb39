"""The public coach pages in real Chromium: search and filter the directory, open a coach,
page through weeks, switch zones, keyboard use, small screens, and use without JavaScript.

Elements are found by label, role and visible text; times are checked against zoneinfo.
"""

import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

from conftest import make_user
from tandem.availability import services as availability
from tandem.availability.tests.conftest import add_weekly
from tandem.coaches import services
from tandem.coaches.models import CoachProfile, SessionType
from tandem.coaches.tests.conftest import make_coach

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BERLIN = ZoneInfo("Europe/Berlin")


@pytest.fixture
def practice(alice, lists):
    """Alice (Berlin, leadership, weekdays 09:00-17:00) and Dora (Madrid, career)."""
    alice_coach = make_coach(
        alice,
        headline="Leadership coach",
        bio="I help new managers find their feet.",
        specialties=("leadership",),
        languages=("en", "de"),
        prices=("80",),
    )
    services.session_type_create(
        coach=alice_coach, name="Long session", duration_minutes=90, price=Decimal("150")
    )
    dora = make_user("dora@example.com", name="Dora Diaz", zone="Europe/Madrid")
    dora_coach = make_coach(dora, headline="Career coach", specialties=("career",), prices=("50",))
    for coach in (alice_coach, dora_coach):
        for day in range(5):
            add_weekly(coach, day, "09:00", "17:00")
    availability.refresh_next_available([alice_coach.pk, dora_coach.pk])
    return {"alice": alice_coach, "dora": dora_coach}


def cards(page: Page):
    return page.locator("#coach-list .coach-link")


def slot_at(page: Page, instant: datetime, zone: str):
    """The slot for `instant`, looked for in its local day's column, by its local time."""
    local = instant.astimezone(ZoneInfo(zone))
    column = page.locator(f"#day-{local.date().isoformat()}").locator("xpath=..")
    return column.locator("time", has_text=re.compile(rf"^{local:%H:%M}$"))


def week_start_shown(page: Page) -> date:
    hidden = page.locator('#picker-form input[name="week"]')
    return date.fromisoformat(hidden.input_value())


def test_search_filter_open_a_coach_page_weeks_and_switch_zones(
    browser_context, live_server, practice
):
    base = live_server.url
    page = browser_context(timezone_id="Asia/Tokyo").new_page()
    page.goto(f"{base}/coaches/")

    # The browser's zone is picked up (and kept in the address).
    results = page.locator("#directory-results")
    expect(results).to_contain_text("Times in Asia/Tokyo")
    expect(page).to_have_url(re.compile(r"tz=Asia%2FTokyo"))
    expect(cards(page)).to_have_count(2)

    # Search: the results region is swapped and the address follows.
    page.get_by_label("Search", exact=True).fill("leadership")
    page.get_by_role("button", name="Show coaches").click()
    expect(cards(page)).to_have_count(1)
    expect(cards(page).first).to_have_text("Alice Adler")
    expect(page).to_have_url(re.compile(r"q=leadership"))
    expect(page.locator("#live-status")).to_contain_text("1 coach shown")

    # A filter applies by itself when changed.
    page.get_by_label("Search", exact=True).fill("")
    page.get_by_label("Specialty").select_option(label="Career")
    expect(cards(page)).to_have_count(1)
    expect(cards(page).first).to_have_text("Dora Diaz")
    expect(page).to_have_url(re.compile(r"specialty=career"))

    # Nobody matches: the empty state says what to do.
    page.get_by_label("Language").select_option(label="French")
    expect(results).to_contain_text("No coaches match these filters")
    expect(results.get_by_role("link", name="Clear all filters")).to_be_visible()

    # Back: the earlier results come back.
    page.go_back()
    expect(cards(page).first).to_have_text("Dora Diaz")

    # Open Alice's page from the directory (the zone comes along).
    page.goto(f"{base}/coaches/?tz=Asia/Tokyo")
    page.get_by_role("link", name="Alice Adler", exact=True).click()
    expect(page).to_have_url(re.compile(r"/c/alice-adler/\?tz=Asia"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Alice Adler")
    picker = page.locator("#slot-picker")
    expect(picker).to_contain_text("Times in Asia/Tokyo")
    expect(page.get_by_label("Time zone", exact=True)).to_have_value("Asia/Tokyo")

    # Next week: only the picker is swapped; focus stays on the button.
    first_week = week_start_shown(page)
    page.get_by_role("link", name="Next week").click()
    expect(page.locator('#picker-form input[name="week"]')).to_have_value(
        (first_week + timedelta(days=7)).isoformat()
    )
    expect(page).to_have_url(re.compile(r"week=" + (first_week + timedelta(days=7)).isoformat()))
    assert page.evaluate("document.activeElement.id") == "week-next"
    expect(page.get_by_role("heading", level=1)).to_have_text("Alice Adler")

    # Wednesday 09:00 in Berlin, shown on its day in Tokyo, then in New York.
    week = week_start_shown(page)
    wednesday = next(
        week + timedelta(days=i) for i in range(7) if (week + timedelta(days=i)).weekday() == 2
    )
    instant = datetime.combine(wednesday, time(9), tzinfo=BERLIN)
    expect(slot_at(page, instant, "Asia/Tokyo")).to_have_count(1)
    tokyo_times = page.locator("#slot-picker time").all_inner_texts()
    zone_select = page.get_by_label("Time zone", exact=True)
    zone_select.focus()
    zone_select.select_option("America/New_York")
    expect(picker).to_contain_text("Times in America/New_York")
    expect(slot_at(page, instant, "America/New_York")).to_have_count(1)
    assert page.locator("#slot-picker time").all_inner_texts() != tokyo_times
    expect(page).to_have_url(re.compile(r"tz=America%2FNew_York"))
    assert page.evaluate("document.activeElement.id") == "picker-tz"

    # Another session type: the picker says which, and the session list marks it.
    page.get_by_role("link", name="See times for Long session").click()
    expect(page.get_by_label("Session", exact=True)).to_have_value(
        str(SessionType.objects.get(coach=practice["alice"], name="Long session").public_id)
    )
    expect(page.locator("#session-types [aria-current='true']")).to_contain_text(
        "Showing its times"
    )
    expect(page.locator("#picker-title")).to_be_focused()


def test_slots_lead_into_the_booking_wizard(browser_context, live_server, practice):
    page = browser_context(timezone_id="Europe/Berlin").new_page()
    url = f"{live_server.url}/c/alice-adler/?tz=Europe/Berlin"
    page.goto(url)
    page.get_by_role("link", name="Next week").click()
    expect(page).to_have_url(re.compile(r"week="))
    slot = page.locator("a.picker-slot").first
    expect(slot).to_have_attribute("href", re.compile(r"^/book/alice-adler/\?.*start="))
    # The keyboard reaches it, with a visible focus; Enter follows it (signed out: sign in
    # first, then back to the wizard).
    page.locator("#picker-tz").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('picker-slot')"):
            break
    else:
        raise AssertionError("Tab from the zone switcher never reaches a slot")
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/book/alice-adler/%3F.*start%3D"))


def test_keyboard_reaches_search_filters_and_slots(browser_context, live_server, practice):
    page = browser_context(timezone_id="UTC").new_page()
    page.goto(f"{live_server.url}/coaches/?tz=UTC")
    seen = set()
    for _ in range(40):
        page.keyboard.press("Tab")
        seen.add(page.evaluate("document.activeElement.name || document.activeElement.id"))
        if {"q", "specialty", "language", "sort"} <= seen:
            break
    assert {"q", "specialty", "language", "sort"} <= seen, seen

    page.goto(f"{live_server.url}/c/alice-adler/?tz=UTC")
    page.locator("#picker-tz").focus()
    for _ in range(20):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('picker-slot')"):
            break
    else:
        raise AssertionError("Tab from the zone switcher never reaches a slot")


def test_load_more_appends_the_next_page(browser_context, live_server, lists):
    for n in range(22):
        user = make_user(f"coach{n}@example.com", name=f"Coach {n:02d}")
        make_coach(user, prices=(str(10 + n),))
    page = browser_context(timezone_id="UTC").new_page()
    page.goto(f"{live_server.url}/coaches/?sort=price&tz=UTC")
    expect(cards(page)).to_have_count(20)
    page.get_by_role("link", name="Load more coaches").click()
    expect(cards(page)).to_have_count(22)
    expect(cards(page).nth(20)).to_be_focused()
    expect(page.get_by_role("link", name="Load more coaches")).to_have_count(0)
    expect(page.locator("#live-status")).to_contain_text("2 more coaches loaded")
    # Loading more does not change the address.
    assert "cursor" not in page.url


def test_directory_and_picker_work_without_javascript(browser_context, live_server, practice):
    page = browser_context(java_script_enabled=False).new_page()
    page.goto(f"{live_server.url}/coaches/")
    expect(page.locator("#directory-results")).to_contain_text("Times in UTC")
    page.get_by_label("Search", exact=True).fill("career")
    with page.expect_navigation():
        page.get_by_role("button", name="Show coaches").click()
    expect(cards(page)).to_have_count(1)
    expect(cards(page).first).to_have_text("Dora Diaz")

    page.goto(f"{live_server.url}/c/alice-adler/")
    page.get_by_label("Time zone", exact=True).select_option("Asia/Tokyo")
    with page.expect_navigation():
        page.get_by_role("button", name="Show times").click()
    expect(page.locator("#slot-picker")).to_contain_text("Times in Asia/Tokyo")
    with page.expect_navigation():
        page.get_by_role("link", name="Next week").click()
    assert "week=" in page.url


@pytest.mark.parametrize("path", ["/coaches/", "/coaches/?q=nobody", "/c/alice-adler/"])
def test_no_horizontal_scroll_at_360px(browser_context, live_server, practice, path):
    page = browser_context(
        viewport={"width": 360, "height": 740}, timezone_id="Asia/Kolkata"
    ).new_page()
    response = page.goto(f"{live_server.url}{path}")
    assert response is not None and response.ok
    # Wait for the zone detection to settle, then measure.
    expect(page).to_have_url(re.compile(r"tz=Asia%2FKolkata"))
    if path.startswith("/c/"):
        page.get_by_role("link", name="Next week").click()
        expect(page).to_have_url(re.compile(r"week="))
    widths = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.body.scrollWidth]"
    )
    assert max(widths) <= 360, f"{path} scrolls sideways at 360 px: scrollWidth {widths}"


def test_unlisted_coach_is_not_found(browser_context, live_server, practice):
    CoachProfile.objects.filter(pk=practice["dora"].pk).update(is_active=False)
    page = browser_context().new_page()
    response = page.goto(f"{live_server.url}/c/dora-diaz/")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
