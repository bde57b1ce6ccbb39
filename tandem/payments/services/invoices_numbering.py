"""Invoice and receipt numbers: per coach, 1, 2, 3, ... with no gaps.

The next number is taken under a row lock on the coach's sequence in the same transaction
that creates the document: a rolled-back transaction gives its number back, and two
concurrent documents wait for each other instead of sharing a number.
"""

from __future__ import annotations

from django.db import IntegrityError, connection, transaction
from django.db.models import F

from ..models import InvoiceSequence


def next_number(coach) -> int:  # type: ignore[no-untyped-def]
    if not connection.in_atomic_block:
        raise RuntimeError("next_number must run inside the document's transaction")
    if not InvoiceSequence.objects.filter(coach=coach).exists():
        try:
            with transaction.atomic():
                InvoiceSequence.objects.create(coach=coach, last_number=0)
        except IntegrityError:
            pass
    InvoiceSequence.objects.filter(coach=coach).update(last_number=F("last_number") + 1)
    return InvoiceSequence.objects.filter(coach=coach).values_list("last_number", flat=True)[0]
