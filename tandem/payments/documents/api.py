"""API: an invoice, receipt or credit note as PDF (GET /api/v1/documents/<id>.pdf).

Its client, its coach or staff; anyone else (or a missing document) answers 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Path, Router

from tandem.core.errors import NotFound

from . import selectors
from .views import pdf_response

# The tag the earnings API shares, so the API docs group these as they always did.
router = Router(tags=["earnings and payments"])


@router.get(
    "/documents/{document_id}.pdf",
    response={200: None},
    summary="An invoice or receipt as PDF",
    description="Its client, its coach or staff; 404 for anyone else.",
)
def document_pdf(request: HttpRequest, document_id: str = Path(..., max_length=64)) -> HttpResponse:
    invoice = selectors.document_for(request.user, document_id)
    if invoice is None:
        raise NotFound("No such document.")
    return pdf_response(invoice)
