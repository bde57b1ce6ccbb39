"""Booking API: holds, bookings, and changes to them. Thin: parse, call a service, present."""

from __future__ import annotations

from uuid import UUID

from django.http import HttpResponse
from django.utils import timezone
from ninja import Path, Query, Router, Status

from tandem.accounts.http import AuthenticatedHttpRequest
from tandem.core.errors import NotFound
from tandem.core.ids import parse_id

from . import money, selectors, services
from .alternatives import alternatives_for
from .present import booking_data
from .requests import booking_request, coach_and_type
from .schemas import (
    BookingDetailOut,
    BookingIn,
    BookingListOut,
    BookingListQuery,
    BookingOut,
    CancelIn,
    CancelOut,
    DeclineIn,
    HoldIn,
    HoldOut,
    RescheduleIn,
)
from .services import payments_hook

router = Router(tags=["booking"])

CONFLICTS = (
    "409 answers `slot_unavailable` when the time is gone (booked, held by someone else, "
    "outside the coach's hours, too soon, beyond the booking window or over a cap)."
)


def _detail(request: AuthenticatedHttpRequest, booking_id: str) -> dict:
    booking = selectors.booking_for(request.user, booking_id)
    if booking is None:
        raise NotFound("No such booking.")
    now = timezone.now()
    data = booking_data(booking, request.user, now, history=selectors.booking_history(booking))
    data["payment"] = money.payment_summary(booking)
    data["refund_if_cancelled_now"] = money.refund_if_cancelled(booking, request.user, now)
    return data


def _booking_id(booking_id: str) -> UUID:
    parsed = parse_id(booking_id)
    if parsed is None:
        raise NotFound("No such booking.")
    return parsed


@router.post(
    "/holds",
    response={201: HoldOut},
    summary="Hold a slot while you book it",
    description=(
        "Keeps the slot out of everyone else's /slots for "
        "`TANDEM_HOLD_MINUTES` (10 by default). One live hold per client and coach: a new one "
        "replaces the old. " + CONFLICTS
    ),
)
def create_hold(request: AuthenticatedHttpRequest, payload: HoldIn) -> Status:
    coach, session_type = coach_and_type(payload.coach, payload.session_type)
    hold = services.hold_create(
        client=request.user, coach=coach, session_type=session_type, start=payload.start
    )
    return Status(
        201,
        {"id": hold.public_id, "start": hold.start, "end": hold.end, "expires_at": hold.expires_at},
    )


@router.delete("/holds/{hold_id}", response={204: None}, summary="Release a hold")
def release_hold(request: AuthenticatedHttpRequest, hold_id: str) -> Status:
    parsed = parse_id(hold_id)
    if parsed is None:
        raise NotFound("No such hold.")
    services.hold_release(client=request.user, hold_id=parsed)
    return Status(204, None)


@router.post(
    "/bookings",
    response={200: BookingOut, 201: BookingOut},
    summary="Book a session",
    description=(
        "From a hold (`hold`) or straight from a slot (`coach`, `session_type`, `start`). "
        "Send an `Idempotency-Key` header: repeating the request with the same key and body "
        "returns the same booking (200, header `Idempotent-Replayed: true`) and never makes a "
        "second; the same key with a different body answers 409 `idempotency_key_reused`. "
        "Session types that need confirmation give a `pending` booking that holds the slot "
        "until the coach answers or it expires. A priced session is paid the default way: "
        "a package credit or account credit, then an invoice (manual provider); when it "
        "would need a card, 402 `payment_required` (use POST /checkout). " + CONFLICTS
    ),
)
def create_booking(
    request: AuthenticatedHttpRequest, response: HttpResponse, payload: BookingIn
) -> Status:
    # A priced session is paid the default way (credits, then an invoice); one that needs a
    # card answers 402 `payment_required` (POST /checkout takes cards). A free one is exactly
    # booking_create. Paying is payments': booking asks through its payments port.
    outcome = payments_hook.port().book_and_pay(
        client=request.user,
        request=booking_request(payload),
        choices=payments_hook.PayChoices(),
        idempotency_key=request.headers.get("Idempotency-Key"),
        card_allowed=False,
    )
    if outcome.replayed:
        response["Idempotent-Replayed"] = "true"
    booking = outcome.booking  # new: its coach, client and session type are loaded already
    assert booking is not None  # no card: booked at once
    if outcome.replayed:
        booking = selectors.booking_for(request.user, booking.public_id)
        assert booking is not None
    return Status(
        200 if outcome.replayed else 201, booking_data(booking, request.user, timezone.now())
    )


@router.get(
    "/bookings",
    response=BookingListOut,
    summary="Your sessions, as client and as coach",
    description=(
        "`scope`: upcoming (soonest first), past or cancelled (latest first; cancelled "
        "includes declined and expired requests). `role`: any, client or coach. Follow "
        "`next_cursor` for more."
    ),
)
def list_bookings(request: AuthenticatedHttpRequest, query: Query[BookingListQuery]) -> dict:
    now = timezone.now()
    page = selectors.bookings_page(
        request.user,
        scope=query.scope,  # type: ignore[arg-type]
        role=query.role,  # type: ignore[arg-type]
        cursor=query.cursor,
        limit=query.limit,
        now=now,
    )
    return {
        "items": [booking_data(b, request.user, now) for b in page.items],
        "next_cursor": page.next_cursor,
    }


@router.get(
    "/bookings/{booking_id}",
    response=BookingDetailOut,
    summary="One of your sessions, with its history",
)
def get_booking(request: AuthenticatedHttpRequest, booking_id: str = Path(...)) -> dict:
    return _detail(request, booking_id)


@router.post(
    "/bookings/{booking_id}/reschedule",
    response=BookingDetailOut,
    summary="Move a session",
    description=(
        "Atomic: the old time is freed only if the new one is taken. Clients may move a "
        "session until the coach's `reschedule_min_hours` before it (409 "
        "`reschedule_window_closed`); coaches until it starts. " + CONFLICTS
    ),
)
def reschedule_booking(
    request: AuthenticatedHttpRequest, payload: RescheduleIn, booking_id: str = Path(...)
) -> dict:
    services.booking_reschedule(
        booking_id=_booking_id(booking_id),
        user=request.user,
        start=payload.start,
        reason=payload.reason,
    )
    return _detail(request, booking_id)


@router.post(
    "/bookings/{booking_id}/cancel",
    response=CancelOut,
    summary="Cancel a session",
    description=(
        "Either side. A client cancelling a confirmed session after the coach's free window "
        "is a late cancellation (`late: true`). `impact` is high under 24 hours before the "
        "start, medium under 72, low otherwise. `alternatives` are recommended new times."
    ),
)
def cancel_booking(
    request: AuthenticatedHttpRequest, payload: CancelIn, booking_id: str = Path(...)
) -> dict:
    outcome = services.booking_cancel(
        booking_id=_booking_id(booking_id),
        user=request.user,
        reason_code=payload.reason_code,
        message=payload.message,
    )
    now = timezone.now()
    return {
        "booking": booking_data(outcome.booking, request.user, now),
        "late": outcome.terms.late,
        "impact": outcome.terms.impact,
        "free_cancel_until": outcome.terms.free_until,
        "alternatives": alternatives_for(outcome.booking, request.user, now),
        "refund": money.refund_made(outcome.booking),
    }


@router.post(
    "/bookings/{booking_id}/accept",
    response=BookingDetailOut,
    summary="Accept a pending request (coach)",
)
def accept_booking(request: AuthenticatedHttpRequest, booking_id: str = Path(...)) -> dict:
    services.booking_accept(booking_id=_booking_id(booking_id), user=request.user)
    return _detail(request, booking_id)


@router.post(
    "/bookings/{booking_id}/decline",
    response=BookingDetailOut,
    summary="Decline a pending request (coach)",
)
def decline_booking(
    request: AuthenticatedHttpRequest, payload: DeclineIn, booking_id: str = Path(...)
) -> dict:
    services.booking_decline(
        booking_id=_booking_id(booking_id), user=request.user, message=payload.message
    )
    return _detail(request, booking_id)


@router.post(
    "/bookings/{booking_id}/complete",
    response=BookingDetailOut,
    summary="Mark a session that has ended as completed (coach)",
)
def complete_booking(request: AuthenticatedHttpRequest, booking_id: str = Path(...)) -> dict:
    services.booking_complete(booking_id=_booking_id(booking_id), user=request.user)
    return _detail(request, booking_id)


@router.post(
    "/bookings/{booking_id}/no-show",
    response=BookingDetailOut,
    summary="Mark a session that has ended as a no-show (coach)",
)
def no_show_booking(request: AuthenticatedHttpRequest, booking_id: str = Path(...)) -> dict:
    services.booking_no_show(booking_id=_booking_id(booking_id), user=request.user)
    return _detail(request, booking_id)
