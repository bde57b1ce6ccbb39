"""Book now services: every write to dispatch requests and offers. Pages, the API and the
timeout task call these; each is one transaction and takes an optional `now`."""

from .answer import AcceptOutcome, dispatch_offer_accept, dispatch_offer_decline
from .create import CreateOutcome, dispatch_request_create
from .errors import (
    IdempotencyKeyReused,
    OfferClosed,
    OfferExpired,
    OfferFailed,
    OfferNotFound,
    RequestActive,
    RequestClosed,
    RequestNotFound,
    UnknownSpecialty,
)
from .expire import dispatch_offer_expire, dispatch_offers_catch_up, dispatch_request_catch_up
from .withdraw import dispatch_request_withdraw, own_request

__all__ = [
    "AcceptOutcome",
    "CreateOutcome",
    "IdempotencyKeyReused",
    "OfferClosed",
    "OfferExpired",
    "OfferFailed",
    "OfferNotFound",
    "RequestActive",
    "RequestClosed",
    "RequestNotFound",
    "UnknownSpecialty",
    "dispatch_offer_accept",
    "dispatch_offer_decline",
    "dispatch_offer_expire",
    "dispatch_offers_catch_up",
    "dispatch_request_catch_up",
    "dispatch_request_create",
    "dispatch_request_withdraw",
    "own_request",
]
