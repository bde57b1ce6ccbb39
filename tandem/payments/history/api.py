"""API: a client's payments (GET /api/v1/me/payments), with refunds and the current document.

Thin: authorise, call one selector, present."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Query, Router

from ..checkout.present import payment_description
from ..checkout.refunds import sponsor_of
from ..documents.services import document_number
from ..ledger.money import format_minor
from ..models import Payment
from . import selectors
from .schemas import PaymentListOut, PaymentListQuery

# The tag the earnings API shares, so the API docs group these as they always did.
router = Router(tags=["earnings and payments"])


@router.get(
    "/me/payments",
    response=PaymentListOut,
    summary="Your payments as a client",
    description="Newest first, with refunds and the invoice or receipt. Follow `next_cursor`.",
)
def my_payments(request: HttpRequest, query: Query[PaymentListQuery]) -> dict:
    page = selectors.payments_page(request.user, cursor=query.cursor, limit=query.limit)
    return {"items": [payment_data(p) for p in page.items], "next_cursor": page.next_cursor}


def payment_data(p: Payment) -> dict:
    document = getattr(p, "invoice", None)
    refunds = list(p.refunds.all())
    return {
        "id": p.public_id,
        "created_at": p.created_at,
        "purpose": p.purpose,
        "description": payment_description(p),
        "coach": p.coach.public_id if p.coach_id else None,
        "booking": p.booking.public_id if p.booking_id else None,
        "amount_minor": p.amount,
        "amount": format_minor(p.amount, p.currency),
        "currency": p.currency,
        "status": p.status,
        "refunded_minor": sum(r.amount for r in refunds),
        "covered_by": sponsor_of(p),
        "refunds": [
            {
                "id": r.public_id,
                "amount_minor": r.amount,
                "amount": format_minor(r.amount, r.currency),
                "reason": r.reason,
                "created_at": r.created_at,
            }
            for r in refunds
        ],
        "document": (
            {
                "id": document.public_id,
                "kind": document.kind,
                "number": document_number(document),
                "status": document.status,
                "url": f"/api/v1/documents/{document.public_id}.pdf",
            }
            if document
            else None
        ),
    }
