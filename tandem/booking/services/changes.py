"""Changes to an existing booking: accept, decline, reschedule, cancel, complete, no-show.

Every change locks the coach's calendar (see locking.py), re-reads the booking, checks the
transition, records it in the history and announces it after commit. Someone who is not a
participant gets NotFound: another user's booking does not exist for them.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.core.errors import InvalidInput, NotFound
from tandem.core.text import clean_text

from ..models import Booking, BookingEvent
from ..rules import request_has_lapsed
from . import history, notify, payments_hook
from .errors import InvalidTransition, SlotUnavailable, TooLate
from .expiry import expire_due_requests
from .locking import lock_coach
from .policy import (
    CANCEL_REASONS,
    OTHER_REASON,
    CancellationTerms,
    cancellation_terms,
    is_coach_of,
    is_participant,
    reschedule_deadline,
)
from .slots import blocked_range, checked_start, ensure_bookable, is_overlap_violation

MAX_MESSAGE = 2000


def _locked(booking_id: uuid.UUID, user: User) -> Booking:
    """The booking, locked with its coach's calendar, if `user` takes part in it."""
    found = Booking.objects.filter(public_id=booking_id).values_list("coach_id", flat=True).first()
    if found is None:
        raise NotFound("No such booking.")
    coach = lock_coach(found)
    booking = (
        Booking.objects.select_for_update(of=("self",))
        .select_related("client", "session_type")
        .get(public_id=booking_id)
    )
    booking.coach = coach
    if not is_participant(booking, user):
        raise NotFound("No such booking.")
    return booking


def _coach_only(booking: Booking, user: User) -> None:
    if not is_coach_of(booking, user):
        raise InvalidTransition("Only the coach can do that.", code="coach_only")


def _save(booking: Booking, now: datetime, *fields: str) -> None:
    booking.updated_at = now
    booking.save(update_fields=[*fields, "updated_at"])


def _pending_open(booking: Booking, now: datetime) -> None:
    if booking.status != Booking.Status.PENDING:
        raise InvalidTransition("This booking is not awaiting confirmation.")
    if request_has_lapsed(booking, now):
        raise TooLate("This request has expired.", code="request_expired")


@transaction.atomic
def booking_accept(*, booking_id: uuid.UUID, user: User, now: datetime | None = None) -> Booking:
    now = now or timezone.now()
    booking = _locked(booking_id, user)
    _coach_only(booking, user)
    _pending_open(booking, now)
    booking.status = Booking.Status.CONFIRMED
    booking.pending_expires_at = None
    _save(booking, now, "status", "pending_expires_at")
    history.record(
        booking, BookingEvent.Kind.ACCEPTED, actor=user, at=now, from_status=Booking.Status.PENDING
    )
    notify.announce(booking, "confirmed")
    return booking


@transaction.atomic
def booking_decline(
    *, booking_id: uuid.UUID, user: User, message: str = "", now: datetime | None = None
) -> Booking:
    now = now or timezone.now()
    message = clean_text(message, field="message", max_length=MAX_MESSAGE)
    booking = _locked(booking_id, user)
    _coach_only(booking, user)
    _pending_open(booking, now)
    booking.status = Booking.Status.DECLINED
    booking.cancel_message = message
    booking.sequence += 1
    _save(booking, now, "status", "cancel_message", "sequence")
    history.record(
        booking,
        BookingEvent.Kind.DECLINED,
        actor=user,
        at=now,
        from_status=Booking.Status.PENDING,
        message=message,
    )
    payments_hook.settle(booking, "declined", user, now)
    notify.announce(booking, "declined")
    return booking


def _upcoming_active(booking: Booking, now: datetime) -> None:
    if booking.status not in Booking.ACTIVE_STATUSES:
        raise InvalidTransition(f"This booking is {booking.get_status_display().lower()}.")
    if booking.start <= now:
        raise TooLate("This session has already started.", code="already_started")
    if request_has_lapsed(booking, now):
        raise TooLate("This request has expired.", code="request_expired")


def booking_reschedule(
    *,
    booking_id: uuid.UUID,
    user: User,
    start: datetime,
    reason: str = "",
    now: datetime | None = None,
) -> Booking:
    """Move a booking to `start`, atomically: the old time is freed only if the new one is taken.

    The new time obeys the same rules as a new booking (open hours, notice, window, caps, no
    overlap); the booking's own time does not block it.
    """
    now = now or timezone.now()
    reason = clean_text(reason, field="reason", max_length=MAX_MESSAGE)
    start = checked_start(start, now=now)
    try:
        with transaction.atomic():
            return _reschedule(booking_id, user, start, reason, now)
    except IntegrityError as exc:
        if is_overlap_violation(exc):
            raise SlotUnavailable() from exc
        raise


def _reschedule(
    booking_id: uuid.UUID, user: User, start: datetime, reason: str, now: datetime
) -> Booking:
    booking = _locked(booking_id, user)
    _upcoming_active(booking, now)
    if now > reschedule_deadline(booking, user):
        raise TooLate(
            f"Sessions can be moved until {booking.coach.reschedule_min_hours} hours before "
            "they start; cancel instead, or ask your coach.",
            code="reschedule_window_closed",
        )
    if start == booking.start:
        raise InvalidInput("That is the current time.", fields={"start": ["unchanged"]})
    expire_due_requests(now=now, coach_id=booking.coach_id)
    ensure_bookable(
        booking.coach,
        booking.session_type,
        start,
        now=now,
        client_id=booking.client_id,
        exclude_booking_id=booking.pk,
    )
    previous = booking.start
    booking.start = start
    booking.end, booking.blocked_start, booking.blocked_end = blocked_range(
        booking.session_type, start
    )
    lapse_moved = booking.pending_expires_at is not None and start < booking.pending_expires_at
    if lapse_moved:
        # Moved earlier than its lapse: the request now lapses at its (new) start.
        booking.pending_expires_at = start
    booking.sequence += 1
    _save(
        booking,
        now,
        "start",
        "end",
        "blocked_start",
        "blocked_end",
        "pending_expires_at",
        "sequence",
    )
    history.record(
        booking,
        BookingEvent.Kind.RESCHEDULED,
        actor=user,
        at=now,
        from_status=booking.status,
        from_start=previous,
        message=reason,
    )
    payments_hook.moved(booking, previous, now)  # issued documents get a new version
    notify.announce(booking, "rescheduled", previous_start=previous)
    if lapse_moved:
        notify.schedule_expiry(booking)
    return booking


@dataclass(frozen=True, slots=True)
class CancelOutcome:
    booking: Booking
    terms: CancellationTerms


def checked_reason(reason_code: str, message: str) -> tuple[str, str]:
    message = clean_text(message, field="message", max_length=MAX_MESSAGE)
    if reason_code not in CANCEL_REASONS:
        raise InvalidInput("Choose one of the listed reasons.", fields={"reason_code": ["invalid"]})
    if reason_code == OTHER_REASON and not message:
        raise InvalidInput(
            'Say why in a few words when the reason is "other".', fields={"message": ["required"]}
        )
    return reason_code, message


@transaction.atomic
def booking_cancel(
    *,
    booking_id: uuid.UUID,
    user: User,
    reason_code: str,
    message: str = "",
    now: datetime | None = None,
) -> CancelOutcome:
    """Cancel an upcoming booking (either side). A client's late cancellation is marked late."""
    now = now or timezone.now()
    reason_code, message = checked_reason(reason_code, message)
    booking = _locked(booking_id, user)
    _upcoming_active(booking, now)
    terms = cancellation_terms(booking, user, now)
    previous_status = booking.status
    booking.status = Booking.Status.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by = user
    booking.cancel_reason = reason_code
    booking.cancel_message = message
    booking.late_cancellation = terms.late
    booking.sequence += 1
    _save(
        booking,
        now,
        "status",
        "cancelled_at",
        "cancelled_by",
        "cancel_reason",
        "cancel_message",
        "late_cancellation",
        "sequence",
    )
    history.record(
        booking,
        BookingEvent.Kind.CANCELLED,
        actor=user,
        at=now,
        from_status=previous_status,
        reason_code=reason_code,
        message=message,
    )
    payments_hook.settle(booking, "cancelled", user, now)
    notify.announce(booking, "cancelled")
    return CancelOutcome(booking, terms)


def _finish(booking_id: uuid.UUID, user: User, now: datetime, status: str, kind: str) -> Booking:
    booking = _locked(booking_id, user)
    _coach_only(booking, user)
    if booking.status != Booking.Status.CONFIRMED:
        raise InvalidTransition("Only a confirmed session can be marked.")
    if booking.end > now:
        raise InvalidTransition("The session has not ended yet.", code="not_ended")
    booking.status = status
    _save(booking, now, "status")
    history.record(booking, kind, actor=user, at=now, from_status=Booking.Status.CONFIRMED)
    if status == Booking.Status.NO_SHOW:
        payments_hook.settle(booking, "no_show", user, now)
    return booking


@transaction.atomic
def booking_complete(*, booking_id: uuid.UUID, user: User, now: datetime | None = None) -> Booking:
    now = now or timezone.now()
    return _finish(booking_id, user, now, Booking.Status.COMPLETED, BookingEvent.Kind.COMPLETED)


@transaction.atomic
def booking_no_show(*, booking_id: uuid.UUID, user: User, now: datetime | None = None) -> Booking:
    now = now or timezone.now()
    return _finish(booking_id, user, now, Booking.Status.NO_SHOW, BookingEvent.Kind.NO_SHOW)
