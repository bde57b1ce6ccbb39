"""The programme dashboard and the ROI view in real Chromium: the charts are drawn (Chart.js),
each with its table; axe-core finds nothing serious; no sideways scroll at 360 px."""

# ruff: noqa: F811 (the imported fixtures are test arguments)

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Page, expect

from tandem.orgs.models import Programme
from tandem.realtime.tests.conftest import (  # noqa: F401
    AsgiServer,
    asgi_login,
    asgi_server,
    serve_asgi,
)

from .conftest import NOW
from .test_reporting_views import populate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def open_page(browser_context, server: AsgiServer, login, user, path: str, **options) -> Page:
    context = browser_context(bypass_csp=True, **options)  # bypass only to inject axe
    login(context, server, user)
    page = context.new_page()
    response = page.goto(f"{server.url}{path}")
    assert response is not None and response.status == 200, (path, response and response.status)
    return page


def check_axe(page: Page) -> None:
    """axe-core on the page's main content (the shared menu is base.html's, tested there)."""
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        "async () => await axe.run(document.querySelector('main'), {resultTypes: ['violations']})"
    )
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, serious


@pytest.mark.parametrize("width", [360, 1280])
def test_dashboard_and_roi_draw_their_charts_and_pass_axe(
    width,
    monkeypatch,
    browser_context,
    asgi_server,
    asgi_login,
    olivia,
    programme,
    coach,
    session_type,
):
    monkeypatch.setattr(timezone, "now", lambda: NOW)  # the server runs in this process
    populate(programme, coach, session_type, 6)
    Programme.objects.filter(pk=programme.pk).update(survey_enabled=True)
    pid = programme.public_id
    for path, charts in (
        (f"/org/programmes/{pid}/", ("trend-data", "goals-data", "survey-data")),
        (f"/org/programmes/{pid}/roi/", ("goals-data", "survey-data")),
    ):
        page = open_page(
            browser_context,
            asgi_server,
            asgi_login,
            olivia,
            path,
            viewport={"width": width, "height": 800},
        )
        for chart in charts:
            expect(page.locator(f'canvas[data-report-chart="{chart}"]')).to_have_attribute(
                "data-ready", "true"
            )
        page.locator("details summary").first.click()
        width_now = page.evaluate("document.documentElement.scrollWidth")
        assert width_now <= width, f"{path} is {width_now} px wide at {width} px"
        check_axe(page)
        page.context.close()


def test_hidden_months_are_shaded_on_the_chart_with_the_reason_beside_it(
    monkeypatch, browser_context, asgi_server, asgi_login, olivia, programme, coach, session_type
):
    from .test_reporting_selectors import make_participants, sponsor

    monkeypatch.setattr(timezone, "now", lambda: NOW)
    people = make_participants(programme, 6, coach)
    for person in people:  # February 2030: 6 people; January: 3 (hidden, Feb withheld)
        sponsor(programme, person, session_type, days=-20)
    for person in people[:3]:
        sponsor(programme, person, session_type, days=-50)
    page = open_page(
        browser_context, asgi_server, asgi_login, olivia, f"/org/programmes/{programme.public_id}/"
    )
    canvas = page.locator('canvas[data-report-chart="trend-data"]')
    expect(canvas).to_have_attribute("data-ready", "true")
    expect(canvas).to_have_attribute("data-hidden-columns", "2")
    expect(page.locator("#trend-hidden-note")).to_be_visible()
    expect(page.locator("#trend-hidden-note")).to_contain_text("Jan 2030 and Feb 2030 are hidden")
    check_axe(page)
    page.context.close()
