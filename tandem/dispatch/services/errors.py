"""Book now's service errors (each maps to an HTTP status and a stable code)."""

from tandem.core.errors import Conflict, InvalidInput, NotFound


class UnknownSpecialty(InvalidInput):
    """No such specialty."""

    code = "unknown_specialty"


class RequestNotFound(NotFound):
    """No such request."""


class OfferNotFound(NotFound):
    """No such offer."""


class RequestActive(Conflict):
    """You already have a Book now request running; withdraw it or wait for its answer."""

    code = "request_active"


class RequestClosed(Conflict):
    """This request is no longer running."""

    code = "request_closed"


class OfferExpired(Conflict):
    """The time to answer this offer has run out; the request has moved on."""

    code = "offer_expired"


class OfferClosed(Conflict):
    """This offer has already been answered or withdrawn."""

    code = "offer_closed"


class OfferFailed(Conflict):
    """That time is no longer free, so the session could not be booked; the request has
    moved on."""

    code = "slot_unavailable"


class IdempotencyKeyReused(Conflict):
    """This Idempotency-Key was already used with a different request."""

    code = "idempotency_key_reused"
