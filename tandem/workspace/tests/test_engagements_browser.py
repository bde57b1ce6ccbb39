"""The client list and the client file in real Chromium at 360 px: no sideways scroll, and
axe-core finds no serious or critical violation (the pattern of core/tests/
test_accessibility.py, in this area's own file)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import expect

from tandem.workspace.models import ActionItem, Engagement, EngagementTag

from .engagements_data import *  # noqa: F403
from .engagements_data import at, book

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
FAIL_IMPACTS = {"serious", "critical"}


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
    return "\n".join(lines)


def test_client_list_file_and_mirror_at_360px_pass_axe(
    alice,
    bob,
    coach,
    session_type,
    browser_context,
    live_server,
    login_as,
    django_capture_on_commit_callbacks,
):
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `npm ci`"
    book(bob, coach, session_type, at(-2, 10), django_capture_on_commit_callbacks)
    book(bob, coach, session_type, at(3, 11), django_capture_on_commit_callbacks)
    found = Engagement.objects.get()
    EngagementTag.objects.create(engagement=found, name="executive")
    todo = ActionItem.objects.create(
        engagement=found, title="Read the chapter", assignee=bob, created_by=alice
    )

    pages = {
        alice: [
            ("/coach/clients/", "Bob Brown"),
            (f"/coach/clients/{found.public_id}/", "Engagement started"),  # the timeline loaded
            (f"/workspace/{found.public_id}/part/timeline/", "Engagement started"),
            (f"/workspace/{found.public_id}/actions/", "Action items with Bob Brown"),
            (f"/actions/{todo.public_id}/edit/?next=/coach/clients/", "Edit action item"),
        ],
        bob: [("/workspace/", "Alice Adler"), (f"/workspace/{found.public_id}/", "Sessions")],
    }
    for user, paths in pages.items():
        context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
        login_as(context, user)
        page = context.new_page()
        for path, text in paths:
            _check(page, live_server.url, path, text)
        context.close()


def _check(page, base: str, path: str, text: str) -> None:
    response = page.goto(f"{base}{path}")
    assert response is not None and response.status == 200, path
    expect(page.locator("main")).to_contain_text(text)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 360 px"
    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => await axe.run(document, {resultTypes: ["violations"]})"""
    )
    violations = [v for v in results["violations"] if v["impact"] in FAIL_IMPACTS]
    assert not violations, f"axe on {path}:\n{_describe(violations)}"
