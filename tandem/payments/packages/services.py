"""Packages: a coach sells N sessions of a session type at one price, valid for D days.

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

from tandem.coaches.models import CoachProfile, SessionType
from tandem.coaches.selectors import coach_profile_for_user, listed_coaches, session_type_of
from tandem.core.errors import Conflict, InvalidInput, NotFound
from tandem.core.idempotency import checked_key
from tandem.core.money import validate_price
from tandem.core.text import clean_text

from ..ledger import accounts, money
from ..ledger import services as ledger
from ..models import PackageCredit, PackageOffer, PackagePurchase, Payment

MIN_SESSIONS = 2
MAX_SESSIONS = 100
MIN_VALID_DAYS = 1
MAX_VALID_DAYS = 3650
MAX_NAME = 120
MAX_GIFT_CODE = 64

OFFER_FIELDS = ("name", "session_type_id", "sessions", "price", "valid_days", "is_active")


class OwnOffer(InvalidInput):
    """You cannot buy your own package."""

    code = "own_package"


class IdempotencyKeyReused(Conflict):
    """That Idempotency-Key was used for a different request."""

    code = "idempotency_key_reused"


# --- Parsing ----------------------------------------------------------------------------------


def parse_uuid(value: Any) -> uuid.UUID | None:
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or len(value) > 64 or "\x00" in value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None


def _int_in(value: Any, *, field: str, low: int, high: int, what: str) -> int:
    if isinstance(value, bool) or value is None:
        raise InvalidInput(
            f"Enter a number of {what}.", fields={field: [f"Enter a number of {what}."]}
        )
    if isinstance(value, str):
        text = value.strip()
        if not text.isascii() or not text.isdigit() or len(text) > 6:
            raise InvalidInput(
                f"Enter a whole number of {what}.",
                fields={field: [f"Enter a whole number of {what}."]},
            )
        value = int(text)
    if not isinstance(value, int):
        raise InvalidInput(
            f"Enter a whole number of {what}.", fields={field: [f"Enter a whole number of {what}."]}
        )
    if not low <= value <= high:
        message = f"Choose between {low} and {high} {what}."
        raise InvalidInput(message, fields={field: [message]})
    return value


def _price_minor(value: Any, currency: str) -> int:
    amount = validate_price(value, currency=currency)
    try:
        return money.to_minor(amount, currency)
    except ValueError as exc:  # validate_price already refuses this; belt and braces
        raise InvalidInput("Enter a valid price.", fields={"price": [str(exc)]}) from exc


def _name(value: Any) -> str:
    if not isinstance(value, str):
        raise InvalidInput("Enter a name.", fields={"name": ["Enter a name."]})
    return clean_text(value, field="name", max_length=MAX_NAME, required=True)


# --- Coach: offers ----------------------------------------------------------------------------


def _coach_of(user: Any) -> CoachProfile:
    coach = coach_profile_for_user(user)  # None for anonymous users too
    if coach is None:
        raise NotFound("You do not have a coach profile.")
    return coach


def _own_session_type(coach: CoachProfile, session_type_id: Any) -> SessionType:
    session_type = session_type_of(coach, session_type_id)
    if session_type is None:
        raise NotFound("No such session type.", fields={"session_type_id": ["not found"]})
    return session_type


def _own_offer(coach: CoachProfile, offer_id: Any, *, lock: bool = False) -> PackageOffer:
    parsed = parse_uuid(offer_id)
    if parsed is None:
        raise NotFound("No such package.")
    rows = PackageOffer.objects.select_related("session_type", "coach")
    if lock:
        rows = rows.select_for_update(of=("self",))
    offer = rows.filter(coach=coach, public_id=parsed).first()
    if offer is None:
        raise NotFound("No such package.")
    return offer


def session_price_minor(session_type: SessionType) -> int:
    """One session's price of this type, in minor units."""
    return money.to_minor(session_type.price, session_type.currency)


def offer_saving(offer: PackageOffer) -> int:
    """What the package saves against buying its sessions one at a time (0 if nothing)."""
    return max(0, offer.sessions * session_price_minor(offer.session_type) - offer.price)


def package_offer_create(
    *,
    coach_user: Any,
    session_type_id: Any,
    name: Any,
    sessions: Any,
    price: Any,
    valid_days: Any,
) -> PackageOffer:
    coach = _coach_of(coach_user)
    session_type = _own_session_type(coach, session_type_id)
    if not session_type.is_active:
        raise InvalidInput(
            "That session type is not active.",
            fields={"session_type_id": ["Activate the session type first."]},
        )
    values = {
        "name": _name(name),
        "sessions": _int_in(
            sessions, field="sessions", low=MIN_SESSIONS, high=MAX_SESSIONS, what="sessions"
        ),
        "price": _price_minor(price, session_type.currency),
        "valid_days": _int_in(
            valid_days, field="valid_days", low=MIN_VALID_DAYS, high=MAX_VALID_DAYS, what="days"
        ),
    }
    with transaction.atomic():
        return PackageOffer.objects.create(
            coach=coach, session_type=session_type, currency=session_type.currency, **values
        )


def package_offer_update(*, coach_user: Any, offer_id: Any, **changes: Any) -> PackageOffer:
    """Change an offer. Purchases already made keep what they were sold (they copy the
    sessions, price and currency); only new purchases see the change."""
    unknown = sorted(set(changes) - set(OFFER_FIELDS))
    if unknown:
        raise InvalidInput("Unknown fields.", fields={name: ["unknown field"] for name in unknown})
    coach = _coach_of(coach_user)
    with transaction.atomic():
        offer = _own_offer(coach, offer_id, lock=True)
        if "session_type_id" in changes:
            session_type = _own_session_type(coach, changes["session_type_id"])
            if not session_type.is_active and session_type.pk != offer.session_type_id:
                raise InvalidInput(
                    "That session type is not active.",
                    fields={"session_type_id": ["Activate the session type first."]},
                )
            if session_type.currency != offer.currency and "price" not in changes:
                raise InvalidInput(
                    "That session type has another currency: give the price too.",
                    fields={"price": ["required with a session type in another currency"]},
                )
            offer.session_type = session_type
            offer.currency = session_type.currency
        if "name" in changes:
            offer.name = _name(changes["name"])
        if "sessions" in changes:
            offer.sessions = _int_in(
                changes["sessions"],
                field="sessions",
                low=MIN_SESSIONS,
                high=MAX_SESSIONS,
                what="sessions",
            )
        if "price" in changes:
            offer.price = _price_minor(changes["price"], offer.currency)
        if "valid_days" in changes:
            offer.valid_days = _int_in(
                changes["valid_days"],
                field="valid_days",
                low=MIN_VALID_DAYS,
                high=MAX_VALID_DAYS,
                what="days",
            )
        if "is_active" in changes:
            if not isinstance(changes["is_active"], bool):
                raise InvalidInput("true or false.", fields={"is_active": ["true or false"]})
            offer.is_active = changes["is_active"]
        offer.save()
        return offer


def package_offer_deactivate(*, coach_user: Any, offer_id: Any) -> PackageOffer:
    """Stop selling an offer. Purchases already made stay valid until they expire."""
    coach = _coach_of(coach_user)
    with transaction.atomic():
        offer = _own_offer(coach, offer_id, lock=True)
        if offer.is_active:
            offer.is_active = False
            offer.save(update_fields=["is_active"])
        return offer


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
    parsed = parse_uuid(offer_id)
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
    from ..checkout import (
        services as checkout,  # the lead's checkout; imported here, it imports this module
    )

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
    payment_options = checkout.PayWith(
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
            payment = checkout.payment_open(
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
