"""Packages: a coach sells N sessions of a session type at one price, valid for D days
(the coach's offers: offers.py). Buying, paying and expiring a package are here.

Buying makes a `PackagePurchase` (awaiting payment) with N `PackageCredit`s (pending) and opens
a payment through checkout in the same transaction. When the payment succeeds, checkout moves
the money into the package's ledger account and calls `on_paid`: the purchase becomes active,
its validity starts, and its credits become available. A booking consumes one credit (checkout
picks it with `packages.selectors.available_credit`); a free cancellation returns it. When a
purchase expires, its unused credits are forfeited and what is left on the package's account
is posted to the coach (minus the platform fee), as if those sessions had been held.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.coaches.selectors import listed_coaches
from tandem.core.errors import Conflict, InvalidInput, NotFound
from tandem.core.idempotency import checked_key
from tandem.core.ids import parse_id

# checkout's completion and failure modules import this module too: both sides import the
# modules, not their names, so either may be imported first.
from ..checkout import opening, terms
from ..ledger import accounts, money
from ..ledger import services as ledger
from ..models import PackageCredit, PackageOffer, PackagePurchase, Payment

MAX_GIFT_CODE = 64


class OwnOffer(InvalidInput):
    """You cannot buy your own package."""

    code = "own_package"


class IdempotencyKeyReused(Conflict):
    """That Idempotency-Key was used for a different request."""

    code = "idempotency_key_reused"


# --- Client: buying -------------------------------------------------------------------------


def split_price(price: int, sessions: int) -> list[int]:
    """The price split into `sessions` credit values that sum to it: evenly, the first
    (price % sessions) credits one minor unit more."""
    base, extra = divmod(price, sessions)
    return [base + 1 if i < extra else base for i in range(sessions)]


@dataclass(frozen=True)
class BuyOutcome:
    purchase: PackagePurchase
    payment: Payment
    replayed: bool


def _request_hash(offer_id: uuid.UUID, pay_with: Any) -> str:
    parts = [
        str(offer_id),
        str(getattr(pay_with, "gift_card_code", None) or ""),
        str(bool(getattr(pay_with, "use_credit", True))),
        str(getattr(pay_with, "provider", None) or ""),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def _replay(client: Any, key: str, request_hash: str) -> BuyOutcome | None:
    payment = (
        Payment.objects.select_related("package_purchase")
        .filter(client=client, idempotency_key=key)
        .first()
    )
    if payment is None:
        return None
    if (
        payment.purpose != Payment.Purpose.PACKAGE
        or payment.package_purchase is None
        or (payment.request_hash and payment.request_hash != request_hash)
    ):
        raise IdempotencyKeyReused()
    return BuyOutcome(purchase=payment.package_purchase, payment=payment, replayed=True)


def buyable_offer(offer_id: Any) -> PackageOffer | None:
    """An active offer of a listed coach, for an active session type (None otherwise)."""
    parsed = parse_id(offer_id)
    if parsed is None:
        return None
    return (
        PackageOffer.objects.select_related("coach", "coach__user", "session_type")
        .filter(
            public_id=parsed,
            is_active=True,
            session_type__is_active=True,
            coach__in=listed_coaches(),
        )
        .first()
    )


class _Replayed(Exception):
    def __init__(self, payment: Payment) -> None:
        self.payment = payment


def package_buy(
    *,
    client: Any,
    offer_id: Any,
    pay_with: Any,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> BuyOutcome:
    """Buy a package: the purchase, its pending credits and the payment, in one transaction.

    With an Idempotency-Key, repeating the request returns the first purchase and its payment
    (`replayed`); the same key for another offer or other payment options answers 409.
    """
    now = now or timezone.now()
    key = checked_key(idempotency_key)
    gift_code = getattr(pay_with, "gift_card_code", None)
    if gift_code is not None and (
        not isinstance(gift_code, str) or "\x00" in gift_code or len(gift_code) > MAX_GIFT_CODE
    ):
        raise InvalidInput("Enter a gift card code.", fields={"gift_card_code": ["invalid"]})
    offer = buyable_offer(offer_id)
    if offer is None:
        raise NotFound("No such package.")
    request_hash = _request_hash(offer.public_id, pay_with)
    if key is not None:
        found = _replay(client, key, request_hash)
        if found is not None:
            return found
    if offer.coach.user_id == client.pk:
        raise OwnOffer()
    payment_options = terms.PayWith(
        package=False,
        gift_card_code=gift_code or None,
        use_credit=bool(getattr(pay_with, "use_credit", True)),
        provider=getattr(pay_with, "provider", None),
    )
    try:
        with transaction.atomic():
            purchase = PackagePurchase.objects.create(
                offer=offer,
                client=client,
                coach=offer.coach,
                session_type=offer.session_type,
                sessions=offer.sessions,
                price=offer.price,
                currency=offer.currency,
                status=PackagePurchase.Status.AWAITING_PAYMENT,
                purchased_at=now,
                # Provisional: the validity starts when the payment succeeds (on_paid).
                expires_at=now + timedelta(days=offer.valid_days),
            )
            PackageCredit.objects.bulk_create(
                [
                    PackageCredit(
                        purchase=purchase,
                        index=index,
                        value=value,
                        status=PackageCredit.Status.PENDING,
                    )
                    for index, value in enumerate(split_price(offer.price, offer.sessions))
                ]
            )
            payment = opening.payment_open(
                client=client,
                purpose=Payment.Purpose.PACKAGE,
                amount=offer.price,
                currency=offer.currency,
                coach=offer.coach,
                pay_with=payment_options,
                idempotency_key=key,
                request_hash=request_hash,
                package_purchase=purchase,
                now=now,
            )
            if payment.package_purchase_id != purchase.pk:
                # Another request with this key got there first: undo ours, answer with its.
                raise _Replayed(payment)
    except _Replayed as replay:
        return _replayed_outcome(client, key, request_hash, replay.payment)
    except IntegrityError:
        # The same Idempotency-Key committed concurrently (payment_idempotency_unique).
        if key is None:
            raise
        found = _replay(client, key, request_hash)
        if found is None:
            raise
        return found
    purchase.refresh_from_db()
    return BuyOutcome(purchase=purchase, payment=payment, replayed=False)


def _replayed_outcome(
    client: Any, key: str | None, request_hash: str, payment: Payment
) -> BuyOutcome:
    if key is not None:
        found = _replay(client, key, request_hash)
        if found is not None:
            return found
    raise IdempotencyKeyReused()


def on_paid(purchase: PackagePurchase, *, now: datetime | None = None) -> PackagePurchase:
    """The purchase's payment succeeded (checkout calls this inside its transaction): the
    package becomes active, valid for its days from now, and its credits available.
    Safe to call twice."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (
            PackagePurchase.objects.select_for_update().select_related("offer").get(pk=purchase.pk)
        )
        if locked.status != PackagePurchase.Status.AWAITING_PAYMENT:
            return locked
        locked.status = PackagePurchase.Status.ACTIVE
        locked.expires_at = now + timedelta(days=locked.offer.valid_days)
        locked.save(update_fields=["status", "expires_at"])
        locked.credits.filter(status=PackageCredit.Status.PENDING).update(
            status=PackageCredit.Status.AVAILABLE
        )
    purchase.status, purchase.expires_at = locked.status, locked.expires_at
    return locked


def on_failed(purchase: PackagePurchase) -> PackagePurchase:
    """The purchase's payment failed, was cancelled or expired: the purchase is cancelled and
    its credits stay pending (never usable). Safe to call twice."""
    with transaction.atomic():
        locked = PackagePurchase.objects.select_for_update().get(pk=purchase.pk)
        if locked.status == PackagePurchase.Status.AWAITING_PAYMENT:
            locked.status = PackagePurchase.Status.CANCELLED
            locked.save(update_fields=["status"])
    purchase.status = locked.status
    return locked


# --- Expiry -----------------------------------------------------------------------------------


def _post_breakage(
    purchase: PackagePurchase, amount: int, correlation_key: str, now: datetime
) -> None:
    fee = money.share(amount, money.fee_bp_for(purchase.coach))
    ledger.post(
        reason="package_expired",
        correlation_key=correlation_key,
        legs=[
            (accounts.package(purchase), amount),
            (accounts.coach_payable(purchase.coach, purchase.currency), -(amount - fee)),
            (accounts.platform_revenue(purchase.currency), -fee),
        ],
        memo=f"Unused sessions of package {purchase.public_id} forfeited at expiry",
        now=now,
    )


def package_expire_one(purchase_id: int, *, now: datetime) -> bool:
    """Expire one purchase if it is active and past its end; True when it did."""
    with transaction.atomic():
        purchase = (
            PackagePurchase.objects.select_for_update(of=("self",))
            .select_related("coach")
            .filter(pk=purchase_id)
            .first()
        )
        if (
            purchase is None
            or purchase.status != PackagePurchase.Status.ACTIVE
            or purchase.expires_at > now
        ):
            return False
        purchase.status = PackagePurchase.Status.EXPIRED
        purchase.save(update_fields=["status"])
        purchase.credits.filter(status=PackageCredit.Status.AVAILABLE).update(
            status=PackageCredit.Status.FORFEITED
        )
        remaining = accounts.package_balance(purchase)
        if remaining > 0:
            _post_breakage(purchase, remaining, f"package:{purchase.pk}:expire", now)
        return True


def packages_expire(*, now: datetime | None = None, batch: int = 500) -> int:
    """Expire every active purchase past its end. Idempotent: a purchase expires once, and
    its breakage posts once (the ledger's correlation key). Returns how many expired."""
    now = now or timezone.now()
    due = list(
        PackagePurchase.objects.filter(status=PackagePurchase.Status.ACTIVE, expires_at__lte=now)
        .order_by("expires_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    return sum(1 for pk in due if package_expire_one(pk, now=now))
