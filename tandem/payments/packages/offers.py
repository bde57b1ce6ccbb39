"""A coach's package offers: create, change, deactivate (the coach's own only), and the
price rules they follow (a package's price, the saving against single sessions)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from tandem.coaches.models import CoachProfile, SessionType
from tandem.coaches.selectors import coach_profile_for_user, session_type_of
from tandem.core.errors import InvalidInput, NotFound
from tandem.core.ids import parse_id
from tandem.core.money import validate_price
from tandem.core.text import clean_text

from ..ledger import money
from ..models import PackageOffer

MIN_SESSIONS = 2
MAX_SESSIONS = 100
MIN_VALID_DAYS = 1
MAX_VALID_DAYS = 3650
MAX_NAME = 120

OFFER_FIELDS = ("name", "session_type_id", "sessions", "price", "valid_days", "is_active")


# --- Parsing ----------------------------------------------------------------------------------


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
    parsed = parse_id(offer_id)
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
