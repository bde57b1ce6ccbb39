"""Document numbers: per coach and series, 1, 2, 3, ... with no gaps.

Two series per coach: invoices and receipts (every version of them takes a new number from
it) and credit notes. The next number is taken under a row lock on the coach's sequence in
the same transaction that creates the document: a rolled-back transaction gives its number
back, and two concurrent documents wait for each other instead of sharing a number.
"""

from __future__ import annotations

from typing import Literal

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from ..models import InvoiceSequence

Series = Literal["document", "credit_note"]
_COLUMN: dict[str, str] = {"document": "last_number", "credit_note": "last_credit_number"}


def next_number(coach, series: Series = "document") -> int:
    if not connection.in_atomic_block:
        raise RuntimeError("next_number must run inside the document's transaction")
    column = _COLUMN[series]
    if not InvoiceSequence.objects.filter(coach=coach).exists():
        try:
            with transaction.atomic():
                InvoiceSequence.objects.create(coach=coach, last_number=0)
        except IntegrityError:
            pass
    InvoiceSequence.objects.filter(coach=coach).update(**{column: F(column) + 1})
    return InvoiceSequence.objects.filter(coach=coach).values_list(column, flat=True)[0]
