"""The budget page's "Card" funding (Stripe through the real library against the local
stand-in): Olivia chooses Card, is sent to the card page, and once the provider confirms
(the return page re-reads the intent), the amount is in the budget once and the funding is
paid. A refused card funds nothing. With the manual provider Card is not offered. Anyone
but Northwind's admins gets 404 and nothing changes."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from tandem.orgs.models import Programme
from tandem.payments.models import Payment, SponsorFunding
from tandem.payments.sponsors import selectors as budget_selectors
from tandem.payments.tests.conftest import stripe_standin  # noqa: F401 (a fixture)
from tandem.payments.tests.ledger_checks import assert_ledger_sound

pytestmark = pytest.mark.django_db


def _choose_card(client, programme: Programme, amount: str = "500.00"):
    return client.post(
        reverse("orgs_budget", args=[programme.public_id]), {"amount": amount, "method": "card"}
    )


def test_card_funding_goes_through_the_card_page(client, olivia, programme, stripe_standin):  # noqa: F811
    client.force_login(olivia)
    budget_url = reverse("orgs_budget", args=[programme.public_id])
    assert 'value="card"' in client.get(budget_url).content.decode()
    response = _choose_card(client, programme)
    assert response.status_code == 302, response.content.decode()[:2000]
    funding = SponsorFunding.objects.get()
    assert response["Location"] == reverse(
        "orgs_budget_card", args=[programme.public_id, funding.public_id]
    )
    assert funding.status == SponsorFunding.Status.PENDING and funding.amount == 50_000
    assert budget_selectors.budget(programme.budget_owner, "EUR").funded == 0

    page = client.get(response["Location"])
    assert page.status_code == 200
    body = page.content.decode()
    payment = Payment.objects.get()
    assert payment.provider_ref.startswith("pi_") and payment.client == olivia
    assert "data-card-payment" in body and payment.client_secret in body
    assert "js.stripe.com" in page.headers.get("Content-Security-Policy", "")
    assert "Pay by card" in client.get(budget_url).content.decode()  # the pending one links here

    stripe_standin.confirm(payment.provider_ref, succeed=True)
    for _ in range(2):  # the return page, then a reload: posted once
        back = client.get(response["Location"] + "?redirect_status=succeeded")
        assert back.status_code == 200 and "is in the programme" in back.content.decode()
    funding.refresh_from_db()
    assert funding.status == SponsorFunding.Status.PAID
    figures = budget_selectors.budget(programme.budget_owner, "EUR")
    assert figures.funded == 50_000 and figures.balance == 50_000
    assert_ledger_sound()


def test_a_refused_card_funds_nothing(client, olivia, programme, stripe_standin):  # noqa: F811
    client.force_login(olivia)
    url = _choose_card(client, programme)["Location"]
    client.get(url)
    payment = Payment.objects.get()
    stripe_standin.confirm(payment.provider_ref, succeed=False)
    body = client.get(url).content.decode()
    assert "did not go through" in body and "data-card-payment" not in body
    assert SponsorFunding.objects.get().status == SponsorFunding.Status.FAILED
    assert budget_selectors.budget(programme.budget_owner, "EUR").funded == 0
    assert_ledger_sound()


def test_manual_provider_does_not_offer_card(client, olivia, programme, settings):
    settings.TANDEM_PAYMENT_PROVIDER = "manual"
    client.force_login(olivia)
    assert (
        'value="card"'
        not in client.get(reverse("orgs_budget", args=[programme.public_id])).content.decode()
    )
    response = _choose_card(client, programme)
    assert response.status_code == 400
    assert not SponsorFunding.objects.exists() and not Payment.objects.exists()


@pytest.mark.parametrize("amount", ["", "abc", "-5", "0", "1.234", "1" * 40, "5\x00"])
def test_bad_amounts_answer_400_and_change_nothing(
    client,
    olivia,
    programme,
    stripe_standin,  # noqa: F811
    amount,
):
    client.force_login(olivia)
    assert _choose_card(client, programme, amount).status_code == 400
    assert not SponsorFunding.objects.exists() and not Payment.objects.exists()


@pytest.mark.parametrize("who", ["charlie", "gus", "alice", "staff_user", "bob"])
def test_others_get_404_and_nothing_changes(
    client,
    olivia,
    programme,
    stripe_standin,  # noqa: F811
    who,
    request,
):
    client.force_login(olivia)
    url = _choose_card(client, programme)["Location"]
    user: Any = request.getfixturevalue(who)
    client.force_login(user)
    assert client.get(url).status_code == 404
    assert _choose_card(client, programme).status_code == 404
    assert client.get(url.replace("/card/", "/card/x")).status_code == 404
    assert SponsorFunding.objects.count() == 1
    assert Payment.objects.get().provider_ref == ""  # nobody else started Olivia's card


def test_an_unknown_funding_is_404(client, olivia, programme, stripe_standin):  # noqa: F811
    client.force_login(olivia)
    url = reverse(
        "orgs_budget_card",
        args=[programme.public_id, "00000000-0000-4000-8000-000000000000"],
    )
    assert client.get(url).status_code == 404


def test_the_api_sends_card_funding_to_the_budget_page(client, olivia, programme, stripe_standin):  # noqa: F811
    client.force_login(olivia)
    response = client.post(
        f"/api/v1/orgs/programmes/{programme.public_id}/fundings",
        data={"amount": 50_000, "method": "card"},
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "method_unavailable"
    assert not SponsorFunding.objects.exists() and not Payment.objects.exists()


def test_an_ended_programme_takes_no_card(client, olivia, programme, stripe_standin):  # noqa: F811
    client.force_login(olivia)
    url = _choose_card(client, programme)["Location"]
    Programme.objects.filter(pk=programme.pk).update(status=Programme.Status.ENDED)
    body = client.get(url).content.decode()
    assert "has ended" in body and "data-card-payment" not in body
    assert Payment.objects.get().provider_ref == "" and stripe_standin.intents() == []
    assert SponsorFunding.objects.get().status == SponsorFunding.Status.PENDING
