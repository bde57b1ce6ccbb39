"""A payment's documents as pages list them: the current version first, then its credit
notes, then the older versions, each marked "superseded by <number>".

Reads `payment.documents.all()`, so a list page prefetches `documents` (with their coach)
and pays one query for all its payments; a single payment costs one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.urls import reverse

from tandem.core.ids import parse_id

from ..models import Invoice, Payment
from .services import document_number


@dataclass(frozen=True, slots=True)
class DocumentRow:
    document: Invoice
    label: str  # "Receipt", "Invoice", "Credit note"
    number: str
    status: str
    url: str
    current: bool
    superseded_by: str  # the number of the version that replaced it ("" when current)
    credits: str  # for a credit note: the number of the document it corrects


def document_rows(payment: Payment, documents: list[Invoice] | None = None) -> list[DocumentRow]:
    """`documents`: the payment's documents when the caller already has them."""
    documents = list(payment.documents.all()) if documents is None else documents
    by_pk = {d.pk: d for d in documents}
    newer = {d.supersedes_id: d for d in documents if d.supersedes_id}

    def row(d: Invoice) -> DocumentRow:
        replaced = newer.get(d.pk)
        corrected = by_pk.get(d.credits_id) if d.credits_id else None
        return DocumentRow(
            document=d,
            label=d.get_kind_display(),
            number=document_number(d),
            status=d.get_status_display(),
            url=reverse("payment_document", kwargs={"public_id": d.public_id}),
            current=d.superseded_at is None and d.kind != Invoice.Kind.CREDIT_NOTE,
            superseded_by=document_number(replaced) if replaced else "",
            credits=document_number(corrected) if corrected else "",
        )

    current = [d for d in documents if d.superseded_at is None and d.kind != "credit_note"]
    notes = sorted((d for d in documents if d.kind == "credit_note"), key=lambda d: d.number)
    older = sorted((d for d in documents if d.superseded_at is not None), key=lambda d: -d.version)
    return [row(d) for d in (*current, *notes, *older)]


def document_for(user: Any, public_id: Any) -> Invoice | None:
    """An invoice or receipt the user may see (its client, its coach, or staff); else None."""
    parsed = parse_id(public_id)
    if parsed is None or not getattr(user, "is_authenticated", False):
        return None
    qs = Invoice.objects.select_related("coach__user", "client", "payment").filter(public_id=parsed)
    if not user.is_staff:
        qs = qs.filter(Q(client=user) | Q(coach__user=user))
    return qs.first()
