"""The append-only double-entry ledger.

Every financial event posts one `LedgerTransaction` whose entries sum to zero per currency.
An entry's `amount` is signed minor units: positive is a debit, negative a credit. Balances are
derived from entries, never stored or edited. An account's *natural* balance is the sum for
debit-normal accounts (assets, expenses) and minus the sum for credit-normal ones (what the
platform owes: client credit, gift cards, packages, coach payables, sponsors' budgets and
organisations' credit; revenue).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class Account(models.Model):
    class Kind(models.TextChoices):
        # Assets (debit-normal)
        PROVIDER_CLEARING = "provider_clearing", "Money held at a payment provider"
        RECEIVABLE = "receivable", "Owed by a client or an organisation (open invoices)"
        # Expenses (debit-normal)
        PROMOTIONS = "promotions", "Platform promotions (staff-issued gift cards)"
        # Liabilities (credit-normal)
        CLIENT_CREDIT = "client_credit", "A client's account credit"
        GIFT_CARD = "gift_card", "A gift card's balance"
        PACKAGE = "package", "Prepaid sessions of a package"
        IN_FLIGHT = "in_flight", "Funds set aside for a payment awaiting its card"
        COACH_PAYABLE = "coach_payable", "Owed to a coach"
        SPONSOR_BUDGET = "sponsor_budget", "Prepaid budget of a sponsored programme"
        ORG_CREDIT = "org_credit", "An organisation's credit: unspent programme budget"
        # Revenue (credit-normal)
        PLATFORM_REVENUE = "platform_revenue", "Platform fees and breakage"

    DEBIT_NORMAL = frozenset({Kind.PROVIDER_CLEARING, Kind.RECEIVABLE, Kind.PROMOTIONS})
    # Accounts whose natural balance may never go below zero (the ledger refuses the posting).
    NON_NEGATIVE = frozenset(
        {
            Kind.RECEIVABLE,
            Kind.CLIENT_CREDIT,
            Kind.GIFT_CARD,
            Kind.PACKAGE,
            Kind.IN_FLIGHT,
            Kind.SPONSOR_BUDGET,
            Kind.ORG_CREDIT,
        }
    )

    # A stable, readable identity: "coach_payable:coach:12:EUR", "gift_card:card:5:EUR", ...
    key = models.CharField(max_length=120, unique=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    currency = models.CharField(max_length=3)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coach = models.ForeignKey(
        "coaches.CoachProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["kind", "currency"], name="ledger_account_kind_idx")]

    def __str__(self) -> str:
        return self.key

    @property
    def debit_normal(self) -> bool:
        return self.kind in self.DEBIT_NORMAL

    @property
    def may_go_negative(self) -> bool:
        return self.kind not in self.NON_NEGATIVE


class LedgerTransaction(models.Model):
    """One balanced posting. `correlation_key` is unique: a retried event cannot post twice."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    correlation_key = models.CharField(max_length=160, unique=True)
    reason = models.CharField(max_length=40)
    memo = models.CharField(max_length=300, blank=True)
    payment = models.ForeignKey(
        "payments.Payment", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    booking = models.ForeignKey(
        "booking.Booking", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.reason} {self.correlation_key}"


class LedgerEntry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.PROTECT, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.PROTECT, related_name="entries")
    # Signed minor units: + debit, - credit. Never zero.
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    # The transaction's reason, copied when it is posted (both are append-only, so they never
    # differ): an account's figures by reason (a sponsor's budget: funded, spent, closed) are
    # read from its entries alone, an index-only scan, without looking up each transaction.
    reason = models.CharField(max_length=40, default="")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["account", "created_at"], name="ledger_entry_account_idx"),
            models.Index(fields=["account", "reason", "amount"], name="ledger_entry_reason_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="ledger_entry_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.account.key} {self.amount:+d} {self.currency}"
