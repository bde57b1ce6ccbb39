"""The report page in real Chromium: axe clean, usable at 360 px and by keyboard, and its
button downloads the PDF for the period typed in."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings

from .report_setup import alice_and_bob

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_the_report_page_is_axe_clean_at_360px_and_downloads_by_keyboard(
    who, request, alice, bob, browser_context, live_server, login_as
):
    pair = alice_and_bob(alice, bob)
    context = browser_context(bypass_csp=True, viewport={"width": 360, "height": 740})
    login_as(context, request.getfixturevalue(who))
    page = context.new_page()
    url = f"{live_server.url}/workspace/{pair.engagement.public_id}/report/"
    response = page.goto(url)
    assert response is not None and response.status == 200
    # nothing wider than the screen
    assert page.evaluate("document.documentElement.scrollWidth") <= 360

    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [v["id"] for v in results["violations"] if v["impact"] in {"serious", "critical"}]
    assert not serious, serious

    page.get_by_label("From").fill("2026-01-01")
    page.get_by_label("To").fill("2026-06-15")
    page.get_by_role("button", name="Download PDF").focus()
    # generous: the first PDF of a process imports WeasyPrint and matplotlib (slow on a busy CI)
    with page.expect_download(timeout=120_000) as download:
        page.keyboard.press("Enter")
    path = download.value.path()
    assert Path(path).read_bytes().startswith(b"%PDF")
    assert download.value.suggested_filename.endswith("2026-01-01-to-2026-06-15.pdf")
