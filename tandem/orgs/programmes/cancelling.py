"""Cancelling the open sponsored bookings of participants who leave (a removed participant,
or everyone when a programme ends).

Each booking is cancelled by the booking app's own service (`booking_cancel`), in its own
transaction, *on the client's behalf*: the sponsor stands in the payer's shoes, so the
booking's cancellation policy applies as it would to the client (free until the coach's
cutoff; a late cancellation is marked late and settled as the policy says, the budget
getting back what the policy returns through the sponsor port). Reason: "no_longer_needed".

Lock order (PostgreSQL): the caller must not hold a programme's row lock here; the booking
locks its coach's row first, then the sponsor port may lock the programme.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime

from tandem.booking.services.changes import booking_cancel
from tandem.core.errors import ServiceError

from ..models import SponsoredSession

logger = logging.getLogger(__name__)

REASON = "no_longer_needed"


def open_sponsored(*, participant_ids: Iterable[int] | None = None, programme_id: int | None = None,
                   now: datetime) -> list[tuple[object, int]]:  # fmt: skip
    """(booking public id, client user pk) of the upcoming active sponsored bookings."""
    rows = SponsoredSession.objects.filter(
        booking__status__in=("pending", "confirmed"), booking__start__gt=now
    )
    if participant_ids is not None:
        rows = rows.filter(participant_id__in=list(participant_ids))
    if programme_id is not None:
        rows = rows.filter(programme_id=programme_id)
    return list(rows.values_list("booking__public_id", "booking__client_id"))


def cancel_open_sponsored(
    *,
    participant_ids: Iterable[int] | None = None,
    programme_id: int | None = None,
    now: datetime,
) -> int:
    """Cancel them one by one; returns how many were cancelled. A booking that can no longer
    be cancelled (it started meanwhile, the coach cancelled it) is skipped and logged."""
    from tandem.accounts.selectors import user_by_pk

    done = 0
    for booking_id, client_id in open_sponsored(
        participant_ids=participant_ids, programme_id=programme_id, now=now
    ):
        try:
            booking_cancel(
                booking_id=booking_id,  # type: ignore[arg-type]
                user=user_by_pk(client_id),
                reason_code=REASON,
                message="",
                now=now,
            )
        except ServiceError as exc:
            logger.info("Sponsored booking %s not cancelled: %s", booking_id, exc.code)
            continue
        done += 1
    return done
