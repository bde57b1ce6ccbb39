"""Coach and staff pages in real Chromium: the availability editor with its live preview,
driven by the keyboard, and the staff review queue.

Elements are found by role, label and button text, never by CSS class.
"""

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from tandem.accounts.models import CoachApplication
from tandem.availability.models import WeeklyInterval
from tandem.coaches import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def tab_to(page: Page, element_id: str, *, limit: int = 10) -> None:
    """Press Tab until the element has the focus (a time input has several stops)."""
    for _ in range(limit):
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_coach_edits_availability_with_the_keyboard_and_sees_the_live_preview(
    alice_coach, browser_context, live_server, login_as
):
    # She starts with no weekly hours (the fixture gives every coach some).
    WeeklyInterval.objects.filter(coach=alice_coach).delete()
    # A day two days from now (in Alice's zone) lies wholly inside the 7-day preview.
    session_type = alice_coach.session_types.get()
    services.session_type_update(
        coach=alice_coach, session_type_id=session_type.public_id, min_notice_minutes=0
    )
    local_today = timezone.now().astimezone(ZoneInfo(alice_coach.timezone)).date()
    day_index = (local_today + timedelta(days=2)).weekday()
    day = WEEKDAYS[day_index]

    context = browser_context(viewport={"width": 360, "height": 800})
    login_as(context, alice_coach.user)
    page = context.new_page()
    page.goto(f"{live_server.url}/coach/availability/")
    expect(page.get_by_role("heading", name="Availability", level=1)).to_be_visible()
    expect(page.locator("main")).to_contain_text(alice_coach.timezone)
    preview = page.locator("#preview-results")
    expect(preview).to_contain_text("0 start times")

    # Add hours with the keyboard: Enter on "Add hours on <day>" puts the focus in the new row.
    add = page.get_by_role("button", name=f"Add hours on {day}")
    add.focus()
    page.keyboard.press("Enter")
    start = page.get_by_label(f"{day}, hours 1: from")
    expect(start).to_be_focused()
    page.keyboard.type("1400")
    end = page.get_by_label(f"{day}, hours 1: until")
    tab_to(page, end.get_attribute("id"))
    page.keyboard.type("1600")
    expect(start).to_have_value("14:00")
    expect(end).to_have_value("16:00")

    # The live preview follows (unsaved): 60-minute sessions every 30 minutes, 14:00-16:00.
    expect(preview).to_contain_text("3 start times")
    expect(preview).to_contain_text("14:00")
    expect(preview).to_contain_text("15:00")
    assert not WeeklyInterval.objects.filter(coach=alice_coach).exists()

    # An overlapping second row: the preview says what is wrong instead of showing slots.
    page.get_by_role("button", name=f"Add hours on {day}").press("Enter")
    second_start = page.get_by_label(f"{day}, hours 2: from")
    expect(second_start).to_be_focused()
    page.keyboard.type("1500")
    tab_to(page, page.get_by_label(f"{day}, hours 2: until").get_attribute("id"))
    page.keyboard.type("1700")
    expect(preview).to_contain_text("Overlaps another interval")
    # Remove it again with the keyboard; the focus stays in the day's list.
    page.get_by_role("button", name=f"Remove {day}, hours 2").press("Enter")
    expect(page.get_by_label(f"{day}, hours 2: from")).to_have_count(0)
    expect(page.get_by_role("button", name=f"Remove {day}, hours 1")).to_be_focused()
    expect(preview).to_contain_text("3 start times")

    # Save with the keyboard.
    with page.expect_navigation():
        page.get_by_role("button", name="Save availability").press("Enter")
    expect(page.get_by_role("status").filter(has_text="Availability saved.")).to_be_visible()
    assert list(
        WeeklyInterval.objects.filter(coach=alice_coach).values_list(
            "weekday", "start_minute", "end_minute"
        )
    ) == [(day_index, 14 * 60, 16 * 60)]
    expect(page.get_by_label(f"{day}, hours 1: from")).to_have_value("14:00")
    expect(preview).to_contain_text("3 start times")
    # Nothing spills sideways on a 360 px screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_copy_monday_to_the_other_weekdays(alice_coach, browser_context, live_server, login_as):
    context = browser_context()
    login_as(context, alice_coach.user)
    page = context.new_page()
    page.goto(f"{live_server.url}/coach/availability/")
    page.get_by_role("button", name="Add hours on Monday").click()
    page.get_by_label("Monday, hours 1: from").fill("09:00")
    page.get_by_label("Monday, hours 1: until").fill("12:30")
    page.get_by_role("button", name=re.compile("Copy Monday")).click()
    for other in ("Tuesday", "Wednesday", "Thursday", "Friday"):
        expect(page.get_by_label(f"{other}, hours 1: from")).to_have_value("09:00")
        expect(page.get_by_label(f"{other}, hours 1: until")).to_have_value("12:30")
    expect(page.get_by_label("Saturday, hours 1: from")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("button", name="Save availability").click()
    assert sorted(
        WeeklyInterval.objects.filter(coach=alice_coach).values_list("weekday", flat=True)
    ) == [0, 1, 2, 3, 4]


def test_staff_reject_an_application_with_a_reason(
    staff_user, bob, browser_context, live_server, login_as
):
    from tandem.accounts import services as account_services

    application = account_services.coach_apply(
        user=bob, headline="Career coach", credentials="ICF ACC"
    )
    context = browser_context()
    login_as(context, staff_user)
    page = context.new_page()
    page.goto(f"{live_server.url}/dashboard/")
    with page.expect_navigation():
        page.get_by_role("link", name="Review pending coach applications").click()
    expect(page).to_have_url(f"{live_server.url}/staff/coach-applications/")
    card = page.locator(f"#application-{application.public_id}")
    expect(card).to_contain_text("Career coach")
    expect(card).to_contain_text("ICF ACC")

    # Without a reason the rejection is refused, and says so next to the reason.
    card.get_by_text("Reject…").click()
    reason = page.get_by_label("Reason for Bob Brown")
    expect(reason).to_be_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Reject application").click()
    reason = page.get_by_label("Reason for Bob Brown")
    expect(reason).to_be_visible()
    expect(reason).to_have_attribute("aria-invalid", "true")
    expect(page.locator("main")).to_contain_text("This field is required.")
    application.refresh_from_db()
    assert application.status == CoachApplication.Status.PENDING

    reason.fill("Please add your ICF membership number.")
    with page.expect_navigation():
        page.get_by_role("button", name="Reject application").click()
    expect(page.locator("main")).to_contain_text("Rejected Bob Brown's application")
    expect(page.locator("main")).to_contain_text("No applications waiting")
    application.refresh_from_db()
    assert application.status == CoachApplication.Status.REJECTED
    assert application.rejection_reason == "Please add your ICF membership number."

    # Bob sees the reason in his settings and may apply again.
    bob_context = browser_context()
    login_as(bob_context, bob)
    bob_page = bob_context.new_page()
    bob_page.goto(f"{live_server.url}/settings/coach/")
    expect(bob_page.locator("main")).to_contain_text("Please add your ICF membership number.")
    expect(bob_page.get_by_role("heading", name="Apply again")).to_be_visible()
