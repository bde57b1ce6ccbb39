"""The sponsor port hears `budget_changed` once per funding posting, after the commit
(payments never imports orgs; orgs re-checks its budget alerts there): an invoice, the
organisation's credit, a card confirmed by the webhook alone (a redelivery, another event
about the same intent and the return page afterwards tell nothing more), and closing. Never
inside the money's transaction; a rolled-back funding tells nothing; a failing hook is
logged and the money stays. Marking an invoice paid moves no budget money: nothing."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import pytest
from django.db import transaction
from django.test import Client

from tandem.booking.tests.conftest import at
from tandem.payments.models import SponsorFunding
from tandem.payments.sponsors import port as sponsor_port
from tandem.payments.sponsors import selectors, services
from tandem.payments.sponsors.port import SponsorPort

from .ledger_checks import assert_ledger_sound
from .sponsor_fakes import BUDGET, ORG, FakeSponsor

pytestmark = pytest.mark.django_db
NOW = at(0, 9)


@dataclass
class SpySponsor(FakeSponsor):
    """The fake port, also recording `budget_changed` (and whether a transaction was open)."""

    broken: bool = False

    def budget_changed(self, *, budget_owner: str, now: datetime) -> None:
        super().budget_changed(budget_owner=budget_owner, now=now)
        if self.broken:
            raise RuntimeError("the alerts are down")


@pytest.fixture
def spy() -> Iterator[SpySponsor]:
    previous = sponsor_port.port()
    fake = SpySponsor()
    sponsor_port.register(fake)
    try:
        yield fake
    finally:
        sponsor_port.register(previous)


def fund(method: str, amount: int = 50_000, actor=None, key: str | None = None) -> SponsorFunding:
    return services.fund(
        budget_owner=BUDGET,
        org_owner=ORG,
        amount=amount,
        currency="EUR",
        method=method,
        actor=actor,
        now=NOW,
        idempotency_key=key,
    )


def deliver(standin, pi_id: str) -> str:
    delivery = standin.event("payment_intent.succeeded", standin.get(pi_id))
    return deliver_again(delivery)


def deliver_again(delivery) -> str:
    answer = Client().post(
        "/webhooks/stripe",
        data=delivery.payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=delivery.signature,
    )
    assert answer.status_code == 200, answer.content
    return answer.json()["result"]


def test_an_invoice_and_org_credit_tell_once_after_the_commit(
    spy, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        fund("invoice")
        assert spy.changes == []  # not inside the money's transaction
    assert len(callbacks) == 1 and spy.changes == [(BUDGET, NOW)]
    with django_capture_on_commit_callbacks(execute=True):
        fund("invoice", key="same")
        fund("invoice", key="same")  # the replay posts nothing and tells nothing
    assert len(spy.changes) == 2


def test_a_rolled_back_funding_tells_nothing(spy, django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        fund("invoice")
        raise RuntimeError("the request failed after the funding")
    assert callbacks == [] and spy.changes == []
    assert selectors.budget(BUDGET, "EUR").funded == 0


def test_a_card_confirmed_only_by_the_webhook_tells_once(
    spy, stripe_standin, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        funding = services.card_start(fund("card", actor=bob))
    assert spy.changes == []  # a pending card funding moved nothing
    pi_id = funding.payment.provider_ref
    stripe_standin.confirm(pi_id, succeed=True)
    first = stripe_standin.event("payment_intent.succeeded", stripe_standin.get(pi_id))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_again(first) == "applied"
    assert [owner for owner, _ in spy.changes] == [BUDGET]
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver_again(first) == "duplicate"
        assert deliver(stripe_standin, pi_id) == "applied"  # another event, same intent
        services.card_sync(SponsorFunding.objects.get(pk=funding.pk), now=NOW)  # return page
    assert len(spy.changes) == 1
    assert selectors.budget(BUDGET, "EUR").funded == 50_000
    assert_ledger_sound()


def test_a_failing_hook_is_logged_and_the_money_stays(
    spy, stripe_standin, bob, django_capture_on_commit_callbacks, caplog
):
    spy.broken = True
    funding = services.card_start(fund("card", actor=bob))
    stripe_standin.confirm(funding.payment.provider_ref, succeed=True)
    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        assert deliver(stripe_standin, funding.payment.provider_ref) == "applied"
    assert len(spy.changes) == 1 and "was not told" in caplog.text
    funding.refresh_from_db()
    assert funding.status == SponsorFunding.Status.PAID
    assert selectors.budget(BUDGET, "EUR").balance == 50_000
    assert_ledger_sound()


def test_closing_tells_once_and_marking_paid_tells_nothing(
    spy, staff_user, django_capture_on_commit_callbacks
):
    funding = fund("invoice")
    with django_capture_on_commit_callbacks(execute=True):
        services.mark_invoice_paid(funding_id=funding.public_id, actor=staff_user, now=NOW)
    assert spy.changes == []
    with django_capture_on_commit_callbacks(execute=True):
        moved = services.close(
            budget_owner=BUDGET, org_owner=ORG, currency="EUR", actor=None, now=NOW
        )
        again = services.close(
            budget_owner=BUDGET, org_owner=ORG, currency="EUR", actor=None, now=NOW
        )
    assert (moved, again) == (50_000, 0)
    assert spy.changes == [(BUDGET, NOW)]  # the empty second close moved nothing
    assert_ledger_sound()


class _WithoutHook:
    """A port written before the hook: everything of the fake but `budget_changed`."""

    def __init__(self, inner: FakeSponsor) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> Any:
        if name == "budget_changed":
            raise AttributeError(name)
        return getattr(self._inner, name)


def test_without_the_hook_nothing_breaks(stripe_standin, bob, django_capture_on_commit_callbacks):
    previous = sponsor_port.port()
    sponsor_port.register(cast(SponsorPort, _WithoutHook(FakeSponsor())))
    try:
        funding = services.card_start(fund("card", actor=bob))
        stripe_standin.confirm(funding.payment.provider_ref, succeed=True)
        with django_capture_on_commit_callbacks(execute=True):
            assert deliver(stripe_standin, funding.payment.provider_ref) == "applied"
    finally:
        sponsor_port.register(previous)
    assert selectors.budget(BUDGET, "EUR").funded == 50_000
