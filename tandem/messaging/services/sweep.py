"""Housekeeping: send idempotency records stop meaning anything after a day."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from ..models import SendIdempotency

# A client retrying a send a day later is not retrying any more (same rule as bookings).
IDEMPOTENCY_RETENTION = timedelta(days=1)


def messaging_sweep(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    deleted, _ = SendIdempotency.objects.filter(created_at__lt=now - IDEMPOTENCY_RETENTION).delete()
    return {"idempotency_records_deleted": deleted}
