"""The client withdraws a running request: its open offer is withdrawn and nobody else is
asked. Withdrawing twice is the same answer again; an answered request cannot be withdrawn
(409 request_closed; a booked session is cancelled as any other)."""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.core.ids import parse_id

from ..models import DispatchOffer, DispatchRequest
from . import events
from .errors import RequestClosed, RequestNotFound
from .expire import expire_locked
from .locking import lock_request


def own_request(client: User, request_id: uuid.UUID | str) -> DispatchRequest:
    """The client's own request; anyone else's (or an unknown id) does not exist."""
    public_id = parse_id(request_id)
    if public_id is None:
        raise RequestNotFound()
    found = DispatchRequest.objects.filter(public_id=public_id, client=client).first()
    if found is None:
        raise RequestNotFound()
    return found


def dispatch_request_withdraw(
    *, client: User, request_id: uuid.UUID | str, now: datetime | None = None
) -> DispatchRequest:
    now = now or timezone.now()
    found = own_request(client, request_id)
    with transaction.atomic():
        request = lock_request(found.pk)
        if request.status == DispatchRequest.Status.WITHDRAWN:
            return request
        # An offer whose window is already over is recorded as timed out, not withdrawn.
        # (Moving on would make a new offer only to withdraw it: stop the advance instead.)
        claimed = DispatchRequest.objects.filter(
            pk=request.pk, status__in=DispatchRequest.ACTIVE_STATUSES
        ).update(status=DispatchRequest.Status.WITHDRAWN, closed_at=now, updated_at=now)
        if not claimed:
            raise RequestClosed()
        request.status, request.closed_at, request.updated_at = (
            DispatchRequest.Status.WITHDRAWN,
            now,
            now,
        )
        expire_locked(request, now=now)
        open_offers = list(
            DispatchOffer.objects.filter(
                request=request, status=DispatchOffer.Status.OFFERED
            ).select_related("coach")
        )
        DispatchOffer.objects.filter(pk__in=[o.pk for o in open_offers]).update(
            status=DispatchOffer.Status.WITHDRAWN, answered_at=now
        )
        for offer in open_offers:
            offer.status, offer.answered_at = DispatchOffer.Status.WITHDRAWN, now
            events.offer_changed(offer, offer.coach.user_id)
        events.request_changed(request)
    return request
