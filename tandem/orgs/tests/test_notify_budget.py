"""Budget alerts (orgs/notify.budget_checked): 80 % and 100 % once each to every admin of the
organisation, in the notification centre and by email, claimed by a conditional UPDATE; they
re-arm when funding brings the budget back under a threshold. No participant's name."""

from __future__ import annotations

from datetime import timedelta

import pytest

from conftest import make_user
from tandem.booking.tests.test_concurrency import file_database  # noqa: F401 (a fixture)
from tandem.notifications.models import Delivery, Notification, Preference
from tandem.notifications.services import run_due
from tandem.orgs import notify
from tandem.orgs.models import Membership, Programme
from tandem.payments.sponsors import selectors as budgets
from tandem.payments.sponsors.selectors import BudgetFigures

from .conftest import NOW, seat

pytestmark = pytest.mark.django_db


@pytest.fixture
def oscar(northwind):
    """A second admin of Northwind."""
    user = make_user("oscar@example.com", name="Oscar Ortiz")
    Membership.objects.create(organisation=northwind, user=user, role=Membership.Role.ADMIN)
    return user


@pytest.fixture
def spent(monkeypatch):
    """Set the ledger's answer: spent of funded (minor units)."""
    figures = {"funded": 100_000, "spent": 0}

    def fake(owner: str, currency: str) -> BudgetFigures:
        return BudgetFigures(funded=figures["funded"], spent=figures["spent"])

    monkeypatch.setattr(budgets, "budget", fake)

    def set_(value: int, funded: int = 100_000) -> None:
        figures.update(spent=value, funded=funded)

    return set_


def alerts(user) -> list[str]:
    return list(
        Notification.objects.filter(user=user, kind="programme")
        .order_by("pk")
        .values_list("title", flat=True)
    )


def test_the_real_ledger_is_read(programme, olivia):
    from tandem.payments.sponsors.services import fund

    fund(
        budget_owner=programme.budget_owner,
        org_owner=f"org:{programme.organisation_id}",
        amount=50_000,
        currency="EUR",
        method="invoice",
        actor=olivia,
        now=NOW,
    )
    found = notify.usage(programme)
    assert found == notify.Usage(funded=50_000, spent=0)
    notify.budget_checked(programme.pk, NOW)
    assert alerts(olivia) == []


def test_80_then_100_once_each_to_every_admin(programme, olivia, oscar, gus, bob, spent):
    seat(programme, bob)  # a participant: never named, never told
    spent(79_999)
    notify.budget_checked(programme.pk, NOW)
    assert alerts(olivia) == []
    spent(80_000)
    notify.budget_checked(programme.pk, NOW)
    notify.budget_checked(programme.pk, NOW + timedelta(minutes=1))  # again: nothing new
    assert alerts(olivia) == alerts(oscar) == ["Leadership 2030 has used 80 % of its budget"]
    programme.refresh_from_db()
    assert programme.budget_alert_80_at == NOW and programme.budget_alert_100_at is None
    spent(100_000)
    notify.budget_checked(programme.pk, NOW + timedelta(hours=1))
    notify.budget_checked(programme.pk, NOW + timedelta(hours=2))
    assert alerts(oscar) == [
        "Leadership 2030 has used 80 % of its budget",
        "Leadership 2030 has used all of its budget",
    ]
    assert alerts(gus) == alerts(bob) == []
    notes = Notification.objects.filter(kind="programme")
    assert all(n.url == f"/org/programmes/{programme.public_id}/budget/" for n in notes)
    assert all("1,000.00 EUR" in n.body and "Bob" not in n.body for n in notes)
    # Email too, as deliveries the notification worker sends (preferences, quiet hours).
    assert Delivery.objects.filter(kind="programme", channel="email").count() == 4


def test_a_jump_to_100_sends_the_100_alert_only(programme, olivia, spent):
    spent(120_000)
    notify.budget_checked(programme.pk, NOW)
    assert alerts(olivia) == ["Leadership 2030 has used all of its budget"]
    programme.refresh_from_db()
    assert programme.budget_alert_80_at == programme.budget_alert_100_at == NOW


def test_funding_rearms_the_alerts(programme, olivia, spent):
    spent(90_000)
    notify.budget_checked(programme.pk, NOW)
    spent(90_000, funded=200_000)  # funded again: 45 %
    notify.budget_checked(programme.pk, NOW + timedelta(days=1))
    programme.refresh_from_db()
    assert programme.budget_alert_80_at is None
    spent(170_000, funded=200_000)  # 85 %: a new crossing, a new alert
    notify.budget_checked(programme.pk, NOW + timedelta(days=2))
    assert alerts(olivia) == ["Leadership 2030 has used 80 % of its budget"] * 2


def test_no_budget_means_no_alert(programme, olivia, spent):
    spent(0, funded=0)
    notify.budget_checked(programme.pk, NOW)
    notify.budget_checked(123456789, NOW)  # unknown programme: nothing
    assert alerts(olivia) == []


def test_preferences_are_respected_and_the_email_says_no_names(
    programme, olivia, oscar, spent, smtp_mailbox
):
    Preference.objects.create(user=oscar, kind="programme", channel="email", enabled=False)
    spent(85_000)
    notify.budget_checked(programme.pk, NOW)
    assert Delivery.objects.filter(user=oscar, channel="email").count() == 0
    assert alerts(oscar)  # still in the centre
    run_due(owner="test", now=NOW + timedelta(days=1))
    message = smtp_mailbox.wait_for("olivia@example.com", subject="80 % of its budget")
    text = smtp_mailbox.text(message)
    assert "850.00 EUR of 1,000.00 EUR" in text and "/budget/" in text


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("file_database")
def test_two_workers_at_once_send_once(programme, olivia, oscar, spent):
    import threading

    from django.db import connections

    spent(100_000)
    barrier = threading.Barrier(4, timeout=60)
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait()
            notify.budget_checked(programme.pk, NOW)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    assert alerts(olivia) == alerts(oscar) == ["Leadership 2030 has used all of its budget"]
    assert Programme.objects.get(pk=programme.pk).budget_alert_100_at is not None


def test_a_sponsored_session_through_the_port_and_the_ledger_sends_the_alert(
    programme, olivia, bob, coach, session_type, django_capture_on_commit_callbacks
):
    """No stand-in: the budget is funded and drawn in the ledger, the port claims the session
    and asks for the check after its commit."""
    from .test_sponsorship_port import claim, fund

    fund(programme, 10_000)
    seat(programme, bob, coach=coach)
    with django_capture_on_commit_callbacks(execute=True):
        assert claim(bob, session_type, price=8_000) is not None
    assert notify.usage(programme) == notify.Usage(funded=10_000, spent=8_000)
    assert alerts(olivia) == ["Leadership 2030 has used 80 % of its budget"]
    assert "Bob" not in Notification.objects.get(user=olivia).body
