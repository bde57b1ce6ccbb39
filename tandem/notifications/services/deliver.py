"""The worker's side: claim due deliveries with a lease, send each once, retry with backoff.

Exactly once, per channel:
- in-app: the entries are written, and the deliveries marked sent, in one transaction per
  claimed batch, with each delivery's key as its entry's unique dedupe key. A worker
  killed at any point either committed both or neither; whoever holds the lease next
  finishes the job. Exactly once.
- email and push leave the database: the worker sends, then marks sent (conditionally on
  still holding the lease). A worker killed between the two sends again after the lease
  runs out: at least once, with the delivery's key as the email's Message-ID so mail
  systems can drop the copy. That window is one SMTP/HTTP call long.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from tandem.booking.models import Booking
from tandem.booking.selectors import booking_by_id, bookings_by_id

from ..channels import email as email_channel
from ..channels import push as push_channel
from ..kinds import EMAIL, INAPP, KINDS, PUSH
from ..models import Delivery, Notification, Preference
from .inbox import notification_add, notifications_store
from .reminders import still_holds

logger = logging.getLogger(__name__)
S = Delivery.Status


def lease_seconds() -> float:
    return settings.TANDEM_DELIVERY_LEASE_SECONDS


def claim_due(*, owner: str, now: datetime | None = None, limit: int = 200) -> list[int]:
    """Take up to `limit` due deliveries nobody holds (or whose holder's lease ran out)."""
    now = now or timezone.now()
    due = (
        Delivery.objects.filter(status=S.PENDING, due_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("due_at")
    )
    # Look before taking the write lock: an idle worker polls several times a second, and
    # on SQLite every write transaction (IMMEDIATE) would hold up the web process's writes.
    if not due.exists():
        return []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Two workers take different rows instead of queueing on the same ones.
            due = due.select_for_update(skip_locked=True)
        ids = list(due.values_list("pk", flat=True)[:limit])
        if ids:
            until = now + timedelta(seconds=lease_seconds())
            Delivery.objects.filter(pk__in=ids).update(lease_owner=owner, lease_until=until)
    return ids


def run_due(*, owner: str, now: datetime | None = None, limit: int = 200) -> int:
    """Claim and deliver one batch; returns how many were claimed."""
    ids = claim_due(owner=owner, now=now, limit=limit)
    if ids:
        deliver(ids, owner=owner, now=now)
    return len(ids)


def deliver(ids: list[int], *, owner: str, now: datetime | None = None) -> None:
    rows = list(Delivery.objects.filter(pk__in=ids, lease_owner=owner).order_by("due_at"))
    bookings = bookings_by_id({d.booking_id for d in rows if d.booking_id})
    turned_off = set(
        Preference.objects.filter(user_id__in={d.user_id for d in rows}, enabled=False).values_list(
            "user_id", "kind", "channel"
        )
    )
    inapp = [d for d in rows if d.channel == INAPP]
    if inapp:
        try:
            _deliver_inapp_batch(inapp, owner, turned_off, now)
        except Exception:  # one bad row must not hold up the rest: retry them one by one
            logger.exception("In-app batch of %s failed; delivering one by one", len(inapp))
        else:
            rows = [d for d in rows if d.channel != INAPP]
    for delivery in rows:
        try:
            _deliver_one(delivery, owner, bookings, turned_off, now)
        except Exception as exc:  # one bad delivery must not stop the batch
            logger.warning("Delivery %s failed: %s", delivery.pk, exc)
            _failed(delivery, owner, exc, now or timezone.now())


def _deliver_inapp_batch(
    batch: list[Delivery],
    owner: str,
    turned_off: set[tuple[int, str, str]],
    now: datetime | None,
) -> None:
    """Every in-app delivery of a claim in one transaction: re-read under a lock (a
    reschedule's cancellation or a takeover of an expired lease is seen here), booking
    checked, entries and their events written, marked sent — all or nothing."""
    when = now or timezone.now()
    with transaction.atomic():
        current = list(
            Delivery.objects.select_for_update()
            .filter(pk__in=[d.pk for d in batch], status=S.PENDING, lease_owner=owner)
            .order_by("pk")
        )
        bookings = bookings_by_id({d.booking_id for d in current if d.booking_id})
        stale, muted, send = [], [], []
        for d in current:
            if d.kind == "reminder" and not still_holds(d, _booking_of(d, bookings)):
                stale.append(d.pk)
            elif (d.user_id, d.kind, d.channel) in turned_off:
                muted.append(d.pk)
            else:
                send.append(d)
        for pks, note in ((stale, "the booking changed"), (muted, "turned off by the user")):
            if pks:
                Delivery.objects.filter(pk__in=pks).update(
                    status=S.CANCELLED, last_error=note, lease_until=None
                )
        notes = [
            Notification(
                user_id=d.user_id,
                kind=d.kind,
                title=d.payload.get("title", "")[:200],
                body=d.payload.get("body", "")[:2000],
                url=d.payload.get("url", "")[:500],
                dedupe_key=d.key,
                created_at=when,
            )
            for d in send
        ]
        notifications_store(notes, urgent={d.key for d in send if KINDS[d.kind].urgent})
        if send:
            Delivery.objects.filter(pk__in=[d.pk for d in send]).update(
                status=S.SENT, sent_at=timezone.now(), last_error="", lease_until=None
            )


def _booking_of(delivery: Delivery, bookings: dict[int, Booking]) -> Booking | None:
    return bookings.get(delivery.booking_id) if delivery.booking_id is not None else None


def _deliver_one(
    delivery: Delivery,
    owner: str,
    bookings: dict[int, Booking],
    turned_off: set[tuple[int, str, str]],
    now: datetime | None,
) -> None:
    if delivery.kind == "reminder" and not still_holds(delivery, _booking_of(delivery, bookings)):
        _finish(delivery, owner, S.CANCELLED, "the booking changed")
        return
    if (delivery.user_id, delivery.kind, delivery.channel) in turned_off:
        _finish(delivery, owner, S.CANCELLED, "turned off by the user")
        return
    if delivery.channel == INAPP:
        _deliver_inapp(delivery, owner, now)
    elif delivery.channel == EMAIL:
        if delivery.digest:
            email_channel.send_digest(delivery.user_id, owner=owner, now=now)
            return
        if _still_ours(delivery, owner):
            email_channel.send(delivery)
            _finish(delivery, owner, S.SENT)
    elif delivery.channel == PUSH and _still_ours(delivery, owner):
        push_channel.send(delivery)
        _finish(delivery, owner, S.SENT)


def _deliver_inapp(delivery: Delivery, owner: str, now: datetime | None) -> None:
    with transaction.atomic():
        # Re-read under a lock: a reschedule that cancelled it, or a worker that took over
        # an expired lease, is seen here, not after.
        current = (
            Delivery.objects.select_for_update()
            .filter(pk=delivery.pk, status=S.PENDING, lease_owner=owner)
            .first()
        )
        if current is None:
            return
        if current.kind == "reminder":
            booking = booking_by_id(current.booking_id)
            if not still_holds(current, booking):
                _finish(current, owner, S.CANCELLED, "the booking changed")
                return
        payload = current.payload
        notification_add(
            user_id=current.user_id,
            kind=current.kind,
            title=payload.get("title", ""),
            body=payload.get("body", ""),
            url=payload.get("url", ""),
            dedupe_key=current.key,
            urgent=KINDS[current.kind].urgent,
            now=now,
        )
        _finish(current, owner, S.SENT)


def _still_ours(delivery: Delivery, owner: str) -> bool:
    """Just before a send that leaves the database: still pending, still our lease, and a
    reminder's booking still at that time (read now, not from the batch's snapshot)."""
    current = Delivery.objects.filter(pk=delivery.pk, status=S.PENDING, lease_owner=owner).first()
    if current is None:
        return False
    if current.kind == "reminder":
        booking = booking_by_id(current.booking_id)
        if not still_holds(current, booking):
            _finish(current, owner, S.CANCELLED, "the booking changed")
            return False
    return True


def _finish(delivery: Delivery, owner: str, status: str, note: str = "") -> bool:
    done = Delivery.objects.filter(pk=delivery.pk, status=S.PENDING, lease_owner=owner).update(
        status=status,
        sent_at=timezone.now() if status == S.SENT else None,
        last_error=note,
        lease_until=None,
    )
    if not done and status == S.SENT:
        logger.warning("Delivery %s was sent after its lease ran out", delivery.pk)
    return bool(done)


def backoff(attempt: int) -> timedelta:
    """30 s, 1 min, 2 min, 4 min … capped at an hour."""
    base = settings.TANDEM_DELIVERY_RETRY_SECONDS
    return timedelta(seconds=min(base * 2 ** (attempt - 1), 3600))


def _failed(delivery: Delivery, owner: str, exc: Exception, now: datetime) -> None:
    attempts = delivery.attempts + 1
    give_up = attempts >= settings.TANDEM_DELIVERY_MAX_ATTEMPTS
    error = f"{type(exc).__name__}: {exc}"[:2000]
    Delivery.objects.filter(pk=delivery.pk, status=S.PENDING, lease_owner=owner).update(
        attempts=attempts,
        status=S.FAILED if give_up else S.PENDING,
        due_at=delivery.due_at if give_up else now + backoff(attempts),
        lease_owner="",
        lease_until=None,
        last_error=error,
    )
    if give_up:
        logger.error(
            "Gave up on delivery %s (%s to user %s) after %s tries: %s",
            delivery.pk,
            delivery.channel,
            delivery.user_id,
            attempts,
            error,
        )
