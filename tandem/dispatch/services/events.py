"""What a change tells the people it concerns, from inside the change's transaction.

Events carry ids, statuses and times only (the stream is not encrypted): pages fetch the
rest. The client follows their request ("dispatch.changed"); a coach follows their offers
("dispatch.offer", an alert while it is open).
"""

from __future__ import annotations

from tandem.core.outbox import enqueue_in_transaction
from tandem.realtime.services import send_event_on_commit

# tasks.py calls these services: both sides import the other as a module, never its names,
# so either may be imported first.
from .. import tasks
from ..models import DispatchOffer, DispatchRequest


def request_changed(request: DispatchRequest, offer: DispatchOffer | None = None) -> None:
    open_offer = (
        offer if offer is not None and offer.status == DispatchOffer.Status.OFFERED else None
    )
    send_event_on_commit(
        [request.client_id],
        "dispatch.changed",
        {
            "request": request.public_id,
            "status": request.status,
            "rank": open_offer.rank if open_offer else None,
            "of": len(request.candidates),
            "expires_at": open_offer.expires_at if open_offer else None,
            "booking": request.booking.public_id if request.booking is not None else None,
            # Why nobody took it (an exhausted request's `Unfilled` code), else null.
            "reason": request.unfilled_reason or None,
        },
    )


def offer_changed(offer: DispatchOffer, coach_user_id: int) -> None:
    send_event_on_commit(
        [coach_user_id],
        "dispatch.offer",
        {
            "offer": offer.public_id,
            "status": offer.status,
            "start": offer.start,
            "expires_at": offer.expires_at,
        },
    )


def schedule_expiry(offer: DispatchOffer) -> None:
    """Time the offer out when its window ends, even if nobody looks (an outbox job)."""
    offer_id, run_after = offer.pk, offer.expires_at
    enqueue_in_transaction(
        lambda: tasks.dispatch_offer_expire_task.using(run_after=run_after).enqueue(offer_id)
    )
