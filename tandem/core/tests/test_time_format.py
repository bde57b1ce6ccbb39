"""One clock per user (issue 14, layout): 24-hour or 12-hour from the user's language and
zone, a profile setting overrides, and every page writes times in it ("14:30" / "2:30 PM")."""

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tandem.booking.tests.conftest import at, book_session, make_coach, make_type
from tandem.core import timefmt
from tandem.messaging import services as messaging
from tandem.messaging.models import Message
from tandem.notifications.models import Notification
from tandem.payments.checkout import services as checkout
from tandem.payments.models import PackagePurchase
from tandem.payments.packages import services as packages
from tandem.payments.packages.offers import package_offer_create

BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")
CLOCKS = [("24h", "14:30"), ("12h", "2:30 PM")]


def visible(html: str) -> str:
    """The page's words, without tags or attributes (a datetime="...T14:30" is no proof)."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize(
    ("setting", "locale", "zone", "expected"),
    [
        ("auto", "en", "America/New_York", "12h"),
        ("auto", "en", "Asia/Kolkata", "12h"),
        ("auto", "en", "Asia/Calcutta", "12h"),  # a retired name: the current one's country
        ("auto", "en", "Europe/Berlin", "24h"),
        ("auto", "en", "UTC", "24h"),
        ("auto", "de", "America/New_York", "24h"),
        ("24h", "en", "America/New_York", "24h"),
        ("12h", "de", "Europe/Berlin", "12h"),
    ],
)
def test_the_clock_follows_language_and_zone_unless_set(setting, locale, zone, expected):
    assert timefmt.resolve(setting, locale=locale, zone=zone) == expected


def test_format_clock():
    moment = datetime(2030, 3, 5, 14, 30)
    assert timefmt.format_clock(moment, "D j M, H:i", "24h") == "Tue 5 Mar, 14:30"
    assert timefmt.format_clock(moment, "D j M, H:i", "12h") == "Tue 5 Mar, 2:30 PM"
    assert timefmt.format_clock(moment.replace(hour=0, minute=21), "H:i", "12h") == "12:21 AM"


def signed_in(client, user, clock: str):
    user.time_format = clock
    user.save(update_fields=["time_format"])
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize(("clock", "shown"), CLOCKS)
def test_sessions_page_in_the_users_clock(client, alice, bob, clock, shown):
    coach = make_coach(alice, slug="alice")
    book_session(bob, coach, make_type(coach), at(3, 14, 30))
    html = signed_in(client, alice, clock).get("/sessions/").content.decode()
    assert shown in visible(html)
    assert f'data-time-format="{clock}"' in html
    if clock == "12h":
        assert "14:30" not in visible(html)


@pytest.mark.django_db
@pytest.mark.parametrize(("clock", "shown"), CLOCKS)
def test_messages_page_in_the_users_clock(client, alice, bob, clock, shown):
    coach = make_coach(alice, slug="alice")
    book_session(bob, coach, make_type(coach), at(3, 10))
    conversation, _ = messaging.conversation_start(user=bob, other_id=alice.public_id)
    messaging.message_send(user=bob, conversation_id=conversation.public_id, body="Hello")
    Message.objects.update(created_at=datetime(2030, 3, 5, 14, 30, tzinfo=BERLIN))
    page = signed_in(client, alice, clock).get(f"/messages/{conversation.public_id}/")
    assert f"5 Mar, {shown}" in visible(page.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize(("clock", "shown"), CLOCKS)
def test_notifications_page_in_the_users_clock(client, alice, clock, shown):
    Notification.objects.create(
        user=alice,
        kind="booking_confirmed",
        title="Session confirmed",
        created_at=datetime(2030, 3, 5, 14, 30, tzinfo=BERLIN),
    )
    html = signed_in(client, alice, clock).get("/notifications/").content.decode()
    assert f"Tue 5 Mar, {shown}" in visible(html)


@pytest.mark.django_db
@pytest.mark.parametrize(("clock", "shown"), CLOCKS)
def test_packages_page_in_the_users_clock(client, alice, bob, clock, shown):
    coach = make_coach(alice, slug="alice")
    offer = package_offer_create(
        coach_user=alice,
        session_type_id=make_type(coach).public_id,
        name="Five sessions",
        sessions=5,
        price="360.00",
        valid_days=180,
    )
    outcome = packages.package_buy(
        client=bob,
        offer_id=offer.public_id,
        pay_with=checkout.PayWith(package=False, use_credit=False),
        idempotency_key="pkg",
    )
    checkout.invoice_mark_paid(payment_id=outcome.payment.public_id, user=alice)
    PackagePurchase.objects.update(expires_at=datetime(2030, 3, 5, 14, 30, tzinfo=NEW_YORK))
    html = visible(signed_in(client, bob, clock).get("/packages/").content.decode())
    # The zone by its name, not an abbreviation ("01:20 EDT").
    assert f"5 Mar 2030, {shown} (America/New_York)" in html


@pytest.mark.django_db
def test_the_profile_page_sets_the_clock(client, bob):
    client.force_login(bob)
    page = client.get("/settings/").content.decode()
    assert 'name="time_format"' in page and "12-hour (2:30 PM)" in page
    form = {"display_name": "Bob", "timezone": "America/New_York", "locale": "en"}
    assert client.post("/settings/", {**form, "time_format": "24h"}).status_code == 302
    bob.refresh_from_db()
    assert bob.time_format == "24h" and bob.clock == "24h"
    # A value that is not offered is refused and changes nothing.
    assert client.post("/settings/", {**form, "time_format": "13h"}).status_code == 400
    bob.refresh_from_db()
    assert bob.time_format == "24h"


@pytest.mark.django_db
def test_auto_gives_english_in_new_york_the_12_hour_clock(client):
    from conftest import make_user

    dana = make_user("dana@example.com", name="Dana Doe", zone="America/New_York")
    assert dana.time_format == "auto" and dana.clock == "12h"
    client.force_login(dana)
    assert 'data-time-format="12h"' in client.get("/dashboard/").content.decode()


def test_no_template_writes_a_time_of_day_without_the_users_clock():
    """Times of day go through `when` (the viewer's clock); `date` is for dates only."""
    from pathlib import Path

    from django.conf import settings

    offenders = [
        f"{path.relative_to(settings.BASE_DIR)}:{number}"
        for path in sorted(Path(settings.BASE_DIR, "tandem").rglob("*.html"))
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if re.search(r"""\|date:(["'])[^"']*[HGhg]:i""", line)
    ]
    assert not offenders, "use |when: for times of day:\n" + "\n".join(offenders)
