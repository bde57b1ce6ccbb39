"""Packages: a coach sells N sessions of a type at a price, valid for D days."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone


class PackageOffer(models.Model):
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    coach = models.ForeignKey(
        "coaches.CoachProfile", on_delete=models.CASCADE, related_name="package_offers"
    )
    session_type = models.ForeignKey(
        "coaches.SessionType", on_delete=models.PROTECT, related_name="package_offers"
    )
    name = models.CharField(max_length=120)
    sessions = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(2), MaxValueValidator(100)]
    )
    price = models.BigIntegerField()  # minor units for all sessions together
    currency = models.CharField(max_length=3)
    valid_days = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(3650)]
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["coach", "sessions"]
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="package_price_nonneg"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.sessions} sessions)"


class PackagePurchase(models.Model):
    class Status(models.TextChoices):
        AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
        ACTIVE = "active", "Active"
        EXPIRED = "expired", "Expired"
        REFUNDED = "refunded", "Refunded"
        CANCELLED = "cancelled", "Cancelled"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    offer = models.ForeignKey(PackageOffer, on_delete=models.PROTECT, related_name="purchases")
    client = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="package_purchases"
    )
    coach = models.ForeignKey(
        "coaches.CoachProfile", on_delete=models.PROTECT, related_name="package_purchases"
    )
    session_type = models.ForeignKey(
        "coaches.SessionType", on_delete=models.PROTECT, related_name="+"
    )
    sessions = models.PositiveSmallIntegerField()
    price = models.BigIntegerField()
    currency = models.CharField(max_length=3)
    status = models.CharField(max_length=16, choices=Status.choices)
    purchased_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()

    class Meta:
        ordering = ["-purchased_at", "-pk"]
        indexes = [
            models.Index(fields=["client", "coach", "status"], name="package_client_idx"),
            models.Index(fields=["status", "expires_at"], name="package_expiry_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.offer} for {self.client}"


class PackageCredit(models.Model):
    """One prepaid session of a purchase. Its value is the price split evenly (the first
    credits carry the remainder's extra minor units, so the values sum to the price)."""

    class Status(models.TextChoices):
        PENDING = "pending", "Not yet paid"
        AVAILABLE = "available", "Available"
        USED = "used", "Used"
        FORFEITED = "forfeited", "Forfeited at expiry"
        REFUNDED = "refunded", "Refunded"

    purchase = models.ForeignKey(PackagePurchase, on_delete=models.CASCADE, related_name="credits")
    index = models.PositiveSmallIntegerField()
    value = models.BigIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices)
    booking = models.ForeignKey(
        "booking.Booking", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["purchase", "index"]
        constraints = [
            models.UniqueConstraint(fields=["purchase", "index"], name="package_credit_index"),
        ]

    def __str__(self) -> str:
        return f"credit {self.index} of {self.purchase_id} ({self.status})"
