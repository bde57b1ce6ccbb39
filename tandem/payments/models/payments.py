"""Payments for bookings, packages and gift cards; where their money came from; refunds;
provider webhook events; and a coach's payment settings."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class CoachPaymentSettings(models.Model):
    coach = models.OneToOneField(
        "coaches.CoachProfile", on_delete=models.CASCADE, related_name="payment_settings"
    )
    # Basis points (1/100 of a percent); null = the platform default (TANDEM_PLATFORM_FEE_BP).
    platform_fee_bp = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(10_000)]
    )
    # Share of the price a coach keeps on a late cancellation or a no-show (percent).
    late_fee_percent = models.PositiveSmallIntegerField(
        default=50, validators=[MaxValueValidator(100)]
    )
    # Stripe Connect account for payouts ("acct_..."), when Stripe is configured.
    stripe_account_id = models.CharField(max_length=64, blank=True)

    class Meta:
        # Django's default plural appends an "s" ("Coach payment settingss" in the admin).
        verbose_name = "coach payment settings"
        verbose_name_plural = "coach payment settings"

    def __str__(self) -> str:
        return f"payment settings of {self.coach}"


class Payment(models.Model):
    class Purpose(models.TextChoices):
        BOOKING = "booking", "Session"
        PACKAGE = "package", "Package"
        GIFT_CARD = "gift_card", "Gift card"
        # A card top-up of a sponsored programme's budget (SponsorFunding.payment).
        SPONSOR_FUNDING = "sponsor", "Programme budget"

    class Status(models.TextChoices):
        # A card payment waits for the provider; the hold keeps the slot meanwhile.
        REQUIRES_PAYMENT = "requires_payment", "Awaiting card payment"
        # Manual provider: an invoice is open; the coach or staff marks it paid.
        AWAITING_INVOICE = "awaiting_invoice", "Invoice open"
        SUCCEEDED = "succeeded", "Paid"
        FAILED = "failed", "Failed"
        CANCELLED = "cancelled", "Cancelled"
        REFUNDED = "refunded", "Refunded"
        PARTIALLY_REFUNDED = "partially_refunded", "Partly refunded"
        # The open invoice was cancelled before it was paid (and anything else given back):
        # nothing was owed in the end, so nothing was refunded.
        VOIDED = "voided", "Voided — nothing to pay"

    OPEN_STATUSES = (Status.REQUIRES_PAYMENT, Status.AWAITING_INVOICE)

    class Provider(models.TextChoices):
        NONE = "none", "No card (credits only)"
        MANUAL = "manual", "Invoice (manual)"
        STRIPE = "stripe", "Card (Stripe)"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="payments"
    )
    coach = models.ForeignKey(
        "coaches.CoachProfile",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    purpose = models.CharField(max_length=12, choices=Purpose.choices)
    booking = models.ForeignKey(
        "booking.Booking", null=True, blank=True, on_delete=models.PROTECT, related_name="payments"
    )
    # The hold a card payment is for (holds are deleted when they become bookings).
    hold_public_id = models.UUIDField(null=True, blank=True)
    session_type = models.ForeignKey(
        "coaches.SessionType", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # For a card payment of a session: the time it books once paid (the hold may lapse).
    booking_start = models.DateTimeField(null=True, blank=True)
    booking_notes = models.TextField(max_length=2000, blank=True)
    package_purchase = models.ForeignKey(
        "payments.PackagePurchase",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="payments",
    )
    gift_card = models.ForeignKey(
        "payments.GiftCard", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    amount = models.BigIntegerField()  # minor units, the whole price
    currency = models.CharField(max_length=3)
    fee = models.BigIntegerField(default=0)  # the platform's part of `amount`
    provider = models.CharField(max_length=8, choices=Provider.choices, default=Provider.NONE)
    provider_ref = models.CharField(max_length=120, blank=True)  # PaymentIntent id, ...
    client_secret = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices)
    refunded = models.BigIntegerField(default=0)
    # The part of an unpaid invoice cancelled (voided): never owed, so never refunded.
    voided = models.BigIntegerField(default=0)
    failure_reason = models.CharField(max_length=200, blank=True)
    idempotency_key = models.CharField(max_length=255, blank=True)
    request_hash = models.CharField(max_length=64, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    succeeded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["client", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="payment_idempotency_unique",
            ),
            models.UniqueConstraint(
                fields=["provider", "provider_ref"],
                condition=~Q(provider_ref=""),
                name="payment_provider_ref_unique",
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="payment_amount_nonneg"),
            models.CheckConstraint(
                condition=Q(refunded__gte=0) & Q(refunded__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(voided__gte=0)
                & Q(voided__lte=models.F("amount") - models.F("refunded")),
                name="payment_void_within_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["client", "created_at"], name="payment_client_idx"),
            models.Index(fields=["status", "expires_at"], name="payment_open_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} payment {self.amount} {self.currency} ({self.status})"

    @property
    def invoice(self):
        """The current version of the payment's invoice or receipt (None if it has none).

        Reads `documents` (prefetch it for lists); credit notes and superseded versions are
        reached through `documents` too."""
        for document in self.documents.all():
            if document.superseded_at is None and document.kind != "credit_note":
                return document
        return None


class PaymentSource(models.Model):
    """One part of a payment: what covered how much of the price."""

    class Kind(models.TextChoices):
        PACKAGE = "package", "Package credit"
        GIFT_CARD = "gift_card", "Gift card"
        CREDIT = "credit", "Account credit"
        CARD = "card", "Card"
        INVOICE = "invoice", "Invoice"
        SPONSOR = "sponsor", "Sponsor"

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="sources")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    amount = models.BigIntegerField()
    refunded = models.BigIntegerField(default=0)
    voided = models.BigIntegerField(default=0)  # an invoice's part cancelled before it was paid
    gift_card = models.ForeignKey(
        "payments.GiftCard", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    package_credit = models.ForeignKey(
        "payments.PackageCredit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # A sponsor: the ledger owner of the programme's budget that paid ("programme:<pk>") and
    # the sponsor's name as it was then ("Covered by Northwind Traders (Leadership 2026)").
    sponsor_owner = models.CharField(max_length=40, blank=True)
    sponsor_name = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="source_amount_nonneg"),
            models.CheckConstraint(
                condition=Q(refunded__gte=0) & Q(refunded__lte=models.F("amount")),
                name="source_refund_within_amount",
            ),
            models.CheckConstraint(
                condition=Q(voided__gte=0)
                & Q(voided__lte=models.F("amount") - models.F("refunded")),
                name="source_void_within_amount",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class Refund(models.Model):
    class Reason(models.TextChoices):
        POLICY = "policy", "Cancellation policy"
        COACH_CANCELLED = "coach_cancelled", "Cancelled by the coach"
        DECLINED = "declined", "Request declined or expired"
        UNBOOKABLE = "unbookable", "Paid after the slot was gone"
        STAFF = "staff", "Issued by staff"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="refunds")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=16, choices=Reason.choices)
    message = models.CharField(max_length=500, blank=True)
    # What the coach kept (late fee), for the record.
    kept = models.BigIntegerField(default=0)
    # The part of the platform fee given back with this refund.
    fee_returned = models.BigIntegerField(default=0)
    provider_ref = models.CharField(max_length=120, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="refund_amount_nonneg"),
        ]

    def __str__(self) -> str:
        return f"refund {self.amount} {self.currency} ({self.reason})"


class PaymentVoid(models.Model):
    """Part or all of an unpaid invoice cancelled: the client no longer owes it.

    Not a refund (no money was received, none goes back): the receivable is reversed and
    what the coach had earned on the invoice (and the platform's fee share) is taken back.
    """

    payment = models.ForeignKey(Payment, on_delete=models.PROTECT, related_name="voids")
    amount = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    reason = models.CharField(max_length=16, choices=Refund.Reason.choices)
    message = models.CharField(max_length=500, blank=True)
    # What stays owed on the invoice (a late fee), for the record.
    kept = models.BigIntegerField(default=0)
    # The part of the platform fee given back with this void.
    fee_returned = models.BigIntegerField(default=0)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="void_amount_positive"),
        ]

    def __str__(self) -> str:
        return f"void {self.amount} {self.currency} ({self.reason})"


class ProviderEvent(models.Model):
    """A webhook event, recorded once by its id: a redelivery changes nothing."""

    provider = models.CharField(max_length=16)
    event_id = models.CharField(max_length=120)
    type = models.CharField(max_length=80)
    object_id = models.CharField(max_length=120, blank=True)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_id"], name="provider_event_once"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.type} {self.event_id}"
