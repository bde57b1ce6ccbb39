"""Invoices and receipts, numbered per coach without gaps."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class InvoiceSequence(models.Model):
    """The last number a coach's documents used; taken under a row lock, so no gaps."""

    coach = models.OneToOneField(
        "coaches.CoachProfile", on_delete=models.CASCADE, related_name="invoice_sequence"
    )
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.coach}: {self.last_number}"


class Invoice(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"  # issued before payment (manual provider)
        RECEIPT = "receipt", "Receipt"  # issued for a payment that succeeded

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PAID = "paid", "Paid"
        VOID = "void", "Void"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(
        "coaches.CoachProfile", on_delete=models.PROTECT, related_name="invoices"
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices"
    )
    payment = models.OneToOneField(
        "payments.Payment", on_delete=models.PROTECT, related_name="invoice"
    )
    kind = models.CharField(max_length=8, choices=Kind.choices)
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=8, choices=Status.choices)
    description = models.CharField(max_length=300)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    issued_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["coach", "number"], name="invoice_number_per_coach"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number} of {self.coach}"
