"""Page: download an invoice, receipt or credit note (/payments/documents/<id>.pdf).

Its client, its coach or staff; anyone else gets 404: to them the document does not exist."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from . import selectors
from .pdf import document_pdf
from .services import document_number


@login_required
@require_GET
def document_download(request: HttpRequest, public_id: UUID) -> HttpResponse:
    invoice = selectors.document_for(request.user, public_id)
    if invoice is None:
        raise Http404("No such document.")
    return pdf_response(invoice)


def pdf_response(invoice) -> HttpResponse:
    response = HttpResponse(document_pdf(invoice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{document_number(invoice)}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
