"""Page: a client's payment history (/payments/), with refunds, voids and every document.

Thin: read one page of the user's own payments, present, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from ..checkout.present import payment_description
from ..checkout.refunds import sponsor_of
from ..documents.selectors import document_rows
from ..documents.services import document_number
from ..ledger.money import format_minor
from ..models import Payment
from . import selectors


@login_required
@require_GET
def history(request: HttpRequest) -> HttpResponse:
    page = selectors.payments_page(request.user, cursor=request.GET.get("cursor") or None)
    rows = [_payment_row(p) for p in page.items]
    return render(
        request,
        "payments/history/history.html",
        {
            "rows": rows,
            "next_cursor": page.next_cursor,
            "first_page": not request.GET.get("cursor"),
        },
    )


def _payment_row(p: Payment) -> dict:
    refunds = [
        {
            "at": r.created_at,
            "amount": format_minor(r.amount, r.currency),
            "reason": r.get_reason_display(),
        }
        for r in p.refunds.all()
    ]
    # An unpaid invoice cancelled is voided, never "refunded": nothing was paid.
    voids = [
        {
            "at": v.created_at,
            "amount": format_minor(v.amount, v.currency),
            "reason": v.get_reason_display(),
        }
        for v in p.voids.all()
    ]
    document = getattr(p, "invoice", None)
    return {
        "payment": p,
        "what": payment_description(p),
        "sponsor": sponsor_of(p),
        "amount": format_minor(p.amount, p.currency),
        "status": p.get_status_display(),
        "refunds": refunds,
        "voids": voids,
        "document": document,  # the current version
        "document_number": document_number(document) if document else "",
        "documents": document_rows(p),  # with credit notes and superseded versions
    }
