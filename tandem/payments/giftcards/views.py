"""Gift card pages: my cards (/gift-cards/) with buy, claim and balance-check forms, one card
(/gift-cards/<id>/) with its history and a transfer form, and the staff page
(/staff/gift-cards/) to issue promotional cards.

Thin: parse, call one service, render or redirect. A card exists only for who holds or bought
it: for anyone else its page and its POSTs are 404 and change nothing. Codes are secrets and
are not stored (only a digest and the last four symbols): the full code is shown once, to the
purchaser, in the answer to the buy form (the card's page, rendered there, never cached).
"""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST, require_safe

from tandem.core.errors import NotFound, ServiceError
from tandem.core.forms import add_service_error
from tandem.core.idempotency import MAX_KEY
from tandem.core.money import SUPPORTED_CURRENCIES

from ..checkout.services import PayWith
from ..ledger import accounts
from ..ledger.money import format_minor
from ..models import GiftCard, GiftCardEvent, Payment
from . import codes, selectors, services

CURRENCIES = [(code, f"{code} — {name}") for code, name in SUPPORTED_CURRENCIES.items()]
STAFF_LIST = 50


class BuyForm(forms.Form):
    amount = forms.CharField(
        label="Amount",
        max_length=20,
        help_text=f"From {services.MIN_AMOUNT} to {services.MAX_AMOUNT}.",
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    currency = forms.ChoiceField(label="Currency", choices=CURRENCIES, initial="EUR")
    recipient_email = forms.EmailField(
        label="Recipient's email",
        required=False,
        max_length=254,
        help_text="They get the code by email once the card is paid. Leave empty for yourself.",
    )
    message = forms.CharField(
        label="Message for the recipient",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    # Made when the page is shown: sending the form twice buys one card.
    idempotency_key = forms.CharField(max_length=MAX_KEY, widget=forms.HiddenInput)


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Gift card code",
        max_length=64,
        help_text="Like ABCD-EFGH-JKMN-PQRS-T. Case, spaces and dashes do not matter.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )


class TransferForm(forms.Form):
    to_email = forms.EmailField(
        label="New recipient's email",
        max_length=254,
        help_text="They get the code by email. You will no longer hold the card.",
    )


class IssueForm(forms.Form):
    amount = forms.CharField(
        label="Amount",
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    currency = forms.ChoiceField(label="Currency", choices=CURRENCIES, initial="EUR")
    recipient_email = forms.EmailField(label="Recipient's email", max_length=254)
    message = forms.CharField(
        label="Message for the recipient",
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    expires_on = forms.DateField(
        label="Expires on",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="End of that day in your time zone. Empty: the platform's default validity.",
    )


def _card_row(card: GiftCard, user: Any) -> dict[str, Any]:
    balance = accounts.gift_card_balance(card)
    return {
        "card": card,
        "masked": codes.masked_code(card.code_hint),
        "balance": format_minor(balance, card.currency),
        "initial": format_minor(card.initial_amount, card.currency),
        "held_by_you": card.holder_id == user.pk,
        "purchased_by_you": card.purchaser_id == user.pk,
    }


def _events(events: Any, currency: str) -> list[dict[str, Any]]:
    return [
        {
            "at": event.at,
            "label": GiftCardEvent.Kind(event.kind).label,
            "amount": format_minor(event.amount, currency) if event.amount else "",
            "detail": event.detail,
        }
        for event in events
    ]


def _list_context(request: HttpRequest, **forms_: Any) -> dict[str, Any]:
    cards = list(selectors.cards_of(request.user))
    rows = []
    for card in cards:
        row = _card_row(card, request.user)
        row["events"] = _events(card.events.order_by("-at", "-pk")[:3], card.currency)
        rows.append(row)
    return {
        "rows": rows,
        "buy_form": forms_.get("buy_form") or BuyForm(initial={"idempotency_key": uuid.uuid4()}),
        "claim_form": forms_.get("claim_form") or CodeForm(prefix="claim"),
        "check_form": forms_.get("check_form") or CodeForm(prefix="check"),
        "checked": forms_.get("checked"),
        "min_amount": services.MIN_AMOUNT,
        "max_amount": services.MAX_AMOUNT,
    }


@login_required
@require_safe
def gift_cards(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/giftcards/list.html", _list_context(request))


@login_required
@require_POST
def gift_card_buy(request: HttpRequest) -> HttpResponse:
    form = BuyForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            purchase = services.giftcard_buy(
                client=request.user,
                amount=services.parse_amount(data["amount"], data["currency"]),
                currency=data["currency"],
                recipient_email=data["recipient_email"],
                message=data["message"],
                pay_with=PayWith(package=False, gift_card_code=None),
                idempotency_key=data["idempotency_key"],
            )
        except ServiceError as exc:
            add_service_error(form, exc)
            status = exc.status
        else:
            card = purchase.card
            # The code exists only now (card.issued_code; empty on a replayed form): show it
            # in this answer, which is never cached. Reloading re-sends the same key: a replay.
            context = _detail_context(request, card, full_code=card.issued_code)
            response = render(request, "payments/giftcards/detail.html", context)
            response["Cache-Control"] = "private, no-store"
            return response
    context = _list_context(request, buy_form=form)
    return render(request, "payments/giftcards/list.html", context, status=status)


@login_required
@require_POST
def gift_card_claim(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST, prefix="claim")
    status = 400
    if form.is_valid():
        try:
            card = services.giftcard_claim(code=form.cleaned_data["code"], user=request.user)
        except ServiceError as exc:
            add_service_error(form, exc)
            status = exc.status
        else:
            messages.success(request, "The gift card is now in your account.")
            return redirect("gift_card_detail", card_id=card.public_id)
    context = _list_context(request, claim_form=form)
    return render(request, "payments/giftcards/list.html", context, status=status)


@login_required
@require_POST
def gift_card_check(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST, prefix="check")
    status, checked = 400, None
    if form.is_valid():
        try:
            found = services.giftcard_balance(form.cleaned_data["code"], user=request.user)
        except ServiceError as exc:
            add_service_error(form, exc)
            status = exc.status
        else:
            status = 200
            checked = {
                "balance": format_minor(found.balance, found.currency),
                "expires_at": found.expires_at,
                "status": GiftCard.Status(found.status).label,
                "last4": found.last4,
            }
            form = CodeForm(prefix="check")  # the code is a secret: do not echo it back
    context = _list_context(request, check_form=form, checked=checked)
    return render(request, "payments/giftcards/list.html", context, status=status)


def _visible_card(request: HttpRequest, card_id: uuid.UUID) -> GiftCard:
    try:
        return selectors.card_for(request.user, card_id)
    except NotFound:
        raise Http404("No such gift card.") from None


def _detail_context(request: HttpRequest, card: GiftCard, **extra: Any) -> dict[str, Any]:
    history = selectors.giftcard_history(card)
    payment = (
        Payment.objects.filter(gift_card=card, purpose=Payment.Purpose.GIFT_CARD)
        .order_by("-created_at")
        .first()
    )
    return {
        **_card_row(card, request.user),
        "full_code": codes.format_code(extra["full_code"]) if extra.get("full_code") else "",
        "events": _events(history.events, card.currency),
        "ledger": [
            {
                "at": line.at,
                "reason": line.reason.replace("_", " "),
                "amount": format_minor(line.amount, card.currency),
                "balance": format_minor(line.balance, card.currency),
            }
            for line in history.ledger
        ],
        "payment": payment if payment and payment.client_id == request.user.pk else None,
        "can_transfer": selectors.may_transfer(card, request.user)
        and card.status == GiftCard.Status.ACTIVE,
        "transfer_form": extra.get("transfer_form") or TransferForm(),
    }


@login_required
@require_safe
def gift_card_detail(request: HttpRequest, card_id: uuid.UUID) -> HttpResponse:
    card = _visible_card(request, card_id)
    return render(request, "payments/giftcards/detail.html", _detail_context(request, card))


@login_required
@require_POST
def gift_card_transfer(request: HttpRequest, card_id: uuid.UUID) -> HttpResponse:
    card = _visible_card(request, card_id)
    form = TransferForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.giftcard_transfer(
                card_id=card.public_id, user=request.user, to_email=form.cleaned_data["to_email"]
            )
        except ServiceError as exc:
            if exc.status == 404:
                raise Http404("No such gift card.") from None
            add_service_error(form, exc)
            status = exc.status
        else:
            messages.success(request, "The gift card was passed on; the recipient got an email.")
            return redirect("gift_card_detail", card_id=card.public_id)
    card.refresh_from_db()
    context = _detail_context(request, card, transfer_form=form)
    return render(request, "payments/giftcards/detail.html", context, status=status)


# --- Staff -------------------------------------------------------------------------------------


def _staff_only(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise Http404()


def _staff_context(request: HttpRequest, form: IssueForm | None = None) -> dict[str, Any]:
    cards = GiftCard.objects.select_related("purchaser", "issued_by", "holder")[:STAFF_LIST]
    return {
        "rows": [_card_row(card, request.user) for card in cards],
        "form": form or IssueForm(),
        "limit": STAFF_LIST,
    }


@login_required
def staff_gift_cards(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    if request.method not in ("GET", "HEAD", "POST"):
        return HttpResponse(status=405)
    if request.method != "POST":
        return render(request, "payments/giftcards/staff.html", _staff_context(request))
    form = IssueForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        expires_at: datetime | None = None
        if data["expires_on"]:
            expires_at = timezone.make_aware(
                datetime.combine(data["expires_on"], time(23, 59, 59)),
                timezone.get_current_timezone(),
            )
        try:
            card = services.giftcard_issue(
                staff=request.user,
                amount=services.parse_amount(data["amount"], data["currency"]),
                currency=data["currency"],
                recipient_email=data["recipient_email"],
                message=data["message"],
                expires_at=expires_at,
            )
        except ServiceError as exc:
            add_service_error(form, exc)
            status = exc.status
        else:
            messages.success(
                request,
                f"Gift card …{card.code_hint} issued and emailed to {card.recipient_email}.",
            )
            return redirect(reverse("staff_gift_cards"))
    return render(
        request, "payments/giftcards/staff.html", _staff_context(request, form), status=status
    )
