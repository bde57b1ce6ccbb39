"""Session notes in real Chromium against the real ASGI app: Alice types in the shared note,
the draft autosaves (a reload shows it), Save makes version 1, and Bob's open page shows the
shared note without a reload. axe-core on every notes page at 360 px."""

# ruff: noqa: F811 (the imported fixtures are test arguments)

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tandem.realtime.tests.conftest import (  # noqa: F401
    AsgiServer,
    asgi_login,
    asgi_server,
    serve_asgi,
)
from tandem.workspace.models import SessionNote
from tandem.workspace.services import notes as services
from tandem.workspace.services import templates

from .notes_support import *  # noqa: F403

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


def check_axe(page: Page) -> None:
    page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    serious = [
        (v["id"], [n["target"] for n in v["nodes"]])
        for v in results["violations"]
        if v["impact"] in {"serious", "critical"}
    ]
    assert not serious, serious


def no_horizontal_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"page is {width} px wide at 360 px"


def test_autosave_save_and_live_shared_note(
    browser_context, asgi_server, asgi_login, alice, bob, engagement, booking
):
    path = f"/workspace/{engagement.public_id}/sessions/{booking.public_id}/notes/"
    bob_page = open_page(browser_context, asgi_server, asgi_login, bob, path, **NARROW)
    expect(bob_page.locator("[data-realtime-status]")).to_have_attribute(
        "data-state", "live", timeout=30_000
    )
    expect(bob_page.locator("#shared-note")).to_contain_text("No shared notes")

    alice_page = open_page(browser_context, asgi_server, asgi_login, alice, path)
    shared = alice_page.locator("#body-shared")
    shared.click()
    shared.press_sequentially("Goal: run a 10k in May")
    status = alice_page.locator("#note-shared [data-autosave-status]")
    expect(status).to_contain_text("Draft autosaved", timeout=15_000)
    note = SessionNote.objects.get(visibility="shared")
    assert (note.draft, note.version) == ("Goal: run a 10k in May", 0)
    # The draft never reached Bob.
    expect(bob_page.locator("#shared-note")).not_to_contain_text("10k")

    alice_page.reload()
    expect(alice_page.locator("#body-shared")).to_have_value("Goal: run a 10k in May")
    expect(status).to_contain_text("Unsaved draft")

    alice_page.locator("#note-shared").get_by_role("button", name="Save", exact=True).click()
    expect(alice_page.locator("#note-shared")).to_contain_text("Version 1")
    note.refresh_from_db()
    assert (note.body, note.version, note.draft) == ("Goal: run a 10k in May", 1, "")

    # Bob's open page shows it without a reload.
    expect(bob_page.locator("#shared-note")).to_contain_text("Goal: run a 10k in May")
    assert bob_page.evaluate("window.__sameDocument") is True
    no_horizontal_scroll(bob_page)
    check_axe(bob_page)


def test_notes_pages_axe_at_360(
    browser_context, asgi_server, asgi_login, alice, alice_coach, bob, engagement, booking
):
    note, _ = services.note_upsert(
        actor=alice,
        engagement_id=engagement.public_id,
        booking_id=booking.public_id,
        visibility="private",
        body="Reality\n- Sleeping badly",
    )
    services.note_save(actor=alice, note_id=note.public_id, body="Reality\n- Sleeping better")
    templates.note_template_create(actor=alice, name="Weekly check-in", body="Wins\nBlocks")
    eid = engagement.public_id
    pages = [
        f"/workspace/{eid}/sessions/{booking.public_id}/notes/",
        f"/workspace/{eid}/notes/{note.public_id}/versions/",
        f"/workspace/{eid}/notes/{note.public_id}/versions/?number=1",
        "/coach/note-templates/",
    ]
    for path in pages:
        page = open_page(browser_context, asgi_server, asgi_login, alice, path, **NARROW)
        no_horizontal_scroll(page)
        check_axe(page)
        page.context.close()
