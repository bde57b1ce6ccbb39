"""Reads for a client's payment history (/payments/ and GET /api/v1/me/payments)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, Q

from tandem.core.cursors import decode_position, encode_cursor
from tandem.core.errors import InvalidInput

from ..models import Invoice, Payment


@dataclass
class Page:
    items: list[Payment]
    next_cursor: str | None


def payments_page(user: Any, *, cursor: str | None = None, limit: int = 20) -> Page:
    """The user's own payments as a client, newest first (keyset on created_at, pk)."""
    if not isinstance(limit, int) or not 1 <= limit <= 100:
        raise InvalidInput("limit must be between 1 and 100.", fields={"limit": ["1-100"]})
    qs = (
        Payment.objects.filter(client=user)
        .select_related("coach__user", "booking", "session_type", "package_purchase__offer")
        .prefetch_related(
            "sources",  # a sponsor that covered the session
            "refunds",
            "voids",
            # Every version and credit note (Payment.invoice is the current one).
            Prefetch("documents", queryset=Invoice.objects.select_related("coach")),
        )
        .order_by("-created_at", "-pk")
    )
    if cursor:
        after_at, after_pk = decode_position(cursor, moment="at", key="pk", key_type=int)
        qs = qs.filter(Q(created_at__lt=after_at) | Q(created_at=after_at, pk__lt=after_pk))
    items = list(qs[: limit + 1])
    next_cursor = None
    if len(items) > limit:
        items = items[:limit]
        last = items[-1]
        next_cursor = encode_cursor({"at": last.created_at.isoformat(), "pk": last.pk})
    return Page(items=items, next_cursor=next_cursor)
