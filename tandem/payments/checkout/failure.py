"""An open payment failing or lapsing: every credit it took goes back, the held slot is freed
and the package, gift card or programme funding it was for is told."""

from __future__ import annotations

import contextlib

from django.utils import timezone

from tandem.booking.services import hold_release
from tandem.core.errors import NotFound

# packages, giftcards and sponsors services import checkout: import them as modules (never
# their names) so that either side may be imported first.
from ..giftcards import services as giftcards
from ..models import Payment
from ..packages import services as packages
from ..sponsors import services as sponsors
from .locking import lock_row
from .refunds import release_taken

Purpose = Payment.Purpose
Status = Payment.Status


def payment_fail(
    payment: Payment, *, reason: str, status: str = Status.FAILED, now=None
) -> Payment:
    """An open payment failed or lapsed: credits go back, the held slot is freed."""
    now = now or timezone.now()
    payment = lock_row(Payment, payment.pk)
    if payment.status not in Payment.OPEN_STATUSES:
        return payment

    release_taken(payment, now=now)
    payment.status = status
    payment.failure_reason = reason[:200]
    payment.updated_at = now
    payment.save(update_fields=["status", "failure_reason", "updated_at"])
    if payment.purpose == Purpose.BOOKING and payment.hold_public_id:
        # The slot goes back; a hold already gone (expired, swept) is fine.
        with contextlib.suppress(NotFound):
            hold_release(client=payment.client, hold_id=payment.hold_public_id)
    elif payment.purpose == Purpose.PACKAGE:
        # A package's payment always has its purchase (packages/services.py opens it so).
        assert payment.package_purchase is not None
        packages.on_failed(payment.package_purchase)
    elif payment.purpose == Purpose.GIFT_CARD:
        # A gift card's payment always has its card (giftcards/services.py opens it so).
        assert payment.gift_card is not None
        giftcards.on_failed(payment.gift_card)
    elif payment.purpose == Purpose.SPONSOR_FUNDING:
        sponsors.on_card_failed(payment)
    return payment
