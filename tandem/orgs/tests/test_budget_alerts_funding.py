"""Budget alerts follow every funding, a card confirmed only by Stripe's webhook too (Olivia
chooses Card, pays, and never comes back to the page): the payment's posting tells the
sponsor port's `budget_changed` after the commit and orgs re-checks the alerts. A fired 80 %
alert is re-armed when the card brings spending back under 80 %, so the next crossing alerts
again; a duplicate delivery sends nothing twice; a funding that leaves spending above 80 %
sends nothing. Bob books through the real booking API (80.00 EUR sessions, the programme
pays); the card goes through the real stripe library against the local stand-in."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from tandem.notifications.models import Notification
from tandem.orgs import notify
from tandem.orgs.models import Programme
from tandem.orgs.tests.conftest import NOW, seat
from tandem.orgs.tests.test_sponsorship_port import PRICE, fund
from tandem.payments.models import Payment, SponsorFunding
from tandem.payments.sponsors.selectors import budget
from tandem.payments.tests.conftest import stripe_standin  # noqa: F401 (a fixture)
from tandem.payments.tests.ledger_checks import assert_ledger_sound

pytestmark = pytest.mark.django_db

START = NOW + timedelta(days=3)  # 13:00 Berlin: inside Alice's hours
EIGHTY = "Leadership 2030 has used 80 % of its budget"


class Clock:
    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture(autouse=True)
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    frozen = Clock()
    monkeypatch.setattr(timezone, "now", frozen)
    return frozen


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Every budget_checked call (it still runs)."""
    calls: list[int] = []
    real = notify.budget_checked

    def counted(programme_id: int, now: datetime) -> None:
        calls.append(programme_id)
        real(programme_id, now)

    monkeypatch.setattr(notify, "budget_checked", counted)
    return calls


def alerts(user: Any) -> list[str]:
    return list(
        Notification.objects.filter(user=user, kind="programme")
        .order_by("pk")
        .values_list("title", flat=True)
    )


def book(bob: Any, coach: Any, session_type: Any, start: datetime, capture: Any) -> None:
    client = Client()
    client.force_login(bob)
    body = {
        "coach": str(coach.public_id),
        "session_type": str(session_type.public_id),
        "start": start.isoformat(),
    }
    with capture(execute=True):
        answer = client.post(
            "/api/v1/bookings", data=json.dumps(body), content_type="application/json"
        )
    assert answer.status_code == 201, answer.content


def card_funding(olivia: Any, programme: Programme, amount: str, capture: Any) -> Payment:
    """Olivia chooses Card on the budget page and opens the pay page (the intent is made);
    she pays (the stand-in confirms) and never comes back."""
    client = Client()
    client.force_login(olivia)
    with capture(execute=True):
        chosen = client.post(
            reverse("orgs_budget", args=[programme.public_id]),
            {"amount": amount, "method": "card"},
        )
        assert chosen.status_code == 302, chosen.content.decode()[:2000]
        assert client.get(chosen["Location"]).status_code == 200
    payment = Payment.objects.get(purpose=Payment.Purpose.SPONSOR_FUNDING)
    assert payment.provider_ref.startswith("pi_")
    return payment


def webhook(delivery: Any, capture: Any) -> str:
    with capture(execute=True):
        answer = Client().post(
            "/webhooks/stripe",
            data=delivery.payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=delivery.signature,
        )
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]


@pytest.fixture
def spent_80(programme, olivia, bob, coach, session_type, django_capture_on_commit_callbacks):
    """100.00 EUR funded by invoice, one 80.00 EUR session booked: the 80 % alert went out."""
    fund(programme, 10_000)
    seat(programme, bob, coach=coach)
    book(bob, coach, session_type, START, django_capture_on_commit_callbacks)
    programme.refresh_from_db()
    assert programme.budget_alert_80_at == NOW and programme.budget_alert_100_at is None
    assert alerts(olivia) == [EIGHTY]
    return programme


def test_a_card_confirmed_only_by_the_webhook_re_arms_the_80_alert(
    spent_80,
    olivia,
    bob,
    coach,
    session_type,
    stripe_standin,  # noqa: F811
    clock,
    checks,
    django_capture_on_commit_callbacks,
):
    programme = spent_80
    payment = card_funding(olivia, programme, "100.00", django_capture_on_commit_callbacks)
    assert checks == []  # a pending card moved nothing
    stripe_standin.confirm(payment.provider_ref, succeed=True)
    clock.now = NOW + timedelta(minutes=5)
    delivery = stripe_standin.event(
        "payment_intent.succeeded", stripe_standin.get(payment.provider_ref)
    )
    assert webhook(delivery, django_capture_on_commit_callbacks) == "applied"
    assert checks == [programme.pk]
    assert SponsorFunding.objects.get(method="card").status == SponsorFunding.Status.PAID
    figures = budget(programme.budget_owner, "EUR")
    assert (figures.funded, figures.spent) == (20_000, PRICE)  # 40 %
    programme.refresh_from_db()
    assert programme.budget_alert_80_at is None  # re-armed, with nobody on the page
    assert alerts(olivia) == [EIGHTY]  # a funding itself is no alert

    # The next crossing (160.00 of 200.00 EUR) alerts again.
    clock.now = NOW + timedelta(hours=1)
    book(bob, coach, session_type, START + timedelta(hours=2), django_capture_on_commit_callbacks)
    programme.refresh_from_db()
    assert programme.budget_alert_80_at == NOW + timedelta(hours=1)
    assert programme.budget_alert_100_at is None
    assert alerts(olivia) == [EIGHTY, EIGHTY]
    assert_ledger_sound()


def test_a_duplicate_delivery_sends_nothing_twice(
    spent_80,
    olivia,
    stripe_standin,  # noqa: F811
    clock,
    checks,
    django_capture_on_commit_callbacks,
):
    programme = spent_80
    payment = card_funding(olivia, programme, "100.00", django_capture_on_commit_callbacks)
    stripe_standin.confirm(payment.provider_ref, succeed=True)
    intent = stripe_standin.get(payment.provider_ref)
    delivery = stripe_standin.event("payment_intent.succeeded", intent)
    clock.now = NOW + timedelta(minutes=5)
    assert webhook(delivery, django_capture_on_commit_callbacks) == "applied"
    clock.now = NOW + timedelta(minutes=6)
    assert webhook(delivery, django_capture_on_commit_callbacks) == "duplicate"
    other = stripe_standin.event("payment_intent.succeeded", intent)  # another event id
    assert webhook(other, django_capture_on_commit_callbacks) == "applied"
    assert checks == [programme.pk]  # one posting, one check
    assert budget(programme.budget_owner, "EUR").funded == 20_000
    programme.refresh_from_db()
    assert programme.budget_alert_80_at is None
    assert alerts(olivia) == [EIGHTY]
    assert_ledger_sound()


def test_nothing_is_sent_when_the_funding_leaves_spending_above(
    programme,
    olivia,
    bob,
    coach,
    session_type,
    stripe_standin,  # noqa: F811
    clock,
    checks,
    django_capture_on_commit_callbacks,
):
    fund(programme, 9_000)
    seat(programme, bob, coach=coach)
    book(bob, coach, session_type, START, django_capture_on_commit_callbacks)  # 80.00 of 90.00
    payment = card_funding(olivia, programme, "5.00", django_capture_on_commit_callbacks)
    stripe_standin.confirm(payment.provider_ref, succeed=True)
    clock.now = NOW + timedelta(minutes=5)
    delivery = stripe_standin.event(
        "payment_intent.succeeded", stripe_standin.get(payment.provider_ref)
    )
    before, checked = Notification.objects.count(), len(checks)
    assert webhook(delivery, django_capture_on_commit_callbacks) == "applied"
    assert checks[checked:] == [programme.pk]  # checked, once
    figures = budget(programme.budget_owner, "EUR")
    assert (figures.funded, figures.spent) == (9_500, PRICE)  # 84 %: still above 80 %
    programme.refresh_from_db()
    assert programme.budget_alert_80_at == NOW  # still the first crossing's: not re-armed
    assert programme.budget_alert_100_at is None
    assert Notification.objects.count() == before and alerts(olivia) == [EIGHTY]
    assert_ledger_sound()


def test_an_invoice_funding_is_checked_once(
    spent_80, olivia, checks, django_capture_on_commit_callbacks
):
    from tandem.orgs.programmes import services

    with django_capture_on_commit_callbacks(execute=True):
        services.programme_fund(
            programme=spent_80, amount=10_000, method="invoice", actor=olivia, now=NOW
        )
    assert checks == [spent_80.pk]
    spent_80.refresh_from_db()
    assert spent_80.budget_alert_80_at is None and alerts(olivia) == [EIGHTY]
