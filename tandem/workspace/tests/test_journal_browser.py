"""The journal and search pages in real Chromium at 360 px: no sideways scrolling, no serious
axe violations; writing an entry with the keyboard; the insights charts draw."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from tandem.workspace.services import journal as services

from .journal_support import *  # noqa: F403
from .journal_support import coach_profile

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
FAIL_IMPACTS = {"serious", "critical"}


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))} {node.get('failureSummary')}")
    return "\n".join(lines)


def _check(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.status == 200, (url, response and response.status)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{url} scrolls sideways at 360 px: scrollWidth {width}"
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    violations = [v for v in results["violations"] if v["impact"] in FAIL_IMPACTS]
    assert not violations, f"axe on {url}:\n{_describe(violations)}"


def test_journal_pages_at_360px_are_accessible(alice, bob, browser_context, live_server, login_as):
    from tandem.workspace.models import Engagement

    engagement = Engagement.objects.create(coach=coach_profile(alice, "alice"), client=bob)
    services.prompt_assign(coach=alice, engagement_id=engagement.public_id, text="What now?")
    entry = services.entry_create(
        author=bob, body="A long walk by the river " * 20, mood=4, tags=["walks", "sleep"]
    )
    services.entry_share(author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id)
    services.entry_create(author=bob, body="Private thoughts", mood=2)

    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    login_as(context, bob)
    page = context.new_page()
    base = live_server.url
    for path in (
        "/journal/",
        "/journal/?q=river",
        "/journal/new/",
        f"/journal/{entry.public_id}/",
        "/journal/insights/",
        "/workspace/search/?q=walk",
        f"/workspace/{engagement.public_id}/",  # the mirror view, with the journal section
    ):
        _check(page, base + path)
    page.goto(base + "/journal/insights/")
    page.wait_for_selector("#journal-mood-chart[data-ready=true]")
    page.wait_for_selector("#journal-weeks-chart[data-ready=true]")

    coach = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    login_as(coach, alice)
    coach_page = coach.new_page()
    for path in (
        f"/journal/{entry.public_id}/",
        f"/journal/insights/?engagement={engagement.public_id}",
        "/workspace/search/?q=walk",
        f"/coach/clients/{engagement.public_id}/",  # the client file, with the section
    ):
        _check(coach_page, base + path)


def test_write_an_entry_with_the_keyboard(bob, browser_context, live_server, login_as):
    context = browser_context(viewport={"width": 360, "height": 740})
    login_as(context, bob)
    page = context.new_page()
    page.goto(live_server.url + "/journal/new/")
    page.get_by_label("Prompt").select_option("builtin:gratitude")
    page.get_by_label("Entry").fill("Grateful for coffee")
    page.get_by_label("Mood").select_option("5")
    page.get_by_label("Tags").fill("Mornings")
    page.get_by_label("Tags").press("Enter")
    page.wait_for_url("**/journal/*/")
    assert "Only you can read this entry" in page.locator("main").inner_text()
    page.goto(live_server.url + "/journal/?tag=mornings")
    assert "Grateful for coffee" in page.locator("main").inner_text()


def test_the_mood_line_spaces_days_by_time(bob, browser_context, live_server, login_as):
    # Entries at noon 4 and 3 days ago (Bob's days) and now: the points sit 1 and 3 days
    # apart, not evenly.
    from datetime import datetime, time, timedelta
    from zoneinfo import ZoneInfo

    from django.utils import timezone

    from tandem.workspace.models import JournalEntry

    now = timezone.now()
    zone = ZoneInfo(bob.timezone)
    today = now.astimezone(zone).date()
    for days_ago, mood in ((4, 2), (3, 3), (0, 5)):
        entry = services.entry_create(author=bob, body=f"Day -{days_ago}", mood=mood)
        noon = datetime.combine(today - timedelta(days=days_ago), time(12), tzinfo=zone)
        JournalEntry.objects.filter(pk=entry.pk).update(written_at=noon if days_ago else now)
    context = browser_context(viewport={"width": 1280, "height": 800})
    login_as(context, bob)
    page = context.new_page()
    page.goto(live_server.url + "/journal/insights/")
    page.wait_for_selector("#journal-mood-chart[data-ready=true]")
    xs = page.evaluate(
        "() => Chart.getChart(document.getElementById('journal-mood-chart'))"
        ".getDatasetMeta(0).data.map(p => p.x)"
    )
    assert len(xs) == 3
    assert 2.7 < (xs[2] - xs[1]) / (xs[1] - xs[0]) < 3.3
