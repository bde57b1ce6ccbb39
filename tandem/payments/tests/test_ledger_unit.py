"""The ledger's own rules, posting by hand: balanced integer legs inside a transaction, a
unique correlation key, no overdraft of accounts that may not go negative, and balances
derived from the entries with each account kind's natural sign."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction

from tandem.booking.tests.conftest import make_coach
from tandem.payments.errors import InsufficientFunds, UnbalancedTransaction
from tandem.payments.ledger import accounts
from tandem.payments.ledger import services as ledger
from tandem.payments.models import Account, LedgerEntry, LedgerTransaction

from .ledger_checks import assert_ledger_sound

pytestmark = pytest.mark.django_db

Kind = Account.Kind


def post(legs, key: str = "unit-1", reason: str = "unit"):
    with transaction.atomic():
        return ledger.post(reason=reason, correlation_key=key, legs=legs)


def counts() -> tuple[int, int]:
    return LedgerTransaction.objects.count(), LedgerEntry.objects.count()


def test_a_balanced_posting_is_recorded(bob) -> None:
    promo, credit = accounts.promotions("EUR"), accounts.client_credit(bob, "EUR")
    txn = post([(promo, 500), (credit, -500)])
    assert sorted(txn.entries.values_list("amount", flat=True)) == [-500, 500]
    assert set(txn.entries.values_list("currency", flat=True)) == {"EUR"}
    assert ledger.balance(credit) == 500
    assert ledger.balance(promo) == 500
    assert_ledger_sound()


@pytest.mark.parametrize("legs", [[500, -499], [1, 0], [-1]])
def test_unbalanced_legs_are_refused(bob, legs) -> None:
    promo, credit = accounts.promotions("EUR"), accounts.client_credit(bob, "EUR")
    pairs = [(promo, legs[0]), *([(credit, legs[1])] if len(legs) > 1 else [])]
    with pytest.raises(UnbalancedTransaction):
        post(pairs)
    assert counts() == (0, 0)


def test_legs_must_balance_per_currency(bob) -> None:
    # +500 EUR and -500 USD sum to zero as numbers, but not per currency.
    with pytest.raises(UnbalancedTransaction):
        post([(accounts.promotions("EUR"), 500), (accounts.client_credit(bob, "USD"), -500)])
    assert counts() == (0, 0)


@pytest.mark.parametrize(
    "amount",
    [5.0, 0.5, Decimal("5"), Decimal("5.00"), True, "5"],
    ids=["float", "float-half", "decimal", "decimal-cents", "bool", "str"],
)
def test_non_int_amounts_are_refused(bob, amount) -> None:
    promo, credit = accounts.promotions("EUR"), accounts.client_credit(bob, "EUR")
    with pytest.raises(UnbalancedTransaction):
        post([(promo, amount), (credit, -amount if not isinstance(amount, str) else amount)])
    assert counts() == (0, 0)


def test_empty_and_netting_to_nothing_postings_are_refused(bob) -> None:
    with pytest.raises(UnbalancedTransaction):
        post([])
    credit = accounts.client_credit(bob, "EUR")
    with pytest.raises(UnbalancedTransaction):  # +5 and -5 on the same account: nothing moves
        post([(credit, 5), (credit, -5)])
    assert counts() == (0, 0)


@pytest.mark.django_db(transaction=True)
def test_posting_outside_a_transaction_is_refused(bob) -> None:
    # A transactional test: no atomic block wraps this one, as in autocommit code.
    promo, credit = accounts.promotions("EUR"), accounts.client_credit(bob, "EUR")
    with pytest.raises(RuntimeError, match="inside the caller's transaction"):
        ledger.post(reason="unit", correlation_key="outside", legs=[(promo, 1), (credit, -1)])
    assert counts() == (0, 0)


def test_a_duplicate_correlation_key_returns_the_first_and_moves_nothing(bob) -> None:
    promo, credit = accounts.promotions("EUR"), accounts.client_credit(bob, "EUR")
    first = post([(promo, 700), (credit, -700)], key="same")
    again = post([(promo, 9_999), (credit, -9_999)], key="same")
    assert again.pk == first.pk
    assert counts() == (1, 2)
    assert ledger.balance(credit) == 700
    # Even an unbalanced replay is answered with the first: the event already happened.
    assert post([(promo, 1)], key="same").pk == first.pk
    assert counts() == (1, 2)


NON_NEGATIVE = [
    ("client credit", lambda ctx: accounts.client_credit(ctx["bob"], "EUR")),
    ("gift card", lambda ctx: ledger.account(Kind.GIFT_CARD, "EUR", owner="card:unit")),
    ("package", lambda ctx: ledger.account(Kind.PACKAGE, "EUR", owner="package:unit")),
    ("in flight", lambda ctx: ledger.account(Kind.IN_FLIGHT, "EUR", owner="payment:unit")),
    ("receivable", lambda ctx: accounts.receivable(ctx["bob"], "EUR")),
]


@pytest.mark.parametrize("make", [m for _, m in NON_NEGATIVE], ids=[n for n, _ in NON_NEGATIVE])
def test_an_overdraft_of_a_non_negative_account_is_refused(bob, make) -> None:
    guarded = make({"bob": bob})
    assert not guarded.may_go_negative
    other = accounts.platform_revenue("EUR")
    # Put 300 on it (in its natural direction), then try to take 301 off.
    sign = 1 if guarded.debit_normal else -1
    post([(guarded, sign * 300), (other, -sign * 300)], key="fund")
    before = counts()
    with pytest.raises(InsufficientFunds) as refused:
        post([(guarded, -sign * 301), (other, sign * 301)], key="overdraw")
    assert refused.value.code == "insufficient_funds"
    assert counts() == before  # no entries, no transaction
    assert not LedgerTransaction.objects.filter(correlation_key="overdraw").exists()
    assert ledger.balance(guarded) == 300
    # Taking exactly what is there is fine.
    post([(guarded, -sign * 300), (other, sign * 300)], key="empty-it")
    assert ledger.balance(guarded) == 0
    assert_ledger_sound()


def test_coach_payable_and_revenue_may_go_negative(alice, bob) -> None:
    coach = make_coach(alice, slug="alice")
    payable = accounts.coach_payable(coach, "EUR")
    revenue = accounts.platform_revenue("EUR")
    clearing = accounts.provider_clearing("manual", "EUR")
    assert payable.may_go_negative and revenue.may_go_negative
    # A refund after a payout: the coach owes money back, the platform gives its fee back.
    post([(payable, 900), (revenue, 100), (clearing, -1000)], key="refund-after-payout")
    assert ledger.balance(payable) == -900
    assert ledger.balance(revenue) == -100
    assert ledger.balance(clearing) == -1000  # an asset account: debit-normal, no guard
    assert_ledger_sound()


def test_balances_are_derived_with_each_kinds_natural_sign(alice, bob) -> None:
    coach = make_coach(alice, slug="alice")
    clearing = accounts.provider_clearing("manual", "EUR")
    payable = accounts.coach_payable(coach, "EUR")
    revenue = accounts.platform_revenue("EUR")
    credit = accounts.client_credit(bob, "EUR")
    promo = accounts.promotions("EUR")
    # A paid session of 80.00 (8.00 fee), then 5.00 of promotional credit.
    post([(clearing, 8000), (payable, -7200), (revenue, -800)], key="paid")
    post([(promo, 500), (credit, -500)], key="promo")
    # Debit-normal (assets, expenses): the raw sum. Credit-normal: minus the raw sum.
    assert ledger.balance(clearing) == 8000
    assert ledger.balance(promo) == 500
    assert ledger.balance(payable) == 7200
    assert ledger.balance(revenue) == 800
    assert ledger.balance(credit) == 500
    assert ledger.balances([clearing, payable, credit]) == {
        clearing.pk: 8000,
        payable.pk: 7200,
        credit.pk: 500,
    }
    # Nothing is stored on the account: the balance is only the entries' sum.
    raw = {a.pk: sum(e.amount for e in LedgerEntry.objects.filter(account=a)) for a in (payable,)}
    assert raw[payable.pk] == -7200
    assert accounts.coach_payable_balance(coach, "EUR") == 7200
    assert accounts.client_credit_balance(bob, "USD") == 0  # no account yet: 0, none created
    assert not Account.objects.filter(key__startswith=f"client_credit:user:{bob.pk}:USD").exists()
    assert_ledger_sound()
