"""Booking services: every write to holds and bookings. Pages, the API and tasks call these."""

from .changes import (
    CancelOutcome,
    booking_accept,
    booking_cancel,
    booking_complete,
    booking_decline,
    booking_no_show,
    booking_reschedule,
)
from .create import BookingOutcome, BookingRequest, booking_create
from .errors import HoldExpired, IdempotencyKeyReused, InvalidTransition, SlotUnavailable, TooLate
from .expiry import expire_due_requests
from .holds import hold_create, hold_release, holds_sweep
from .policy import (
    CANCEL_REASONS,
    SHORT_NOTICE_GRACE,
    CancellationTerms,
    SessionRights,
    cancellation_terms,
    reschedule_deadline,
    session_rights,
)
from .sweep import booking_sweep

__all__ = [
    "CANCEL_REASONS",
    "SHORT_NOTICE_GRACE",
    "BookingOutcome",
    "BookingRequest",
    "CancelOutcome",
    "CancellationTerms",
    "HoldExpired",
    "IdempotencyKeyReused",
    "InvalidTransition",
    "SessionRights",
    "SlotUnavailable",
    "TooLate",
    "booking_accept",
    "booking_cancel",
    "booking_complete",
    "booking_create",
    "booking_decline",
    "booking_no_show",
    "booking_reschedule",
    "booking_sweep",
    "cancellation_terms",
    "expire_due_requests",
    "hold_create",
    "hold_release",
    "holds_sweep",
    "reschedule_deadline",
    "session_rights",
]
