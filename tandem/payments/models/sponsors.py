"""Money an organisation puts into a sponsored programme's budget (payments/sponsors).

The budget itself is a `sponsor_budget` ledger account (owner "programme:<pk>"); a
`SponsorFunding` is the record of one top-up: how it was paid (an invoice to the
organisation, its credit, or a card through checkout's `Payment` of purpose "sponsor"), and
whether the invoice (or the card) has been paid. Figures are always
derived from the ledger; this row only says what happened and who did it.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class SponsorFunding(models.Model):
    class Method(models.TextChoices):
        INVOICE = "invoice", "Invoice"
        ORG_CREDIT = "org_credit", "Organisation credit"
        CARD = "card", "Card"

    class Status(models.TextChoices):
        # Invoice: the budget is available at once; the organisation owes the amount.
        INVOICED = "invoiced", "Invoiced, not paid yet"
        PAID = "paid", "Paid"
        # Card: waiting for the provider; nothing is in the budget until it confirms.
        PENDING = "pending", "Awaiting card payment"
        # Card: refused, cancelled or abandoned; nothing was put in the budget.
        FAILED = "failed", "Card payment failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    budget_owner = models.CharField(max_length=40)  # "programme:<pk>"
    org_owner = models.CharField(max_length=40)  # "org:<pk>"
    method = models.CharField(max_length=12, choices=Method.choices)
    amount = models.BigIntegerField()  # minor units
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=10, choices=Status.choices)
    idempotency_key = models.CharField(max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)
    paid_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Card: the checkout payment that pays it (purpose "sponsor").
    payment = models.OneToOneField(
        "payments.Payment",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="sponsor_funding",
    )

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="sponsor_funding_positive"),
            models.UniqueConstraint(
                fields=["budget_owner", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="sponsor_funding_idempotency",
            ),
        ]
        indexes = [
            models.Index(fields=["budget_owner", "created_at"], name="sponsor_funding_budget_idx"),
            models.Index(fields=["org_owner", "status"], name="sponsor_funding_org_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.method} funding of {self.budget_owner}: {self.amount} {self.currency}"
