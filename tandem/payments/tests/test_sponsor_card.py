"""A sponsored programme's budget paid by card (Stripe, through the real library against the
local stand-in): the funding waits on a checkout payment of purpose "sponsor"; when the
provider confirms (webhook or return page), the amount goes into the budget once
(clearing → in-flight → budget), the funding is paid. A refused, cancelled or lapsed card
funds nothing. With the manual provider card funding is refused (`method_unavailable`).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client

from tandem.booking.tests.conftest import at
from tandem.core.errors import InvalidInput
from tandem.payments.checkout.refunds import refund_staff
from tandem.payments.checkout.services import payments_sweep
from tandem.payments.models import LedgerTransaction, Payment, SponsorFunding
from tandem.payments.sponsors import selectors, services

from .ledger_checks import assert_ledger_sound, natural_balance
from .sponsor_fakes import BUDGET, ORG

pytestmark = pytest.mark.django_db
NOW = at(0, 9)


def fund_by_card(actor, amount: int = 50_000, key: str | None = None) -> SponsorFunding:
    funding = services.fund(
        budget_owner=BUDGET,
        org_owner=ORG,
        amount=amount,
        currency="EUR",
        method="card",
        actor=actor,
        now=NOW,
        idempotency_key=key,
    )
    return services.card_start(funding)  # what its pay page (or on_commit) does


def budget_balance() -> int:
    return natural_balance(f"sponsor_budget:{BUDGET}:")


def postings(payment: Payment) -> dict[str, int]:
    found: dict[str, int] = {}
    for reason in LedgerTransaction.objects.filter(payment=payment).values_list(
        "reason", flat=True
    ):
        found[reason] = found.get(reason, 0) + 1
    return found


def test_card_funding_waits_for_the_card_then_fills_the_budget(stripe_standin, bob):
    funding = fund_by_card(bob)
    payment = funding.payment
    assert funding.method == "card" and funding.status == SponsorFunding.Status.PENDING
    assert payment.purpose == Payment.Purpose.SPONSOR_FUNDING and payment.client == bob
    assert payment.provider == "stripe" and payment.provider_ref.startswith("pi_")
    assert stripe_standin.get(payment.provider_ref)["amount"] == 50_000
    assert budget_balance() == 0 and selectors.budget(BUDGET, "EUR").funded == 0

    stripe_standin.confirm(payment.provider_ref, succeed=True)
    funding = services.card_sync(funding, now=NOW)  # the return page
    assert funding.status == SponsorFunding.Status.PAID and funding.paid_at == NOW
    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert budget_balance() == 50_000
    figures = selectors.budget(BUDGET, "EUR")
    assert (figures.funded, figures.balance, figures.invoiced_unpaid) == (50_000, 50_000, 0)
    assert natural_balance("provider_clearing:stripe:") == 50_000
    assert natural_balance(f"in_flight:payment:{payment.pk}:") == 0
    assert postings(payment) == {"card_received": 1, "sponsor_fund": 1}
    assert not payment.documents.exists()  # the funding row is the record, as for invoices
    assert_ledger_sound()


def test_a_replayed_confirmation_posts_once(stripe_standin, bob):
    funding = fund_by_card(bob)
    payment = funding.payment
    stripe_standin.confirm(payment.provider_ref, succeed=True)
    delivery = stripe_standin.event(
        "payment_intent.succeeded", stripe_standin.get(payment.provider_ref)
    )
    first = Client().post(
        "/webhooks/stripe",
        data=delivery.payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=delivery.signature,
    )
    assert first.status_code == 200 and first.json()["result"] == "applied"
    # The same delivery again, another event about the same intent, and the return page.
    again = Client().post(
        "/webhooks/stripe",
        data=delivery.payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=delivery.signature,
    )
    assert again.json()["result"] == "duplicate"
    other = stripe_standin.event(
        "payment_intent.succeeded", stripe_standin.get(payment.provider_ref)
    )
    assert (
        Client()
        .post(
            "/webhooks/stripe",
            data=other.payload,
            content_type="application/json",
            HTTP_STRIPE_SIGNATURE=other.signature,
        )
        .json()["result"]
        == "applied"
    )
    services.card_sync(SponsorFunding.objects.get(pk=funding.pk), now=NOW)
    funding.refresh_from_db()
    assert funding.status == SponsorFunding.Status.PAID
    assert budget_balance() == 50_000
    assert postings(payment) == {"card_received": 1, "sponsor_fund": 1}
    assert_ledger_sound()


def test_a_refused_card_funds_nothing(stripe_standin, bob):
    funding = fund_by_card(bob)
    stripe_standin.confirm(funding.payment.provider_ref, succeed=False)
    funding = services.card_sync(funding, now=NOW)
    assert funding.status == SponsorFunding.Status.FAILED and funding.paid_at is None
    funding.payment.refresh_from_db()
    assert funding.payment.status == Payment.Status.FAILED
    assert budget_balance() == 0 and selectors.budget(BUDGET, "EUR").funded == 0
    assert not LedgerTransaction.objects.filter(payment=funding.payment).exists()
    assert_ledger_sound()


def test_an_abandoned_card_lapses_and_a_late_success_is_refunded(stripe_standin, bob):
    funding = fund_by_card(bob)
    assert payments_sweep(now=NOW + services.CARD_WINDOW - timedelta(seconds=1)) == 0
    assert payments_sweep(now=NOW + services.CARD_WINDOW) == 1
    funding.refresh_from_db()
    assert funding.status == SponsorFunding.Status.FAILED
    # The card went through after the lapse: the money goes straight back, the budget is 0.
    stripe_standin.confirm(funding.payment.provider_ref, succeed=True)
    from tandem.payments.checkout.services import payment_apply_intent
    from tandem.payments.providers import get_provider

    intent = get_provider("stripe").retrieve_intent(funding.payment.provider_ref)
    payment_apply_intent(payment=funding.payment, intent=intent, now=NOW + timedelta(days=2))
    funding.refresh_from_db()
    assert funding.status == SponsorFunding.Status.FAILED
    assert budget_balance() == 0
    assert natural_balance("provider_clearing:stripe:") == 0
    assert_ledger_sound()


def test_the_same_key_answers_with_the_same_card_funding(stripe_standin, bob):
    first = fund_by_card(bob, key="fund-card-1")
    again = fund_by_card(bob, key="fund-card-1")
    assert again.pk == first.pk and again.payment_id == first.payment_id
    assert Payment.objects.count() == 1 and len(stripe_standin.intents()) == 1


def test_card_funding_is_refused_with_the_manual_provider(settings, bob):
    settings.TANDEM_PAYMENT_PROVIDER = "manual"
    assert services.card_available() is False
    with pytest.raises(InvalidInput) as refused:
        fund_by_card(bob)
    assert refused.value.code == "method_unavailable"
    assert not SponsorFunding.objects.exists() and not Payment.objects.exists()


@pytest.mark.parametrize("amount", [0, -1, 10.5, True, "100", 10**15])
def test_bad_card_amounts_are_refused_and_change_nothing(stripe_standin, bob, amount):
    with pytest.raises(InvalidInput):
        fund_by_card(bob, amount=amount)
    assert not SponsorFunding.objects.exists() and not Payment.objects.exists()
    assert stripe_standin.intents() == []


def test_a_card_funding_needs_a_person(stripe_standin):
    with pytest.raises(InvalidInput):
        fund_by_card(None)
    assert not SponsorFunding.objects.exists() and not Payment.objects.exists()


def test_staff_cannot_refund_a_card_paid_budget(stripe_standin, bob, staff_user):
    funding = fund_by_card(bob)
    stripe_standin.confirm(funding.payment.provider_ref, succeed=True)
    services.card_sync(funding, now=NOW)
    with pytest.raises(InvalidInput) as refused:
        refund_staff(
            payment_id=funding.payment.public_id, staff=staff_user, amount=100, message="Why"
        )
    assert refused.value.code == "not_refundable"
    assert budget_balance() == 50_000
    assert_ledger_sound()


def test_the_payment_shows_on_the_payers_history_and_staff_pages(stripe_standin, bob, staff_user):
    funding = fund_by_card(bob)
    stripe_standin.confirm(funding.payment.provider_ref, succeed=True)
    services.card_sync(funding, now=NOW)
    client = Client()
    client.force_login(bob)
    history = client.get("/payments/")
    assert history.status_code == 200 and "500.00" in history.content.decode()
    api = client.get(f"/api/v1/payments/{funding.payment.public_id}")
    assert api.status_code == 200 and api.json()["purpose"] == "sponsor"
    client.force_login(staff_user)
    page = client.get(f"/staff/payments/{funding.payment.public_id}/")
    assert page.status_code == 200 and "Programme budget" in page.content.decode()
