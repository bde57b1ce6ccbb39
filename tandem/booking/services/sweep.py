"""Housekeeping: rows that stopped meaning anything."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import IdempotencyRecord
from .expiry import expire_due_requests
from .holds import holds_sweep

# A client retrying a booking request a day later is not retrying any more.
IDEMPOTENCY_RETENTION = timedelta(days=1)


def booking_sweep(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    records, _ = IdempotencyRecord.objects.filter(
        created_at__lt=now - IDEMPOTENCY_RETENTION
    ).delete()
    return {
        "expired_requests": expire_due_requests(now=now),
        "holds_deleted": holds_sweep(now=now),
        "idempotency_records_deleted": records,
        "packages_expired": _packages_expire(now),
    }


def _packages_expire(now: datetime) -> int:
    from tandem.payments.packages.services import packages_expire  # payments builds on booking

    return packages_expire(now=now)
