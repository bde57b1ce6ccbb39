"""Goals in real Chromium against the real ASGI app: Bob checks in on his goal's page and
Alice's open client file shows the new progress without a reload; the progress charts are
drawn; axe-core on the goal pages (and the goals section of the client file) at 360 px."""

# ruff: noqa: F811 (the imported fixtures are test arguments)

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from tandem.realtime.tests.conftest import (  # noqa: F401
    AsgiServer,
    asgi_login,
    asgi_server,
    serve_asgi,
)
from tandem.workspace.models import CheckIn, Goal
from tandem.workspace.services import goals as services

from .goals_support import alice_coach, engagement  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
NARROW = {"viewport": {"width": 360, "height": 780}}


def open_page(browser_context, server: AsgiServer, login, user, path: str, **options) -> Page:
    context = browser_context(bypass_csp=True, **options)  # bypass only to inject axe
    login(context, server, user)
    context.add_init_script("window.__sameDocument = true;")
    page = context.new_page()
    response = page.goto(f"{server.url}{path}")
    assert response is not None and response.status == 200, (path, response and response.status)
    return page


def check_axe(page: Page, selector: str = "document") -> None:
    page.add_script_tag(path=str(AXE))
    target = "document" if selector == "document" else f"document.querySelector('{selector}')"
    results = page.evaluate(f"async () => await axe.run({target}, {{resultTypes: ['violations']}})")
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, serious


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width} px wide at 360 px"


def goal_with_history(alice, bob, engagement) -> Goal:
    """A goal set three days ago with two check-ins since (so its chart has days to show)."""
    goal = services.goal_create(user=alice, engagement_id=engagement.public_id, title="Run a 10k")
    earlier = timezone.now() - timedelta(days=3)
    Goal.objects.filter(pk=goal.pk).update(created_at=earlier)
    CheckIn.objects.create(goal=goal, author=bob, progress=10, created_at=earlier)
    CheckIn.objects.create(goal=goal, author=bob, progress=25, created_at=earlier + timedelta(1))
    services.checkin_add(user=bob, goal_id=goal.public_id, progress=30, note="Ran 4k")
    return goal


def test_a_checkin_reaches_the_coachs_open_client_file(
    browser_context, asgi_server, asgi_login, alice, bob, engagement
):
    goal = goal_with_history(alice, bob, engagement)
    card = f'[data-goal="{goal.public_id}"]'

    alice_page = open_page(
        browser_context, asgi_server, asgi_login, alice, f"/coach/clients/{engagement.public_id}/"
    )
    expect(alice_page.locator("[data-realtime-status]")).to_have_attribute(
        "data-state", "live", timeout=30_000
    )
    expect(alice_page.locator(card)).to_contain_text("30%")
    expect(alice_page.locator("#goals canvas[data-goal-chart]")).to_have_attribute(
        "data-ready", "true"
    )

    bob_page = open_page(
        browser_context,
        asgi_server,
        asgi_login,
        bob,
        f"/workspace/{engagement.public_id}/goals/{goal.public_id}/",
        **NARROW,
    )
    expect(bob_page.locator("#goal-live canvas")).to_have_attribute("data-ready", "true")
    drawn = "() => Chart.getChart(document.querySelector('#goal-live canvas')).data"
    assert bob_page.evaluate(drawn)["datasets"][0]["data"][-1]["y"] == 30
    # The x axis is time: the points' spacing follows the days between check-ins (1, then
    # 2 in Bob's zone; read from the chart, so a daylight-saving night changes nothing).
    days = [p["x"] for p in bob_page.evaluate(drawn)["datasets"][0]["data"]]
    xs = bob_page.evaluate(
        "() => Chart.getChart(document.querySelector('#goal-live canvas'))"
        ".getDatasetMeta(0).data.map(p => p.x)"
    )
    assert len(xs) == len(days) == 3
    day_ratio = (days[2] - days[1]) / (days[1] - days[0])
    assert day_ratio >= 2
    assert abs((xs[2] - xs[1]) / (xs[1] - xs[0]) - day_ratio) < 0.2
    bob_page.get_by_label("Progress (%)").fill("65")
    bob_page.get_by_label("Note").fill("Ran 7k without stopping")
    bob_page.get_by_role("button", name="Save check-in").click()
    expect(bob_page.locator("#goal-live [data-checkins]")).to_contain_text("Ran 7k")
    assert Goal.objects.get().progress == 65

    # Alice's open page shows it without a reload, chart redrawn after the swap.
    expect(alice_page.locator(card)).to_contain_text("65%")
    expect(alice_page.locator(f'{card} [role="progressbar"]')).to_have_attribute(
        "aria-valuenow", "65"
    )
    expect(alice_page.locator("#goals canvas[data-goal-chart]")).to_have_attribute(
        "data-ready", "true"
    )
    assert alice_page.evaluate("window.__sameDocument") is True
    check_axe(alice_page, "#goals")


def test_goal_pages_axe_at_360(browser_context, asgi_server, asgi_login, alice, bob, engagement):
    goal = goal_with_history(alice, bob, engagement)
    services.milestone_add(user=bob, goal_id=goal.public_id, title="Run 5k")
    eid = engagement.public_id
    for user, path in [
        (bob, f"/workspace/{eid}/goals/{goal.public_id}/"),
        (alice, f"/workspace/{eid}/goals/{goal.public_id}/"),
        (bob, f"/workspace/{eid}/goals/new/"),
        (bob, f"/workspace/{eid}/"),
    ]:
        page = open_page(browser_context, asgi_server, asgi_login, user, path, **NARROW)
        no_horizontal_scroll(page)
        check_axe(page, "#goals" if path == f"/workspace/{eid}/" else "document")
        page.context.close()
