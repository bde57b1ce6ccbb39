"""Booking's service errors (each maps to an HTTP status and a stable code)."""

from tandem.core.errors import Conflict


class SlotUnavailable(Conflict):
    """That time is no longer available."""

    code = "slot_unavailable"


class HoldExpired(Conflict):
    """The hold on this time has expired; pick the time again."""

    code = "hold_expired"


class InvalidTransition(Conflict):
    """The booking is not in a state that allows this."""

    code = "invalid_state"


class TooLate(Conflict):
    """It is too late for that change."""

    code = "too_late"


class IdempotencyKeyReused(Conflict):
    """This Idempotency-Key was already used with a different request."""

    code = "idempotency_key_reused"
