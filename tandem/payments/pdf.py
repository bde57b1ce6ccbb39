"""Invoices and receipts as PDF (WeasyPrint, A4)."""

from __future__ import annotations

import zoneinfo

from django.template.loader import render_to_string

from .models import Invoice
from .services.documents import document_number
from .services.money import format_money


def document_context(invoice: Invoice) -> dict:
    zone = zoneinfo.ZoneInfo(invoice.coach.timezone or "UTC")
    refunds = []
    if invoice.kind == Invoice.Kind.RECEIPT:
        refunds = [
            {
                "date": r.created_at.astimezone(zone),
                "amount": format_money(r.amount, r.currency),
                "reason": r.get_reason_display(),
            }
            for r in invoice.payment.refunds.all()
            if r.amount > 0
        ]
    refunded = sum(r.amount for r in invoice.payment.refunds.all())
    return {
        "invoice": invoice,
        "number": document_number(invoice),
        "label": invoice.get_kind_display(),
        "coach_name": invoice.coach.user.name,
        "coach_email": invoice.coach.user.email,
        "client_name": invoice.client.name,
        "client_email": invoice.client.email,
        "issued": invoice.issued_at.astimezone(zone),
        "paid": invoice.paid_at.astimezone(zone) if invoice.paid_at else None,
        "zone": zone.key,
        "amount": format_money(invoice.amount, invoice.currency),
        "refunds": refunds,
        "refunded": format_money(refunded, invoice.currency) if refunds else "",
        "net": format_money(invoice.amount - refunded, invoice.currency) if refunds else "",
        "status": invoice.get_status_display(),
    }


def document_pdf(invoice: Invoice) -> bytes:
    """The document as a PDF (bytes starting with %PDF)."""
    from weasyprint import HTML

    html = render_to_string("payments/invoices/document_pdf.html", document_context(invoice))
    return HTML(string=html, base_url=None).write_pdf()
