"""Staff pages for payments: find a payment, see where its money went, refund part or all of
it with a reason, record an invoice as paid. Thin: every rule is in the services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods

from tandem.core.errors import InvalidInput, ServiceError
from tandem.core.forms import add_service_error
from tandem.core.ids import parse_id

from ..documents.selectors import document_rows
from ..ledger.money import format_minor, to_minor
from ..models import Invoice, LedgerEntry, Payment
from . import invoices, refunds
from .present import payment_data

PAGE = 50


class RefundForm(forms.Form):
    amount = forms.CharField(
        label="Amount to refund", max_length=20, help_text="In the payment's currency, e.g. 12.50."
    )
    message = forms.CharField(
        label="Reason",
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Kept with the refund and shown in the payment's history.",
    )


def _staff_only(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise Http404("No such page.")


@login_required
@require_GET
def staff_payments(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    query = request.GET.get("q", "").strip()[:200].replace("\x00", "")
    payments = Payment.objects.select_related("client", "coach__user").order_by("-created_at")
    if query:
        public_id = parse_id(query)
        if public_id is not None:
            payments = payments.filter(public_id=public_id)
        else:
            payments = payments.filter(
                Q(client__email__icontains=query) | Q(coach__user__email__icontains=query)
            )
    rows = [{"payment": p, "amount": format_minor(p.amount, p.currency)} for p in payments[:PAGE]]
    return render(request, "payments/staff/payments.html", {"rows": rows, "query": query})


@login_required
@require_http_methods(["GET", "POST"])
def staff_payment(request: HttpRequest, payment_id: UUID) -> HttpResponse:
    _staff_only(request)
    payment = (
        Payment.objects.select_related("client", "coach__user", "booking")
        .prefetch_related(
            "sources", "refunds", Prefetch("documents", Invoice.objects.select_related("coach"))
        )
        .filter(public_id=payment_id)
        .first()
    )
    if payment is None:
        raise Http404("No such payment.")
    form = RefundForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "mark_paid":
            if request.POST.get("confirm") != "yes":
                # Recording money received is not undone from here: confirm first (no JS).
                return render(
                    request,
                    "payments/staff/mark_paid_confirm.html",
                    {
                        "payment": payment,
                        "data": payment_data(payment, request.user),
                        "confirm_fields": [("action", "mark_paid")],
                    },
                )
            try:
                invoices.invoice_mark_paid(payment_id=payment.public_id, user=request.user)
            except ServiceError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "The invoice is recorded as paid.")
            return redirect("staff_payment", payment_id=payment.public_id)
        if form.is_valid():
            try:
                amount = _minor(form.cleaned_data["amount"], payment.currency)
                done = refunds.refund_staff(
                    payment_id=payment.public_id,
                    staff=request.user,
                    amount=amount,
                    message=form.cleaned_data["message"],
                )
            except ServiceError as exc:
                add_service_error(form, exc)
                status = exc.status
            else:
                cur = payment.currency
                said = [f"Refunded {format_minor(done.refund.amount, cur)}."] if done.refund else []
                if done.void:  # an unpaid invoice is voided, not refunded
                    said.append(
                        f"Voided {format_minor(done.void.amount, cur)} of the open invoice."
                    )
                messages.success(request, " ".join(said))
                return redirect("staff_payment", payment_id=payment.public_id)
        else:
            status = 400
    entries = (
        LedgerEntry.objects.filter(transaction__payment=payment)
        .select_related("transaction", "account")
        .order_by("transaction__created_at", "transaction_id", "pk")
    )
    context = {
        "payment": payment,
        "data": payment_data(payment, request.user),
        "entries": [{"entry": e, "amount": format_minor(e.amount, e.currency)} for e in entries],
        "form": form,
        "documents": document_rows(payment),  # current version first
        "refundable": format_minor(
            payment.amount - payment.refunded - payment.voided, payment.currency
        ),
    }
    return render(request, "payments/staff/payment.html", context, status=status)


def _minor(text: str, currency: str) -> int:
    try:
        return to_minor(Decimal(text.strip()), currency)
    except (InvalidOperation, ValueError, OverflowError) as exc:
        raise InvalidInput(
            "Enter an amount such as 12.50.", fields={"amount": ["Enter an amount such as 12.50."]}
        ) from exc
