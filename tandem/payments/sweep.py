"""Money housekeeping: each step is idempotent and claims its rows, so running it twice or
on two machines at once does nothing twice."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from .checkout.cards import payments_sweep
from .giftcards.services import giftcards_expire
from .packages.services import packages_expire


def money_sweep(*, now: datetime | None = None) -> dict[str, int]:
    now = now or timezone.now()
    return {
        "payments_lapsed": payments_sweep(now=now),
        "packages_expired": packages_expire(now=now),
        "gift_cards_expired": giftcards_expire(now=now),
    }
