"""Gift cards: buying, staff-issued promotions, balance checks, transfer, claim and expiry
(breakage). Their codes are in codes.py, the reads (a user's cards, a card's history) in
selectors.py.

The balance lives only in the ledger (`accounts.gift_card(card)`); this module never stores
a balance. Redeeming a card into a payment and restoring it on a refund are done by checkout
and refunds (checkout/opening.py and taking.py, checkout/refunds.py), which find the card
with `find_card`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from tandem.accounts.models import User
from tandem.accounts.selectors import active_user_with_email
from tandem.core.errors import Conflict, InvalidInput, PermissionDenied, RateLimited
from tandem.core.idempotency import checked_key
from tandem.core.money import validate_currency, validate_price
from tandem.core.text import clean_text

# checkout's completion and failure modules import this module too: both sides import the
# modules, not their names, so either may be imported first.
from ..checkout import opening, terms
from ..ledger import accounts
from ..ledger import services as ledger
from ..ledger.money import format_minor, from_minor, to_minor
from ..models import GiftCard, GiftCardEvent, Payment
from ..quiet import emails_on
from .codes import code_digest, find_card, format_code, generate_code, last4
from .selectors import card_for, may_transfer

logger = logging.getLogger(__name__)

Status = GiftCard.Status
Kind = GiftCardEvent.Kind

# Amounts a client may buy, in major units of the card's currency.
MIN_AMOUNT = Decimal(getattr(settings, "TANDEM_GIFT_CARD_MIN", "5.00"))
MAX_AMOUNT = Decimal(getattr(settings, "TANDEM_GIFT_CARD_MAX", "1000.00"))
# Balance checks and claims per user per minute (so codes cannot be guessed by brute force).
LOOKUPS_PER_MINUTE = int(getattr(settings, "TANDEM_GIFT_CARD_LOOKUPS_PER_MINUTE", 20))


# --- Helpers -----------------------------------------------------------------------------------


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _valid_until(now: datetime) -> datetime:
    return now + timedelta(days=settings.TANDEM_GIFT_CARD_VALID_DAYS)


def _rate_limit(user: User, action: str) -> None:
    """At most LOOKUPS_PER_MINUTE code lookups per user in a minute counted from the first
    (the counter's expiry is set when it is made; incrementing keeps it)."""
    key = f"giftcards:lookups:{user.pk}"
    cache.add(key, 0, timeout=60)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=60)
        count = 1
    if count > LOOKUPS_PER_MINUTE:
        raise RateLimited(f"Too many gift card {action}s; wait a minute and try again.")


def _clean_email(value: Any, *, field: str = "recipient_email") -> str:
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    if not isinstance(value, str):
        raise InvalidInput("Enter an email address.", fields={field: ["Enter an email address."]})
    email = clean_text(value, field=field, max_length=254, required=True).lower()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidInput(
            "Enter a valid email address.", fields={field: ["Enter a valid email address."]}
        ) from None
    return email


def _user_with_email(email: str) -> User | None:
    return active_user_with_email(email)


def _amount_within(amount: Any, currency: str, *, minimum: Decimal, maximum: Decimal) -> int:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise InvalidInput("Amounts are whole minor units.", fields={"amount": ["invalid"]})
    low, high = to_minor(minimum, currency), to_minor(maximum, currency)
    if not low <= amount <= high:
        message = (
            f"Choose an amount from {format_minor(low, currency)} "
            f"to {format_minor(high, currency)}."
        )
        raise InvalidInput(message, code="amount_out_of_range", fields={"amount": [message]})
    return amount


def parse_amount(value: Any, currency: Any) -> int:
    """An amount as people write it ("50", "49.90") in minor units of `currency`."""
    currency = validate_currency(currency)
    return to_minor(validate_price(value, currency=currency, field="amount"), currency)


def _keyed(card: GiftCard, code: str) -> GiftCard:
    card.code_digest = code_digest(code)
    card.code_hint = last4(code)
    card.issued_code = code  # in memory only
    return card


def _create_card(**values: Any) -> GiftCard:
    """A card with a fresh unique code (a collision, 1 in 2^80, just draws again). The code
    is on `card.issued_code` for this request only; the row holds its digest and hint."""
    for _ in range(5):
        try:
            with transaction.atomic():
                card = _keyed(GiftCard(**values), generate_code())
                card.save(force_insert=True)
                return card
        except IntegrityError:
            continue
    raise Conflict("Could not make a unique gift card code; try again.")  # pragma: no cover


def _rekey(card: GiftCard) -> GiftCard:
    """Give a (locked) card a new code: the old one stops working."""
    for _ in range(5):
        try:
            with transaction.atomic():
                _keyed(card, generate_code()).save(update_fields=["code_digest", "code_hint"])
                return card
        except IntegrityError:
            continue
    raise Conflict("Could not make a unique gift card code; try again.")  # pragma: no cover


def _lock_card(card_pk: int) -> GiftCard:
    cards = GiftCard.objects.filter(pk=card_pk)
    if connection.features.has_select_for_update:
        cards = cards.select_for_update()
    return cards.get()


def _send_code_email(card: GiftCard, *, kind: str, sender_name: str = "") -> None:
    """Mail the card's code to its recipient once the change has committed. The code is
    only in memory (`card.issued_code`, passed to the closure): it is never stored."""
    code, card_id = card.issued_code, card.pk
    if not code:
        return

    def send() -> None:
        card = GiftCard.objects.filter(pk=card_id).first()
        if card is None or not card.recipient_email:
            return
        if card.status not in (Status.ACTIVE, Status.AWAITING_PAYMENT):
            return
        recipient = _user_with_email(card.recipient_email)
        context = {
            "kind": kind,
            "recipient_name": recipient.name if recipient else card.recipient_email,
            "sender_name": sender_name,
            "recipient_email": card.recipient_email,
            "code": format_code(code),
            "awaiting_payment": card.status == Status.AWAITING_PAYMENT,
            "amount": format_minor(
                accounts.gift_card_balance(card)
                if card.status == Status.ACTIVE
                else card.initial_amount,
                card.currency,
            ),
            "message": card.message,
            "expires_at": card.expires_at,
            "site_url": settings.TANDEM_SITE_URL,
            "cards_url": f"{settings.TANDEM_SITE_URL}/gift-cards/",
        }
        subjects = {
            "purchased": "You received a Tandem gift card",
            "issued": "You received a Tandem gift card",
            "transferred": "A Tandem gift card was passed on to you",
        }
        message = EmailMultiAlternatives(
            subject=subjects[kind],
            body=render_to_string("payments/giftcards/email/received.txt", context),
            to=[card.recipient_email],
        )
        message.attach_alternative(
            render_to_string("payments/giftcards/email/received.html", context), "text/html"
        )
        try:
            message.send()
        except Exception:  # the mail server is down: the card stays valid, the holder can ask
            logger.exception("gift card email failed (card %s, %s)", card.public_id, kind)

    if emails_on():
        transaction.on_commit(send)


# --- Buying ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Purchase:
    card: GiftCard
    payment: Payment
    replayed: bool


def request_hash(**values: Any) -> str:
    import hashlib
    import json

    return hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode()).hexdigest()


def giftcard_buy(
    *,
    client: User,
    amount: int,
    currency: str,
    recipient_email: str,
    message: str = "",
    pay_with: Any = None,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Purchase:
    """Buy a gift card: the card waits for payment; checkout's success activates it."""
    now = _now(now)
    key = checked_key(idempotency_key)
    currency = validate_currency(currency)
    amount = _amount_within(amount, currency, minimum=MIN_AMOUNT, maximum=MAX_AMOUNT)
    email = _clean_email(recipient_email) if recipient_email else client.email.lower()
    message = clean_text(message or "", field="message", max_length=500)
    if pay_with is None:
        pay_with = terms.PayWith(package=False, gift_card_code=None)
    else:  # a gift card cannot buy a gift card, nor a package credit
        pay_with = terms.PayWith(
            package=False,
            gift_card_code=None,
            use_credit=pay_with.use_credit,
            provider=pay_with.provider,
        )
    digest = request_hash(
        amount=amount,
        currency=currency,
        recipient_email=email,
        message=message,
        use_credit=pay_with.use_credit,
        provider=pay_with.provider,
    )
    if key is not None:
        replay = _replay(client, key, digest)
        if replay is not None:
            return replay
    try:
        with transaction.atomic():
            card = _create_card(
                currency=currency,
                initial_amount=amount,
                status=Status.AWAITING_PAYMENT,
                purchaser=client,
                recipient_email=email,
                holder=_user_with_email(email),
                message=message,
                expires_at=_valid_until(now),
                created_at=now,
            )
            code = card.issued_code
            payment = opening.payment_open(
                client=client,
                purpose=Payment.Purpose.GIFT_CARD,
                gift_card=card,
                amount=amount,
                currency=currency,
                pay_with=pay_with,
                idempotency_key=key,
                request_hash=digest,
                now=now,
            )
            # The one moment the code exists: mail it to the recipient (after the commit; if
            # the card still awaits payment, the mail says it works once the payment arrives).
            card.refresh_from_db()
            card.issued_code = code
            _send_code_email(card, kind="purchased", sender_name=client.name)
    except IntegrityError:
        # The same Idempotency-Key committed concurrently: answer with that purchase.
        replay = _replay(client, key, digest) if key else None
        if replay is None:
            raise
        return replay
    return Purchase(card=card, payment=payment, replayed=False)


def _replay(client: User, key: str, digest: str) -> Purchase | None:
    payment = (
        Payment.objects.select_related("gift_card")
        .filter(client=client, idempotency_key=key)
        .first()
    )
    if payment is None:
        return None
    if payment.purpose != Payment.Purpose.GIFT_CARD or payment.request_hash != digest:
        raise Conflict(
            "This Idempotency-Key was used for a different request.",
            code="idempotency_key_reused",
        )
    assert payment.gift_card is not None
    return Purchase(card=payment.gift_card, payment=payment, replayed=True)


def on_paid(card: GiftCard, *, payment: Payment, now: datetime | None = None) -> None:
    """Checkout calls this when the card's payment succeeded (the money is on the card)."""
    now = _now(now)
    activated = GiftCard.objects.filter(pk=card.pk, status=Status.AWAITING_PAYMENT).update(
        status=Status.ACTIVE, expires_at=_valid_until(now)
    )
    if not activated:  # already done (a retried webhook) or voided meanwhile
        return
    GiftCardEvent.objects.create(
        card=card,
        kind=Kind.PURCHASED,
        amount=card.initial_amount,
        actor=card.purchaser,
        payment=payment,
        at=now,
    )
    # The recipient got the code when the card was bought (it is not stored, so it cannot
    # be mailed again now); the card simply starts working.


def on_failed(card: GiftCard) -> None:
    """Checkout calls this when the card's payment failed, was cancelled or expired."""
    GiftCard.objects.filter(pk=card.pk, status=Status.AWAITING_PAYMENT).update(status=Status.VOID)
    card.refresh_from_db(fields=["status"])


# --- Staff-issued cards ----------------------------------------------------------------------


def giftcard_issue(
    *,
    staff: User,
    amount: int,
    currency: str,
    recipient_email: str,
    message: str = "",
    expires_at: datetime | None = None,
    now: datetime | None = None,
) -> GiftCard:
    """A promotional card paid for by the platform (Dr promotions / Cr the card)."""
    if not getattr(staff, "is_staff", False):
        raise PermissionDenied("Only staff may issue gift cards.")
    now = _now(now)
    currency = validate_currency(currency)
    amount = _amount_within(amount, currency, minimum=from_minor(1, currency), maximum=MAX_AMOUNT)
    email = _clean_email(recipient_email)
    message = clean_text(message or "", field="message", max_length=500)
    if expires_at is None:
        expires_at = _valid_until(now)
    elif expires_at <= now:
        raise InvalidInput(
            "The expiry must be in the future.", fields={"expires_at": ["Must be in the future."]}
        )
    with transaction.atomic():
        card = _create_card(
            currency=currency,
            initial_amount=amount,
            status=Status.ACTIVE,
            issued_by=staff,
            recipient_email=email,
            holder=_user_with_email(email),
            message=message,
            expires_at=expires_at,
            created_at=now,
        )
        ledger.post(
            reason="gift_card_issue",
            correlation_key=f"giftcard:{card.pk}:issue",
            legs=[(accounts.promotions(currency), amount), (accounts.gift_card(card), -amount)],
            actor=staff,
            memo=f"promotional gift card {card.public_id}",
            now=now,
        )
        GiftCardEvent.objects.create(
            card=card, kind=Kind.ISSUED, amount=amount, actor=staff, at=now
        )
        _send_code_email(card, kind="issued", sender_name="The Tandem team")
    return card


# --- Balance check, transfer, claim --------------------------------------------------------


@dataclass(frozen=True)
class Balance:
    balance: int
    currency: str
    expires_at: datetime
    status: str
    last4: str


def giftcard_balance(code: Any, *, user: User) -> Balance:
    """What is left on the card with this code (rate-limited per user)."""
    _rate_limit(user, "balance check")
    card = find_card(code)
    return Balance(
        balance=accounts.gift_card_balance(card),
        currency=card.currency,
        expires_at=card.expires_at,
        status=card.status,
        last4=card.code_hint,
    )


def giftcard_transfer(
    *, card_id: Any, user: User, to_email: str, now: datetime | None = None
) -> GiftCard:
    """Pass the card on to another email (the holder, or the purchaser while nobody holds it)."""
    now = _now(now)
    visible = card_for(user, card_id)
    email = _clean_email(to_email, field="to_email")
    with transaction.atomic():
        card = _lock_card(visible.pk)
        if not may_transfer(card, user):
            raise PermissionDenied(
                "Only the card's holder can pass it on.", code="not_gift_card_holder"
            )
        if card.status != Status.ACTIVE or card.expires_at <= now:
            raise Conflict(
                "Only an active gift card can be passed on.", code="gift_card_not_active"
            )
        if email == card.recipient_email.lower():
            raise InvalidInput(
                "The card is already addressed to that email.",
                code="same_recipient",
                fields={"to_email": ["The card is already addressed to that email."]},
            )
        card.recipient_email = email
        card.holder = _user_with_email(email)
        card.save(update_fields=["recipient_email", "holder"])
        # The code is not stored, so the new recipient gets a new one; the old code, which
        # the previous holder knows, stops working.
        _rekey(card)
        GiftCardEvent.objects.create(
            card=card,
            kind=Kind.TRANSFERRED,
            actor=user,
            detail=f"passed on to {_mask_email(email)} with a new code",
            at=now,
        )
        _send_code_email(card, kind="transferred", sender_name=user.name)
    return card


def _mask_email(email: str) -> str:
    local, _, domain = email.partition("@")
    return f"{local[:1]}…@{domain}"


def giftcard_claim(*, code: Any, user: User, now: datetime | None = None) -> GiftCard:
    """Add a card to the user's account by its code (so it shows in My gift cards)."""
    now = _now(now)
    _rate_limit(user, "claim")
    found = find_card(code)
    with transaction.atomic():
        card = _lock_card(found.pk)
        if card.status != Status.ACTIVE or card.expires_at <= now:
            raise Conflict("Only an active gift card can be claimed.", code="gift_card_not_active")
        if card.holder_id == user.pk:
            return card
        if card.holder_id is not None:
            raise Conflict(
                "Someone else holds this card; ask them to pass it on to you.",
                code="gift_card_held",
            )
        card.holder = user
        card.save(update_fields=["holder"])
        GiftCardEvent.objects.create(
            card=card, kind=Kind.TRANSFERRED, actor=user, detail="claimed into an account", at=now
        )
    return card


# --- Expiry ------------------------------------------------------------------------------------


def giftcards_expire(*, now: datetime | None = None) -> int:
    """Expire active cards past their date; what is left on them becomes platform revenue
    (breakage). Idempotent and safe to run concurrently: each card is re-read under its row
    lock before it is expired, and the posting has a unique correlation key."""
    now = _now(now)
    due = list(
        GiftCard.objects.filter(status=Status.ACTIVE, expires_at__lte=now).values_list(
            "pk", flat=True
        )
    )
    expired = 0
    for pk in due:
        with transaction.atomic():
            # Lock the card's row first, as checkout does before it reads a card's balance:
            # the same lock order (card, then its account in ledger.post) cannot deadlock, and
            # a redemption waiting for the card sees it expired (SQLite: IMMEDIATE serialises).
            card = _lock_card(pk)
            if card.status != Status.ACTIVE or card.expires_at > now:
                continue  # expired by a concurrent run, or extended meanwhile
            card.status = Status.EXPIRED
            card.save(update_fields=["status"])
            account = accounts.gift_card(card)
            left = ledger.balance(account)
            if left > 0:
                ledger.post(
                    reason="gift_card_breakage",
                    correlation_key=f"giftcard:{pk}:expire",
                    legs=[(account, left), (accounts.platform_revenue(card.currency), -left)],
                    memo=f"gift card {card.public_id} expired",
                    now=now,
                )
            GiftCardEvent.objects.create(card=card, kind=Kind.EXPIRED, amount=left, at=now)
            expired += 1
    return expired
