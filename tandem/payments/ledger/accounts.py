"""Which ledger account holds what. Every service names accounts through these helpers, so
an account's key (its identity) is spelled in one place."""

from __future__ import annotations

from ..models import Account
from . import services as ledger

Kind = Account.Kind


def client_credit(user, currency: str) -> Account:
    return ledger.account(Kind.CLIENT_CREDIT, currency, user=user)


def receivable(user, currency: str) -> Account:
    return ledger.account(Kind.RECEIVABLE, currency, user=user)


def coach_payable(coach, currency: str) -> Account:
    return ledger.account(Kind.COACH_PAYABLE, currency, coach=coach)


def platform_revenue(currency: str) -> Account:
    return ledger.account(Kind.PLATFORM_REVENUE, currency)


def promotions(currency: str) -> Account:
    return ledger.account(Kind.PROMOTIONS, currency)


def provider_clearing(provider: str, currency: str) -> Account:
    return ledger.account(Kind.PROVIDER_CLEARING, currency, owner=provider)


def gift_card(card) -> Account:
    return ledger.account(Kind.GIFT_CARD, card.currency, owner=f"card:{card.pk}")


def package(purchase) -> Account:
    return ledger.account(Kind.PACKAGE, purchase.currency, owner=f"package:{purchase.pk}")


def in_flight(payment) -> Account:
    return ledger.account(Kind.IN_FLIGHT, payment.currency, owner=f"payment:{payment.pk}")


def gift_card_balance(card) -> int:
    return ledger.balance_of(Kind.GIFT_CARD, card.currency, owner=f"card:{card.pk}")


def package_balance(purchase) -> int:
    return ledger.balance_of(Kind.PACKAGE, purchase.currency, owner=f"package:{purchase.pk}")


def client_credit_balance(user, currency: str) -> int:
    return ledger.balance_of(Kind.CLIENT_CREDIT, currency, user=user)


def coach_payable_balance(coach, currency: str) -> int:
    return ledger.balance_of(Kind.COACH_PAYABLE, currency, coach=coach)


# --- sponsored programmes (payments/sponsors) ------------------------------------------------
# Owners are strings: a programme's budget "programme:<pk>", an organisation "org:<pk>".


def sponsor_budget(owner: str, currency: str) -> Account:
    """A sponsored programme's prepaid budget (drawn down by the sessions it covers)."""
    return ledger.account(Kind.SPONSOR_BUDGET, currency, owner=owner)


def sponsor_budget_balance(owner: str, currency: str) -> int:
    return ledger.balance_of(Kind.SPONSOR_BUDGET, currency, owner=owner)


def org_credit(org_owner: str, currency: str) -> Account:
    """An organisation's credit: what its ended programmes left unspent."""
    return ledger.account(Kind.ORG_CREDIT, currency, owner=org_owner)


def org_credit_balance(org_owner: str, currency: str) -> int:
    return ledger.balance_of(Kind.ORG_CREDIT, currency, owner=org_owner)


def org_receivable(org_owner: str, currency: str) -> Account:
    """What an organisation owes on its programme invoices not yet paid."""
    return ledger.account(Kind.RECEIVABLE, currency, owner=org_owner)


def org_receivable_balance(org_owner: str, currency: str) -> int:
    return ledger.balance_of(Kind.RECEIVABLE, currency, owner=org_owner)
