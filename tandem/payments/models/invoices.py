"""Invoices, receipts and credit notes, numbered per coach without gaps.

A document, once issued, is never rewritten: what it says (the session's time, the lines,
the payment sources, the amount) is frozen in `snapshot` at issue and the PDF is rendered from
it. Only its payment state moves (open -> paid or void). A change of time or details issues a
new version (a new number; the old one gets `superseded_at` and `superseded_by`); money given
back after issue (a refund or a void) issues a credit note in its own gapless series.
"""

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
    # Credit notes have their own series: 1, 2, 3, ... per coach.
    last_credit_number = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.coach}: {self.last_number}"


class Invoice(models.Model):
    class Kind(models.TextChoices):
        INVOICE = "invoice", "Invoice"  # issued before payment (manual provider)
        RECEIPT = "receipt", "Receipt"  # issued for a payment that succeeded
        CREDIT_NOTE = "credit_note", "Credit note"  # money given back (refund or void) after issue

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PAID = "paid", "Paid"
        VOID = "void", "Void"
        ISSUED = "issued", "Issued"  # a credit note

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(
        "coaches.CoachProfile", on_delete=models.PROTECT, related_name="invoices"
    )
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="invoices"
    )
    # A payment's documents: its versions (one current) and its credit notes.
    # `Payment.invoice` is the current version.
    payment = models.ForeignKey(
        "payments.Payment", on_delete=models.PROTECT, related_name="documents"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    number = models.PositiveIntegerField()
    version = models.PositiveSmallIntegerField(default=1)
    supersedes = models.OneToOneField(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="superseded_by"
    )
    superseded_at = models.DateTimeField(null=True, blank=True)
    # For a credit note: the document (version) whose amount it corrects.
    credits = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="credit_notes"
    )
    # What the document says, frozen at issue (documents/services.snapshot_of). Empty only
    # for documents issued before snapshots existed: those render from the columns below,
    # which were never rewritten either.
    snapshot = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=8, choices=Status.choices)
    description = models.CharField(max_length=300)
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    issued_at = models.DateTimeField(default=timezone.now)
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["coach", "number"],
                condition=~models.Q(kind="credit_note"),
                name="invoice_number_per_coach",
            ),
            models.UniqueConstraint(
                fields=["coach", "number"],
                condition=models.Q(kind="credit_note"),
                name="credit_note_number_per_coach",
            ),
            # One current version per payment (credit notes aside).
            models.UniqueConstraint(
                fields=["payment"],
                condition=models.Q(superseded_at__isnull=True) & ~models.Q(kind="credit_note"),
                name="one_current_document_per_payment",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.number} of {self.coach}"

    @property
    def is_credit_note(self) -> bool:
        return self.kind == self.Kind.CREDIT_NOTE

    @property
    def is_current(self) -> bool:
        return self.superseded_at is None
