"""Engagements: how a coach and a client come together, their states and the coach's tags.

- An engagement starts with the client's first booking with the coach (booking's
  `booking_changed` signal, receivers.py) or when the client accepts the coach's invitation
  (invitations.py). There is one per pair (a unique constraint); a later booking only
  refreshes the stored next/last session.
- States: active ⇄ paused (the coach's choice: a break in the work), and ended by either
  side. The client may end but not pause: a pause is the coach's way of organising their
  practice, while the client's one decision about the relationship is to leave it. Ended is
  final for these transitions; a new invitation the client accepts opens it again (their
  consent), and other areas refuse writes to an ended engagement (`ensure_writable`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.booking.selectors import pair_next_and_last, pairs_booked_since
from tandem.booking.services.locking import lock_coach
from tandem.coaches.models import CoachProfile
from tandem.core.text import clean_text

from ..models import Engagement, EngagementTag
from ..selectors.access import engagement_for, role_in
from . import events
from .errors import EngagementEnded, EngagementNotFound, InvalidInput, NotAllowed

State = Engagement.State
MAX_TAG = 40
MAX_TAGS = 20

# (from, to) → who may make that move.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (State.ACTIVE, State.PAUSED): frozenset({"coach"}),
    (State.PAUSED, State.ACTIVE): frozenset({"coach"}),
    (State.ACTIVE, State.ENDED): frozenset({"coach", "client"}),
    (State.PAUSED, State.ENDED): frozenset({"coach", "client"}),
}


def ensure_writable(engagement: Engagement) -> None:
    """For every area's writes: an ended engagement is read-only (409 engagement_ended)."""
    if engagement.state == State.ENDED:
        raise EngagementEnded()


def _locked(user: Any, engagement_id: Any) -> Engagement:
    """The engagement (row-locked) if `user` is in it; else 404 like an unknown id."""
    found = engagement_for(user, engagement_id)
    if found is None:
        raise EngagementNotFound()
    locked = (
        Engagement.objects.select_for_update(of=("self",))
        .select_related("coach__user", "client")
        .get(pk=found.pk)
    )
    return locked


def refresh_sessions(engagement: Engagement, *, now: datetime) -> None:
    """Store the pair's next and last session as they are now (pages compute them live; the
    stored values serve readers that want no subquery, e.g. the demo and exports)."""
    next_at, last_at = pair_next_and_last(
        coach_id=engagement.coach_id, client_id=engagement.client_id, now=now
    )
    if (next_at, last_at) != (engagement.next_session_at, engagement.last_session_at):
        Engagement.objects.filter(pk=engagement.pk).update(
            next_session_at=next_at, last_session_at=last_at, updated_at=now
        )
        engagement.next_session_at, engagement.last_session_at = next_at, last_at


def engagement_follow_booking(
    *, coach_id: int, client_id: int, now: datetime | None = None
) -> Engagement | None:
    """A booking of this pair changed: start their engagement on the first one, then keep
    the stored next/last session current. Idempotent (the pair is unique)."""
    now = now or timezone.now()
    if coach_id is None or client_id is None:
        return None
    with transaction.atomic():
        # Take the coach's row first, as every booking transaction does: inserting the
        # engagement (its foreign key share-locks that row) and the events (the coach's stream
        # row) would otherwise lock them in the other order and deadlock with concurrent
        # bookings of the same coach on PostgreSQL.
        try:
            lock_coach(coach_id)
        except CoachProfile.DoesNotExist:
            return None
        engagement = (
            Engagement.objects.select_related("coach__user")
            .filter(coach_id=coach_id, client_id=client_id)
            .first()
        )
        created = False
        if engagement is None:
            try:
                with transaction.atomic():
                    engagement = Engagement.objects.create(
                        coach_id=coach_id,
                        client_id=client_id,
                        source=Engagement.Source.BOOKING,
                        started_at=now,
                        state_changed_at=now,
                        updated_at=now,
                    )
                created = True
            except IntegrityError:
                # A concurrent change of the same pair made it first.
                engagement = Engagement.objects.select_related("coach__user").get(
                    coach_id=coach_id, client_id=client_id
                )
        refresh_sessions(engagement, now=now)
        events.emit(
            engagement,
            "engagement",
            object_id=engagement.public_id,
            action="started" if created else "sessions",
        )
        return engagement


def engagement_set_state(
    *, user: Any, engagement_id: Any, state: Any, now: datetime | None = None
) -> Engagement:
    """Pause, resume or end. The same state again changes nothing (no event). Refused moves
    change nothing: 400 for an unknown state, 409 once ended, 403 for the wrong side."""
    now = now or timezone.now()
    if not isinstance(state, str) or state not in State.values:
        raise InvalidInput(
            "The state is one of active, paused, ended.", fields={"state": ["invalid_choice"]}
        )
    with transaction.atomic():
        engagement = _locked(user, engagement_id)
        if engagement.state == state:
            return engagement
        ensure_writable(engagement)
        allowed = TRANSITIONS.get((engagement.state, state), frozenset())
        if role_in(engagement, user) not in allowed:
            raise NotAllowed(
                "Only the coach can pause or resume; either of you can end.",
                code="transition_not_allowed",
            )
        engagement.state = state
        engagement.state_changed_at = now
        engagement.updated_at = now
        engagement.ended_by = user if state == State.ENDED else None
        engagement.save(update_fields=["state", "state_changed_at", "updated_at", "ended_by"])
        events.emit(engagement, "engagement", object_id=engagement.public_id, action=state)
        return engagement


def _tag_name(name: Any) -> str:
    if not isinstance(name, str):
        raise InvalidInput("A tag is text.", fields={"name": ["invalid"]})
    cleaned = " ".join(clean_text(name, field="name", max_length=MAX_TAG, required=True).split())
    return cleaned.lower()


def _coach_engagement(user: Any, engagement_id: Any) -> Engagement:
    engagement = _locked(user, engagement_id)
    if role_in(engagement, user) != "coach":
        raise NotAllowed("Only the coach tags clients.")
    return engagement


def _tags_changed(engagement: Engagement) -> None:
    # Tags are the coach's own filing: the client never sees them, nor hears they changed.
    events.emit(
        engagement,
        "engagement",
        object_id=engagement.public_id,
        action="tags",
        only=engagement.coach.user,
    )


def tag_add(*, user: Any, engagement_id: Any, name: Any, now: datetime | None = None) -> str:
    """The coach labels a client (lower-cased, spaces collapsed). Adding a tag twice is
    the same as once. Allowed on an ended engagement too: tags are the coach's own filing."""
    now = now or timezone.now()
    tag = _tag_name(name)
    with transaction.atomic():
        engagement = _coach_engagement(user, engagement_id)
        existing = set(engagement.tags.values_list("name", flat=True))
        if tag in existing:
            return tag
        if len(existing) >= MAX_TAGS:
            raise InvalidInput(
                f"A client has at most {MAX_TAGS} tags.", fields={"name": ["too_many"]}
            )
        EngagementTag.objects.create(engagement=engagement, name=tag)
        Engagement.objects.filter(pk=engagement.pk).update(updated_at=now)
        _tags_changed(engagement)
        return tag


def tag_remove(*, user: Any, engagement_id: Any, name: Any, now: datetime | None = None) -> None:
    """Removing a tag the client does not have changes nothing."""
    now = now or timezone.now()
    tag = _tag_name(name)
    with transaction.atomic():
        engagement = _coach_engagement(user, engagement_id)
        removed, _ = EngagementTag.objects.filter(engagement=engagement, name=tag).delete()
        if removed:
            Engagement.objects.filter(pk=engagement.pk).update(updated_at=now)
            _tags_changed(engagement)


# The sweep looks back this far: longer than any outage of the receiver it covers for.
RECONCILE_LOOKBACK = timedelta(days=2)


def engagements_reconcile(*, now: datetime) -> int:
    """Start the engagement of every pair booked lately that has none (booking's signal is
    sent after its commit, so a crash between the two would otherwise lose the start).
    The booking sweep runs it; returns how many it started."""
    pairs = set(pairs_booked_since(now - RECONCILE_LOOKBACK))
    if not pairs:
        return 0
    have = set(
        Engagement.objects.filter(
            coach_id__in={c for c, _ in pairs}, client_id__in={c for _, c in pairs}
        ).values_list("coach_id", "client_id")
    )
    started = 0
    for coach_id, client_id in sorted(pairs - have):
        engagement_follow_booking(coach_id=coach_id, client_id=client_id, now=now)
        started += 1
    return started
