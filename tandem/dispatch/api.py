"""Book now API: /api/v1/dispatch/... Thin: parse, call one service, present.

Another user's request or offer answers 404, exactly like an unknown id. Reads time out an
offer whose window is over before they answer (so what they show is current even while
the worker is down).
"""

from __future__ import annotations

from datetime import datetime

from django.http import HttpResponse
from django.utils import timezone
from ninja import Path, Router, Status

from tandem.accounts.http import AuthenticatedHttpRequest

from . import selectors, services
from .models import DispatchRequest
from .present import offer_data, request_data
from .schemas import DispatchOfferListOut, DispatchOfferOut, DispatchRequestIn, DispatchRequestOut

router = Router(tags=["book now"])

NOT_YOURS = "Someone else's request or offer answers 404, exactly like an unknown id. "
EVENTS = (
    "Progress arrives on your event stream as `dispatch.changed` (client) and `dispatch.offer` "
    "(coach). "
)


def request_body(request: DispatchRequest, *, now: datetime) -> dict:
    offers = selectors.request_offers(request)
    soonest = (
        selectors.soonest_slots(request, now=now)
        if request.status == DispatchRequest.Status.EXHAUSTED
        else None
    )
    return request_data(request, offers, now=now, soonest=soonest)


def _current(http: AuthenticatedHttpRequest, request_id: str) -> DispatchRequest:
    found = selectors.request_for(http.user, request_id)
    if found is None:
        raise services.RequestNotFound()
    if services.dispatch_request_catch_up(request=found):
        found = selectors.request_for(http.user, request_id)
        assert found is not None
    return found


@router.post(
    "/dispatch/requests",
    response={200: DispatchRequestOut, 201: DispatchRequestOut},
    summary="Ask for a session now",
    description="Ranks the verified coaches of the specialty who are online and have a free "
    "slot of that length starting within `within_minutes`, then offers the request to one "
    "coach at a time (each has `TANDEM_DISPATCH_OFFER_SECONDS`, 300 by default, to accept). "
    "With nobody to ask it is `exhausted` at once, with `soonest` scheduled sessions. "
    "`Idempotency-Key`: the same key and body again returns the same request (200, "
    "`Idempotent-Replayed: true`); another body answers 409 `idempotency_key_reused`. "
    "One request at a time: 409 `request_active` while another runs. 400 `unknown_specialty`, "
    "400 `invalid` for bad input. " + EVENTS,
)
def create_request(
    request: AuthenticatedHttpRequest, response: HttpResponse, payload: DispatchRequestIn
) -> Status:
    outcome = services.dispatch_request_create(
        client=request.user,
        specialty=payload.specialty,
        duration_minutes=payload.duration_minutes,
        within_minutes=payload.within_minutes,
        idempotency_key=request.headers.get("Idempotency-Key"),
    )
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    found = _current(request, str(outcome.request.public_id))
    return Status(200 if outcome.replayed else 201, request_body(found, now=timezone.now()))


@router.get(
    "/dispatch/requests/{request_id}",
    response=DispatchRequestOut,
    summary="One of your Book now requests",
    description=NOT_YOURS + EVENTS,
)
def get_request(request: AuthenticatedHttpRequest, request_id: str = Path(...)) -> dict:
    return request_body(_current(request, request_id), now=timezone.now())


@router.post(
    "/dispatch/requests/{request_id}/withdraw",
    response=DispatchRequestOut,
    summary="Withdraw your request",
    description="Nobody else is asked and the open offer is withdrawn. Withdrawing again "
    "answers the same; a booked or exhausted request answers 409 `request_closed`. " + NOT_YOURS,
)
def withdraw_request(request: AuthenticatedHttpRequest, request_id: str = Path(...)) -> dict:
    withdrawn = services.dispatch_request_withdraw(client=request.user, request_id=request_id)
    return request_body(_current(request, str(withdrawn.public_id)), now=timezone.now())


@router.get(
    "/dispatch/offers",
    response=DispatchOfferListOut,
    summary="Your Book now offers waiting for an answer (coaches)",
    description="Soonest deadline first. " + EVENTS,
)
def list_offers(request: AuthenticatedHttpRequest) -> dict:
    services.dispatch_offers_catch_up(coach_user=request.user)
    now = timezone.now()
    offers = selectors.open_offers_for(request.user, now=now)
    return {"items": [offer_data(o, request.user, now=now) for o in offers]}


def _offer_body(request: AuthenticatedHttpRequest, offer_id: str) -> dict:
    offer = selectors.offer_for(request.user, offer_id)
    if offer is None:
        raise services.OfferNotFound()
    return offer_data(offer, request.user, now=timezone.now())


@router.post(
    "/dispatch/offers/{offer_id}/accept",
    response=DispatchOfferOut,
    summary="Accept an offer: the session is booked",
    description="Booked under the same no-overlap promise as any booking. After the window: "
    "409 `offer_expired`. Answered or withdrawn already: 409 `offer_closed` (accepting again "
    "answers the same booking). The time taken meanwhile: 409 `slot_unavailable`, and the "
    "request goes to the next coach. " + NOT_YOURS,
)
def accept_offer(request: AuthenticatedHttpRequest, offer_id: str = Path(...)) -> dict:
    outcome = services.dispatch_offer_accept(coach_user=request.user, offer_id=offer_id)
    return _offer_body(request, str(outcome.offer.public_id))


@router.post(
    "/dispatch/offers/{offer_id}/decline",
    response=DispatchOfferOut,
    summary="Decline an offer",
    description="The request goes to the next coach. After the window: 409 `offer_expired`. "
    + NOT_YOURS,
)
def decline_offer(request: AuthenticatedHttpRequest, offer_id: str = Path(...)) -> dict:
    offer = services.dispatch_offer_decline(coach_user=request.user, offer_id=offer_id)
    return _offer_body(request, str(offer.public_id))
