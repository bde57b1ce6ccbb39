"""Idempotency: the payment an earlier request with the same Idempotency-Key opened."""

from __future__ import annotations

from tandem.accounts.models import User

from ..models import Payment
from .errors import PaymentKeyReused


def replay(client: User, key: str | None, fingerprint: str) -> Payment | None:
    if not key:
        return None
    found = Payment.objects.filter(client=client, idempotency_key=key).first()
    if found is not None and found.request_hash != fingerprint:
        raise PaymentKeyReused()
    return found
