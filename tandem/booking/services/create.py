"""Booking a session: from a hold or straight from a slot, exactly once per Idempotency-Key."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.coaches.models import CoachProfile, SessionType
from tandem.core.errors import InvalidInput, NotFound
from tandem.core.idempotency import checked_key
from tandem.core.text import clean_text

from .. import sql
from ..models import Booking, BookingEvent, Hold, IdempotencyRecord
from . import history, notify, payments_hook
from .errors import HoldExpired, IdempotencyKeyReused, SlotUnavailable
from .expiry import expire_due_requests
from .holds import ensure_bookable_by
from .locking import lock_for_booking
from .slots import blocked_range, checked_start, ensure_bookable, is_overlap_violation

MAX_NOTES = 2000
SCOPE = "booking_create"


@dataclass(frozen=True, slots=True)
class BookingRequest:
    hold_id: uuid.UUID | None = None
    coach: CoachProfile | None = None
    session_type: SessionType | None = None
    start: datetime | None = None
    notes: str = ""

    def fingerprint(self) -> str:
        """What "the same request" means for an Idempotency-Key."""
        body = {
            "hold": str(self.hold_id) if self.hold_id else None,
            "coach": self.coach.pk if self.coach else None,
            "session_type": self.session_type.pk if self.session_type else None,
            "start": self.start.timestamp() if self.start else None,
            "notes": self.notes,
        }
        return hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class BookingOutcome:
    booking: Booking
    replayed: bool  # an earlier request with the same Idempotency-Key made this booking
    # What the payments seam answered for a new booking (its payment; None when free or
    # replayed). Opaque to booking.
    payment: Any = None


def _replay(client: User, key: str, fingerprint: str) -> Booking | None:
    found = sql.select_idempotency_record(client.pk, SCOPE, key)
    if found is None:
        return None
    request_hash, booking_id = found
    if request_hash != fingerprint:
        raise IdempotencyKeyReused()
    return Booking.objects.get(pk=booking_id)


def booking_create(
    *,
    client: User,
    request: BookingRequest,
    idempotency_key: str | None = None,
    now: datetime | None = None,
    payment: Any = None,
) -> BookingOutcome:
    """Book a session (pending if the type needs the coach's confirmation) and pay for it.

    Every booking is paid for here, in its own transaction, through the payments seam
    (`payments_hook.booked`): `payment` says how (payments' own terms, opaque here; None:
    the default way). A payment that cannot be made rolls the booking back.

    Raises SlotUnavailable (409) when the time is gone, HoldExpired (409) for a lapsed hold,
    NotFound for an unknown (or someone else's) hold, coach or session type.
    """
    now = now or timezone.now()
    key = checked_key(idempotency_key)
    request = BookingRequest(
        hold_id=request.hold_id,
        coach=request.coach,
        session_type=request.session_type,
        start=request.start,
        notes=clean_text(request.notes, field="notes", max_length=MAX_NOTES),
    )
    fingerprint = request.fingerprint()
    # A replay answers before anything is validated again: the hold it used is gone and its
    # start may be in the past by now. (Without a hold, the lookup rides on the coach's lock.)
    if key and request.hold_id is not None and (earlier := _replay(client, key, fingerprint)):
        return BookingOutcome(earlier, replayed=True)
    try:
        with transaction.atomic():
            return _create(client, request, key, fingerprint, now, payment)
    except (SlotUnavailable, HoldExpired, NotFound):
        # A request with the same key that committed while we waited for the coach's lock
        # took the slot (and the hold): answer with its booking. (Cheaper than looking the
        # key up again under the lock on every booking; the unique constraint on the key
        # is what guarantees one booking per key, below.)
        if key and (earlier := _replay(client, key, fingerprint)):
            return BookingOutcome(earlier, replayed=True)
        raise
    except IntegrityError as exc:
        # Same key racing past the lock (another coach, another slot), or the database's
        # no-overlap promise.
        if key and (earlier := _replay(client, key, fingerprint)):
            return BookingOutcome(earlier, replayed=True)
        if is_overlap_violation(exc):
            raise SlotUnavailable() from exc
        raise


def _from_hold(
    client: User, request: BookingRequest, now: datetime
) -> tuple[int, SessionType, datetime]:
    if request.coach or request.session_type or request.start:
        raise InvalidInput(
            "Give either a hold or coach, session_type and start.",
            fields={"hold": ["exclusive"]},
        )
    hold = (
        Hold.objects.select_related("session_type")
        .filter(public_id=request.hold_id, client=client)
        .first()
    )
    if hold is None:
        raise NotFound("No such hold.")
    if hold.expires_at <= now:
        raise HoldExpired()
    return hold.coach_id, hold.session_type, hold.start


def _direct(request: BookingRequest) -> tuple[int, SessionType, datetime]:
    missing = {
        name: ["required"]
        for name, value in (
            ("coach", request.coach),
            ("session_type", request.session_type),
            ("start", request.start),
        )
        if value is None
    }
    if missing:
        raise InvalidInput("Give a hold, or coach, session_type and start.", fields=missing)
    assert request.coach and request.session_type and request.start
    return request.coach.pk, request.session_type, request.start


def _create(
    client: User,
    request: BookingRequest,
    key: str | None,
    fingerprint: str,
    now: datetime,
    how_to_pay: Any,
) -> BookingOutcome:
    if request.hold_id is not None:
        coach_id, session_type, start = _from_hold(client, request, now)
    else:
        coach_id, session_type, start = _direct(request)
    lock = lock_for_booking(coach_id, client_id=client.pk, scope=SCOPE, key=key, now=now)
    if lock.replay is not None:
        request_hash, booking_id = lock.replay
        if request_hash != fingerprint:
            raise IdempotencyKeyReused()
        return BookingOutcome(Booking.objects.get(pk=booking_id), replayed=True)
    if request.hold_id is None:
        start = checked_start(start, now=now)
    coach = lock.coach
    ensure_bookable_by(client, coach, session_type)
    if lock.lapsed_requests:
        # They still count for the exclusion constraint until marked expired.
        expire_due_requests(now=now, coach_id=coach.pk)
    ensure_bookable(coach, session_type, start, now=now, client_id=client.pk)
    end, blocked_start, blocked_end = blocked_range(session_type, start)
    pending = session_type.requires_confirmation
    booking = Booking(
        coach=coach,
        client=client,
        session_type=session_type,
        start=start,
        end=end,
        blocked_start=blocked_start,
        blocked_end=blocked_end,
        status=Booking.Status.PENDING if pending else Booking.Status.CONFIRMED,
        notes=request.notes,
        price=session_type.price,
        currency=session_type.currency,
        pending_expires_at=(
            min(now + timedelta(hours=settings.TANDEM_PENDING_EXPIRY_HOURS), start)
            if pending
            else None
        ),
        created_at=now,
        updated_at=now,
    )
    sql.insert(booking)
    history.record(
        booking,
        BookingEvent.Kind.REQUESTED if pending else BookingEvent.Kind.BOOKED,
        actor=client,
        at=now,
    )
    # The hold (if any) became this booking.
    if lock.client_holds:
        sql.delete_client_holds(client.pk, coach.pk)
    if key:
        sql.insert(
            IdempotencyRecord(
                user=client,
                scope=SCOPE,
                key=key,
                request_hash=fingerprint,
                booking=booking,
                created_at=now,
            )
        )
    # Checkout, on every path that books (a free session records its price, 0, and pays
    # nothing). A refusal raises and rolls the booking back with it.
    paid = payments_hook.booked(booking, how_to_pay, now)
    notify.announce(booking, "requested" if pending else "confirmed")
    notify.schedule_expiry(booking)
    return BookingOutcome(booking, replayed=False, payment=paid)
