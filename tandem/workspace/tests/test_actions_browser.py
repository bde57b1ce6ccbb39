"""Action items in real Chromium at 360 px: /actions/ and the dashboard card are axe clean,
fit the width, and an item can be marked done with a reflection from the keyboard."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings

from tandem.workspace.models import ActionItem

from .actions_support import *  # noqa: F403
from .actions_support import TODAY, item

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
FAIL_IMPACTS = {"serious", "critical"}
PHONE = {"width": 360, "height": 740}


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
    return "\n".join(lines)


def _items(engagement, dora_engagement) -> None:
    item(engagement, title="Send the recap to my manager", due_date=TODAY - timedelta(days=1))
    item(engagement, title="Practise the opening line", due_date=TODAY)
    item(
        dora_engagement, title="Read chapter four of the book", due_date=TODAY + timedelta(days=20)
    )
    item(engagement, title="Notice when I interrupt " + "x" * 120)  # a long unbroken title
    item(
        engagement,
        title="Book the follow-up",
        status=ActionItem.Status.DONE,
        reflection="Done early.",
    )


def _check(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{url} is {width}px wide at 360px"
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => await axe.run(document, {resultTypes: ["violations"]})"""
    )
    violations = [v for v in results["violations"] if v["impact"] in FAIL_IMPACTS]
    assert not violations, f"axe on {url}:\n{_describe(violations)}"


@pytest.mark.parametrize("path", ["/actions/", "/dashboard/"])
def test_pages_are_axe_clean_at_360px(
    path, engagement, dora_engagement, bob, browser_context, live_server, login_as
):
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `npm ci`"
    _items(engagement, dora_engagement)
    context = browser_context(bypass_csp=True, viewport=PHONE)
    login_as(context, bob)
    page = context.new_page()
    _check(page, f"{live_server.url}{path}")
    if path == "/dashboard/":
        card = page.locator("#dashboard-actions")
        assert "1 overdue" in card.inner_text() and "1 due today" in card.inner_text()


def test_mark_done_with_a_reflection_from_the_keyboard(
    engagement, bob, browser_context, live_server, login_as
):
    made = item(engagement, title="Practise the opening line", due_date=TODAY)
    context = browser_context(viewport=PHONE)
    login_as(context, bob)
    page = context.new_page()
    page.goto(f"{live_server.url}/actions/")
    summary = page.locator(f"#action-{made.public_id} summary")
    summary.focus()
    page.keyboard.press("Enter")
    page.get_by_label("Reflection (optional)").fill("Said it out loud twice.")
    page.get_by_role("button", name="Done", exact=True).press("Enter")
    page.wait_for_url(f"{live_server.url}/actions/")
    page.locator("#actions-done").wait_for()
    assert "Said it out loud twice." in page.locator("#actions-list").inner_text()
    made.refresh_from_db()
    assert made.status == "done" and made.reflection == "Said it out loud twice."
