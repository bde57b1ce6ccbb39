"""Housekeeping: rows that stopped meaning anything.

A seam for the apps above booking: their own housekeeping can ride along with the booking
sweep (`manage.py booking_sweep`, `booking_sweep_task`) without booking importing them. An app
registers a step from its AppConfig.ready with `register_step(name, step)`; `booking_sweep`
runs the registered steps after its own, in registration order, and reports each step's
count under its name. Payments registers "packages_expired" (packages past their expiry).
A step must be safe to run twice or concurrently, like every sweep here.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from django.utils import timezone

from ..models import IdempotencyRecord
from .expiry import expire_due_requests
from .holds import holds_sweep

# A client retrying a booking request a day later is not retrying any more.
IDEMPOTENCY_RETENTION = timedelta(days=1)

SweepStep = Callable[[datetime], int]  # now -> how many rows it dealt with

_steps: dict[str, SweepStep] = {}


def register_step(name: str, step: SweepStep) -> None:
    """Run `step(now)` in every booking sweep, its count reported as `name` (from the
    registering app's AppConfig.ready; registering a name again replaces its step)."""
    _steps[name] = step


def booking_sweep(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    records, _ = IdempotencyRecord.objects.filter(
        created_at__lt=now - IDEMPOTENCY_RETENTION
    ).delete()
    counts = {
        "expired_requests": expire_due_requests(now=now),
        "holds_deleted": holds_sweep(now=now),
        "idempotency_records_deleted": records,
    }
    for name, step in _steps.items():
        counts[name] = step(now)
    return counts
