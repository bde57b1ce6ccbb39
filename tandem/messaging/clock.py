"""The time services read. One seam, so tests can move the clock (the edit window)."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
