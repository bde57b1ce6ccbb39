"""The composer in real Chromium (issue 14): a message over the limit says the limit (the
server's words, not "Request failed (400)"), a counter shows near it, and a sent message's
time is written in the sender's clock by the page's one formatter (tandemTime)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tandem.messaging.models import Message

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def open_chat(browser_context, live_server, login_as, user, conversation):
    context = browser_context(viewport={"width": 360, "height": 740})
    login_as(context, user)
    page = context.new_page()
    page.goto(f"{live_server.url}/messages/{conversation.public_id}/")
    return page


def test_a_too_long_message_shows_the_limit(
    browser_context, live_server, login_as, bob, conversation
):
    page = open_chat(browser_context, live_server, login_as, bob, conversation)
    box = page.locator("#composer-body")
    # Typing near the limit shows the counter.
    box.fill("a" * 9_500)
    expect(page.locator("[data-composer-count]")).to_have_text("9,500 / 10,000 characters")
    # Pasted past the textarea's maxlength (as a script or an older page could): the server
    # refuses it and the page shows the server's words.
    page.evaluate(
        """() => {
          const area = document.querySelector('#composer-body');
          area.removeAttribute('maxlength');
          area.value = 'a'.repeat(20000);
        }"""
    )
    page.get_by_role("button", name="Send").click()
    error = page.locator("[data-composer-error]")
    expect(error).to_have_text("Messages can be at most 10,000 characters.")
    assert not Message.objects.exists()


def test_on_a_phone_the_text_box_takes_the_composers_width(
    browser_context, live_server, login_as, bob, conversation
):
    # At 360 px the box was squeezed to "Write a" beside "Send" and the paperclip.
    page = open_chat(browser_context, live_server, login_as, bob, conversation)
    box = page.locator("#composer-body").bounding_box()
    composer = page.locator("[data-composer]").bounding_box()
    assert box and composer and box["width"] >= 0.6 * composer["width"], (box, composer)
    expect(page.get_by_role("button", name="Send")).to_be_visible()


@pytest.mark.parametrize(
    ("clock", "pattern"),
    [("12h", r"^\d{1,2} \w{3}, \d{1,2}:\d\d [AP]M$"), ("24h", r"^\d{1,2} \w{3}, \d\d:\d\d$")],
)
def test_a_sent_message_shows_its_time_in_the_senders_clock(
    browser_context, live_server, login_as, bob, conversation, clock, pattern
):
    bob.time_format = clock
    bob.save(update_fields=["time_format"])
    page = open_chat(browser_context, live_server, login_as, bob, conversation)
    page.locator("#composer-body").fill("Hello")
    page.get_by_role("button", name="Send").click()
    sent = page.locator('[data-messages] .msg[data-mine="1"] time')
    expect(sent).to_have_count(1)
    expect(sent).to_have_text(re.compile(pattern))
    # The server writes the same words for the same message after a reload.
    shown = sent.inner_text()
    page.reload()
    expect(page.locator('[data-messages] .msg[data-mine="1"] time')).to_have_text(shown)
