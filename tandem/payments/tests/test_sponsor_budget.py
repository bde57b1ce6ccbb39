"""A sponsored programme's budget: funding by invoice or from the organisation's credit,
recording the invoice paid, closing it into the organisation's credit, and the figures the
selectors derive — each reconciled with the ledger. Bad input changes nothing.

Olivia-like actor: `staff_user` (who may act is orgs' rule; payments records the actor).
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from tandem.booking import services as booking_services
from tandem.booking.tests.conftest import at, make_coach, make_type
from tandem.core.errors import Conflict, InvalidInput, NotFound
from tandem.payments.checkout.services import PayWith, checkout_booking
from tandem.payments.errors import CurrencyMismatch, InsufficientFunds
from tandem.payments.ledger import accounts
from tandem.payments.models import LedgerEntry, LedgerTransaction, SponsorFunding
from tandem.payments.sponsors import port as sponsor_port
from tandem.payments.sponsors import selectors, services

from .ledger_checks import assert_ledger_sound, natural_balance
from .sponsor_fakes import BUDGET, ORG, FakeSponsor

pytestmark = pytest.mark.django_db
NOW = at(0, 9)
OTHER_BUDGET = "programme:2"


def fund(amount: int, method: str = "invoice", owner: str = BUDGET, key=None, actor=None):
    return services.fund(
        budget_owner=owner,
        org_owner=ORG,
        amount=amount,
        currency="EUR",
        method=method,
        actor=actor,
        now=NOW,
        idempotency_key=key,
    )


def reconcile(owner: str = BUDGET) -> None:
    """The selector's figures are the ledger's: balance, and the identity between them."""
    figures = selectors.budget(owner, "EUR")
    assert figures.balance == accounts.sponsor_budget_balance(owner, "EUR")
    assert figures.balance == figures.funded - figures.spent - figures.closed
    assert figures.spent == figures.drawn - figures.returned
    # Read by the reason copied onto the entries: the same as by their transactions' reasons.
    by_txn = dict(
        LedgerEntry.objects.filter(account=accounts.sponsor_budget(owner, "EUR"))
        .values_list("transaction__reason")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    assert (figures.funded, figures.drawn, figures.returned, figures.closed) == (
        -by_txn.get("sponsor_fund", 0),
        by_txn.get("payment_take", 0),
        -by_txn.get("refund", 0) - by_txn.get("payment_release", 0),
        by_txn.get("sponsor_close", 0),
    )
    unpaid = sum(
        f.amount
        for f in SponsorFunding.objects.filter(org_owner=ORG, status=SponsorFunding.Status.INVOICED)
    )
    assert accounts.org_receivable_balance(ORG, "EUR") == unpaid
    assert_ledger_sound()


def test_funding_by_invoice_is_available_at_once_and_the_organisation_owes_it(staff_user):
    funding = fund(50000, actor=staff_user)
    assert funding.status == SponsorFunding.Status.INVOICED and funding.paid_at is None
    assert funding.created_by == staff_user
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 50000
    assert accounts.org_receivable_balance(ORG, "EUR") == 50000
    figures = selectors.budget(BUDGET, "EUR")
    assert (figures.funded, figures.balance, figures.invoiced_unpaid) == (50000, 50000, 50000)
    reconcile()

    paid = services.mark_invoice_paid(funding_id=funding.public_id, actor=staff_user, now=NOW)
    assert paid.status == SponsorFunding.Status.PAID and paid.paid_at == NOW
    assert accounts.org_receivable_balance(ORG, "EUR") == 0
    assert natural_balance("provider_clearing:manual:") == 50000
    assert selectors.budget(BUDGET, "EUR").invoiced_unpaid == 0
    reconcile()
    # Paid once: a second time is refused and moves nothing.
    before = LedgerEntry.objects.count()
    with pytest.raises(Conflict):
        services.mark_invoice_paid(funding_id=funding.public_id, actor=staff_user, now=NOW)
    assert LedgerEntry.objects.count() == before


def test_closing_moves_what_is_left_to_the_organisations_credit_which_can_fund_again():
    fund(30000)
    moved = services.close(budget_owner=BUDGET, org_owner=ORG, currency="EUR", actor=None, now=NOW)
    assert moved == 30000
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 0
    assert selectors.org_credit_balance(ORG, "EUR") == 30000
    assert selectors.budget(BUDGET, "EUR").closed == 30000
    reconcile()
    # Closing again moves nothing.
    assert (
        services.close(budget_owner=BUDGET, org_owner=ORG, currency="EUR", actor=None, now=NOW) == 0
    )

    # The credit funds the next programme.
    funding = fund(20000, method="org_credit", owner=OTHER_BUDGET)
    assert funding.status == SponsorFunding.Status.PAID and funding.paid_at == NOW
    assert selectors.org_credit_balance(ORG, "EUR") == 10000
    assert accounts.sponsor_budget_balance(OTHER_BUDGET, "EUR") == 20000
    reconcile(OTHER_BUDGET)

    # More than the credit holds: refused with a clear error, nothing posted.
    before = (LedgerEntry.objects.count(), SponsorFunding.objects.count())
    with pytest.raises(InsufficientFunds) as refused:
        fund(10001, method="org_credit", owner=OTHER_BUDGET)
    assert "100.00 EUR left" in refused.value.message
    assert (LedgerEntry.objects.count(), SponsorFunding.objects.count()) == before
    assert selectors.org_credit_balance(ORG, "EUR") == 10000


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"amount": -100}, "amount"),
        ({"amount": 0}, "amount"),
        ({"amount": 10.5}, "amount"),
        ({"amount": True}, "amount"),
        ({"amount": "100"}, "amount"),
        ({"amount": 10**15}, "amount"),
        ({"currency": "eur"}, "currency"),
        ({"currency": "EURO"}, "currency"),
        ({"currency": None}, "currency"),
        ({"method": "cash"}, "method"),
        ({"method": "card"}, "method"),
        ({"budget_owner": "user:1"}, "budget_owner"),
        ({"budget_owner": "programme:1\x00"}, "budget_owner"),
        ({"org_owner": "programme:1"}, "org_owner"),
        ({"org_owner": "org:" + "9" * 200}, "org_owner"),
    ],
)
def test_bad_funding_input_is_refused_and_posts_nothing(change, field):
    values = {
        "budget_owner": BUDGET,
        "org_owner": ORG,
        "amount": 1000,
        "currency": "EUR",
        "method": "invoice",
        "actor": None,
        "now": NOW,
    }
    values.update(change)
    with pytest.raises(InvalidInput) as refused:
        services.fund(**values)
    assert field in refused.value.fields
    assert not LedgerTransaction.objects.exists()
    assert not SponsorFunding.objects.exists()


def test_a_budget_holds_one_currency():
    fund(1000)
    with pytest.raises(CurrencyMismatch):
        services.fund(
            budget_owner=BUDGET,
            org_owner=ORG,
            amount=1000,
            currency="USD",
            method="invoice",
            actor=None,
            now=NOW,
        )
    assert SponsorFunding.objects.count() == 1
    assert accounts.sponsor_budget_balance(BUDGET, "USD") == 0


@pytest.mark.parametrize("funding_id", [uuid.uuid4(), "not-a-uuid", "", None, 12])
def test_marking_an_unknown_funding_paid_is_not_found(funding_id):
    fund(1000)
    with pytest.raises(NotFound):
        services.mark_invoice_paid(funding_id=funding_id, actor=None, now=NOW)
    assert accounts.org_receivable_balance(ORG, "EUR") == 1000


def test_a_credit_funding_is_not_an_open_invoice():
    fund(5000)
    services.close(budget_owner=BUDGET, org_owner=ORG, currency="EUR", actor=None, now=NOW)
    funding = fund(5000, method="org_credit", owner=OTHER_BUDGET)
    with pytest.raises(Conflict):
        services.mark_invoice_paid(funding_id=funding.public_id, actor=None, now=NOW)


def test_funding_is_idempotent_by_key():
    first = fund(7000, key="fund-1")
    again = fund(7000, key="fund-1")
    assert again.pk == first.pk
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 7000
    with pytest.raises(Conflict):
        fund(9000, key="fund-1")
    assert SponsorFunding.objects.count() == 1
    with pytest.raises(InvalidInput):
        fund(7000, key="x" * 300)


def test_fundings_lists_the_history_newest_first():
    first = fund(1000)
    second = fund(2000)
    fund(3000, owner=OTHER_BUDGET)
    assert [f.pk for f in selectors.fundings(BUDGET)] == [second.pk, first.pk]


# --- sessions drawing on the budget, and the batched figures ---------------------------------


@pytest.fixture
def sponsor(bob) -> Iterator[FakeSponsor]:
    previous = sponsor_port.port()
    fake = FakeSponsor(clients={bob.pk})
    sponsor_port.register(fake)
    try:
        yield fake
    finally:
        sponsor_port.register(previous)


def test_every_figure_reconciles_after_sessions_returns_and_closing(sponsor, alice, bob):
    coach = make_coach(alice, slug="alice", cancel_free_hours=24)
    session_type = make_type(coach)  # 80.00 EUR
    fund(30000)
    bookings = [
        checkout_booking(
            client=bob,
            request=booking_services.BookingRequest(
                coach=coach, session_type=session_type, start=at(4 + day, 10)
            ),
            pay_with=PayWith(),
            idempotency_key=None,
        ).booking
        for day in range(3)
    ]
    booking_services.booking_cancel(
        booking_id=bookings[0].public_id, user=bob, reason_code="illness"
    )
    figures = selectors.budget(BUDGET, "EUR")
    assert (figures.funded, figures.drawn, figures.returned, figures.spent) == (
        30000,
        24000,
        8000,
        16000,
    )
    assert figures.balance == 14000 and figures.invoiced_unpaid == 30000
    reconcile()

    moved = services.close(budget_owner=BUDGET, org_owner=ORG, currency="EUR", actor=None, now=NOW)
    assert moved == 14000
    # A session cancelled after the programme ended gives its money back to the budget, and
    # the next close moves it on.
    booking_services.booking_cancel(
        booking_id=bookings[1].public_id, user=bob, reason_code="illness"
    )
    assert accounts.sponsor_budget_balance(BUDGET, "EUR") == 8000
    reconcile()
    assert (
        services.close(budget_owner=BUDGET, org_owner=ORG, currency="EUR", actor=None, now=NOW)
        == 8000
    )
    figures = selectors.budget(BUDGET, "EUR")
    assert figures.balance == 0 and figures.closed == 22000 and figures.spent == 8000
    assert selectors.org_credit_balance(ORG, "EUR") == 22000
    reconcile()


def test_budgets_are_read_in_a_constant_number_of_queries():
    owners = [f"programme:{n}" for n in range(1, 31)]
    for owner in owners[:3]:
        fund(1000, owner=owner)
    with CaptureQueriesContext(connection) as few:
        small = selectors.budgets(owners[:3], "EUR")
    for owner in owners[3:]:
        fund(2000, owner=owner)
    with CaptureQueriesContext(connection) as many:
        large = selectors.budgets(owners, "EUR")
    assert len(few) == len(many) == 2
    assert small[owners[0]].balance == 1000
    assert large[owners[-1]].balance == 2000 and large[owners[-1]].invoiced_unpaid == 2000
    assert selectors.budgets([], "EUR") == {}
    # An unknown budget is all zeros.
    assert selectors.budget("programme:999", "EUR").balance == 0
    for owner in owners:
        reconcile(owner)
