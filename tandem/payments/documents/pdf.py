"""Invoices, receipts and credit notes as PDF (WeasyPrint, A4).

Rendered from what the document froze at issue (`Invoice.snapshot`), never from live rows:
a document's PDF reads the same however the booking or payment changes later (only its
payment state — open, paid, void — moves). Documents issued before snapshots existed render
from their own columns, which were never rewritten either.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from django.template.loader import render_to_string

from ..ledger.money import format_minor
from ..models import Invoice
from .services import document_number


def _at(value: str, zone: zoneinfo.ZoneInfo) -> datetime:
    return datetime.fromisoformat(value).astimezone(zone)


def document_context(invoice: Invoice) -> dict:
    snap = invoice.snapshot or {}
    zone = zoneinfo.ZoneInfo(snap.get("zone") or invoice.coach.timezone or "UTC")
    currency = invoice.currency
    lines = snap.get("lines") or [{"description": invoice.description, "amount": invoice.amount}]
    total = snap.get("total", invoice.amount)
    refunds = [
        {
            "date": _at(r["date"], zone),
            "amount": format_minor(r["amount"], currency),
            "reason": r["reason"],
        }
        for r in snap.get("refunds", [])
    ]
    refunded = sum(r["amount"] for r in snap.get("refunds", []))
    coach = snap.get("coach") or {
        "name": invoice.coach.user.name,
        "email": invoice.coach.user.email,
    }
    client = snap.get("client") or {"name": invoice.client.name, "email": invoice.client.email}
    return {
        "invoice": invoice,
        "number": document_number(invoice),
        "label": invoice.get_kind_display(),
        "version": invoice.version,
        "supersedes": snap.get("supersedes", ""),
        "change": snap.get("change", ""),
        "credits": snap.get("credits", ""),
        "coach_name": coach["name"],
        "coach_email": coach["email"],
        "client_name": client["name"],
        "client_email": client["email"],
        "session": snap.get("session"),
        "lines": [
            {"description": line["description"], "amount": format_minor(line["amount"], currency)}
            for line in lines
        ],
        "sources": [
            {"label": s["label"], "amount": format_minor(s["amount"], currency)}
            for s in snap.get("sources", [])
        ],
        "issued": invoice.issued_at.astimezone(zone),
        "paid": invoice.paid_at.astimezone(zone) if invoice.paid_at else None,
        "zone": zone.key,
        "amount": format_minor(total, currency),
        "refunds": refunds,
        "refunded": format_minor(refunded, currency) if refunds else "",
        "net": format_minor(total - refunded, currency) if refunds else "",
        "status": invoice.get_status_display(),
    }


def document_html(invoice: Invoice) -> str:
    return render_to_string("payments/invoices/document_pdf.html", document_context(invoice))


def document_pdf(invoice: Invoice) -> bytes:
    """The document as a PDF (bytes starting with %PDF)."""
    from weasyprint import HTML

    return HTML(string=document_html(invoice), base_url=None).write_pdf()
