"""Timeouts: an offer nobody answered in time expires and the request moves on.

Three paths reach this, all safe together and twice over because the offer is claimed with a
conditional UPDATE (still offered, and its window over): the task scheduled for the offer's
end (an outbox job), and lazily any read or answer that finds the window over (so a stopped
worker delays nothing that somebody is looking at).
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from tandem.accounts.models import User

from ..models import DispatchOffer, DispatchRequest
from . import events
from .advance import advance
from .locking import lock_request


def expire_locked(request: DispatchRequest, *, now: datetime, offer_id: int | None = None) -> bool:
    """Expire `request`'s open offer (only `offer_id`, if given) if its window is over and
    move on. Call with the request row locked; True when an offer was expired."""
    overdue_offers = DispatchOffer.objects.filter(
        request=request, status=DispatchOffer.Status.OFFERED, expires_at__lte=now
    )
    if offer_id is not None:
        overdue_offers = overdue_offers.filter(pk=offer_id)
    overdue = list(overdue_offers.select_related("coach"))
    if not overdue:
        return False
    # The answer's moment is the deadline itself, not when somebody noticed it had passed.
    claimed = DispatchOffer.objects.filter(
        pk__in=[o.pk for o in overdue], status=DispatchOffer.Status.OFFERED, expires_at__lte=now
    ).update(status=DispatchOffer.Status.EXPIRED, answered_at=F("expires_at"))
    if not claimed:
        return False
    for offer in overdue:
        offer.status, offer.answered_at = DispatchOffer.Status.EXPIRED, offer.expires_at
        events.offer_changed(offer, offer.coach.user_id)
    if request.status == DispatchRequest.Status.OFFERED:
        advance(request, now=now)
    return True


def dispatch_offer_expire(*, offer_id: int, now: datetime | None = None) -> bool:
    """The timeout task's service: expire this offer if it is still open and overdue."""
    now = now or timezone.now()
    request_id = DispatchOffer.objects.filter(pk=offer_id).values_list("request_id", flat=True)
    found = request_id.first()
    if found is None:
        return False
    with transaction.atomic():
        return expire_locked(lock_request(found), now=now, offer_id=offer_id)


def _has_overdue(request_ids: list[int], now: datetime) -> list[int]:
    return sorted(
        set(
            DispatchOffer.objects.filter(
                request_id__in=request_ids,
                status=DispatchOffer.Status.OFFERED,
                expires_at__lte=now,
            ).values_list("request_id", flat=True)
        )
    )


def dispatch_request_catch_up(*, request: DispatchRequest, now: datetime | None = None) -> bool:
    """Before showing a request: time out its open offer if the window is over. True when
    something changed (reload what you show). A read that needs no change writes nothing,
    so it takes no write lock."""
    now = now or timezone.now()
    if request.status != DispatchRequest.Status.OFFERED or not _has_overdue([request.pk], now):
        return False
    with transaction.atomic():
        return expire_locked(lock_request(request.pk), now=now)


def dispatch_offers_catch_up(*, coach_user: User, now: datetime | None = None) -> None:
    """Before listing a coach's offers: time out the ones whose window is over."""
    now = now or timezone.now()
    request_ids = list(
        DispatchOffer.objects.filter(
            coach__user=coach_user, status=DispatchOffer.Status.OFFERED, expires_at__lte=now
        ).values_list("request_id", flat=True)
    )
    for request_id in sorted(set(request_ids)):
        with transaction.atomic():
            expire_locked(lock_request(request_id), now=now)
