"""The messages page in real Chromium against the real ASGI app (uvicorn in a thread): Alice
and Bob each have the conversation open in their own browser; what one does shows on the
other's page without a reload — a new message, typing, the read receipt."""

# ruff: noqa: F811 (the imported fixtures are test arguments)

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import pytest
from django.conf import settings
from playwright.sync_api import Page, expect

from tandem.accounts.services import api_token_create
from tandem.booking.tests.conftest import at, book_session, make_type
from tandem.messaging.tests.conftest import send

# The real-time package's ASGI server fixtures, used here by name (hence F811 below).
from tandem.realtime.tests.conftest import (  # noqa: F401
    AsgiServer,
    asgi_login,
    asgi_server,
    serve_asgi,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"


def open_chat(browser_context, server: AsgiServer, login, user, conversation, **options) -> Page:
    context = browser_context(**options)
    login(context, server, user)
    page = context.new_page()
    page.goto(f"{server.url}/messages/{conversation.public_id}/")
    # Live: the page follows the event stream (over WebSocket: typing signals need it).
    expect(page.locator("[data-realtime-status]")).to_have_attribute(
        "data-state", "live", timeout=30_000
    )
    return page


def test_two_people_chat_live(browser_context, asgi_server, asgi_login, conversation, alice, bob):
    # Alice's page lets axe in (an injected script); Bob's keeps the strict CSP
    alice_page = open_chat(
        browser_context, asgi_server, asgi_login, alice, conversation, bypass_csp=True
    )
    bob_page = open_chat(browser_context, asgi_server, asgi_login, bob, conversation)
    expect(alice_page.locator("[data-messages] .msg")).to_have_count(0)

    # Bob sends a message (with markup that must stay text)
    bob_page.locator("#composer-body").fill("Hi Alice <b>not bold</b> *bold*")
    bob_page.get_by_role("button", name="Send").click()
    mine = bob_page.locator('[data-messages] .msg[data-mine="1"]')
    expect(mine).to_have_count(1)
    expect(bob_page.locator("#composer-body")).to_have_value("")

    # Alice's page shows it without a reload, as text, with the formatting the server allows
    theirs = alice_page.locator('[data-messages] .msg[data-mine="0"] .msg-body')
    expect(theirs).to_have_text("Hi Alice <b>not bold</b> bold", timeout=10_000)
    expect(theirs.locator("strong")).to_have_text("bold")
    expect(theirs.locator("b")).to_have_count(0)

    # she has it open and visible: it is marked read, and Bob sees the receipt live
    expect(mine.locator(".msg-seen")).to_have_text("Seen", timeout=10_000)
    item = alice_page.locator(f'[data-conversation-id="{conversation.public_id}"]')
    expect(item.locator("[data-unread]")).to_be_hidden()
    expect(item.locator("[data-preview]")).to_contain_text("Hi Alice")

    # Alice types: Bob sees it; her reply then shows on his page
    alice_page.locator("#composer-body").press_sequentially("On my way")
    expect(bob_page.locator("[data-typing]")).to_have_text("Alice Adler is typing…", timeout=10_000)
    alice_page.locator("#composer-body").press("Enter")
    expect(bob_page.locator('[data-messages] .msg[data-mine="0"] .msg-body')).to_have_text(
        "On my way", timeout=10_000
    )
    expect(bob_page.locator("[data-typing]")).to_have_text("")
    # "Seen" stays under Bob's last message, once
    expect(bob_page.locator(".msg-seen")).to_have_count(1)

    # the page passes axe
    alice_page.add_script_tag(path=str(AXE))
    results = alice_page.evaluate(
        "async () => await axe.run(document, {resultTypes: ['violations']})"
    )
    serious = [v["id"] for v in results["violations"] if v["impact"] in {"serious", "critical"}]
    assert not serious, serious


def test_scrolling_to_the_top_loads_older_messages_in_place(
    browser_context, asgi_server, asgi_login, conversation, alice, bob
):
    for n in range(45):
        send(bob if n % 2 else alice, conversation, f"history line {n:02d}")
    page = open_chat(browser_context, asgi_server, asgi_login, alice, conversation)
    shown = page.locator("[data-messages] .msg")
    expect(shown).to_have_count(30)
    expect(shown.last).to_contain_text("history line 44")
    newest_first_seen = shown.first
    expect(newest_first_seen).to_contain_text("history line 15")
    # scrolled to the top: the older page goes in above, the reader stays where they were
    page.locator("[data-thread]").evaluate("el => { el.scrollTop = 0; }")
    expect(shown).to_have_count(45)
    expect(shown.first).to_contain_text("history line 00")
    expect(page.locator("[data-beginning]")).to_be_visible()
    assert page.locator("[data-thread]").evaluate("el => el.scrollTop") > 0
    expect(page.locator('[data-message-id] >> text="history line 15"')).to_be_in_viewport()


def test_a_message_in_another_conversation_shows_in_the_list(
    browser_context, asgi_server, asgi_login, conversation, booking, alice, charlie
):
    book_session(charlie, booking.coach, make_type(booking.coach, name="Deep dive"), at(4, 10))
    page = open_chat(browser_context, asgi_server, asgi_login, alice, conversation)
    # Charlie writes to Alice from his own client, through the API
    token = api_token_create(user=charlie, name="chat test")[1]
    with httpx.Client(
        base_url=asgi_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=15
    ) as client:
        started = client.post("/api/v1/conversations", json={"user": str(alice.public_id)})
        assert started.status_code == 201, started.text
        other = started.json()["id"]
        sent = client.post(
            f"/api/v1/conversations/{other}/messages",
            data={"body": "Can we move our session?"},
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )
        assert sent.status_code == 201, sent.text
    item = page.locator(f'[data-conversation-id="{other}"]')
    expect(item.locator("[data-unread]")).to_have_text("1 unread", timeout=10_000)
    expect(item.locator("[data-preview]")).to_have_text("Can we move our session?")
    expect(item).to_contain_text("Charlie Chen")
    # the open conversation is untouched
    expect(page.locator("[data-messages] .msg")).to_have_count(0)
    # search finds it and links to the conversation
    page.get_by_label("Search messages").fill("move sess")
    result = page.locator("[data-search-list] a")
    expect(result).to_have_count(1)
    expect(result).to_have_attribute("href", f"/messages/{other}/")
    result.click()
    expect(page.locator('[data-messages] .msg[data-mine="0"] .msg-body')).to_have_text(
        "Can we move our session?"
    )
    # opened, so read
    item = page.locator(f'[data-conversation-id="{other}"]')
    expect(item.locator("[data-unread]")).to_be_hidden()
