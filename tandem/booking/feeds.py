"""Personal calendar feeds: the secret URL a calendar app subscribes to.

Calendar apps cannot send headers or sign in, so the URL's token is the credential: 256 random
bits, stored as is (the settings page must be able to show the URL again), unique-indexed.
Regenerating replaces it, and the old URL stops answering at once.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from tandem.accounts.models import User
from tandem.coaches.selectors import coach_ids_of_user

from .models import Booking, CalendarFeed

# secrets.token_urlsafe(32): 43 characters of the URL-safe base64 alphabet.
TOKEN_BYTES = 32
_TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")

PAST_WINDOW = timedelta(days=90)
FUTURE_WINDOW = timedelta(days=366)


def feed_token_for(user: User) -> CalendarFeed:
    """The user's feed, made on first use."""
    feed = CalendarFeed.objects.filter(user=user).first()
    if feed is not None:
        return feed
    try:
        # A savepoint: losing the race (two first visits at once) must not break the caller's
        # transaction on PostgreSQL.
        with transaction.atomic():
            return CalendarFeed.objects.create(user=user, token=_new_token())
    except IntegrityError:
        return CalendarFeed.objects.get(user=user)


def feed_regenerate(user: User) -> CalendarFeed:
    """Give the user a new feed URL; the old one answers 404 from now on."""
    feed, _ = CalendarFeed.objects.update_or_create(
        user=user, defaults={"token": _new_token(), "created_at": timezone.now()}
    )
    return feed


def feed_user(token: str) -> User | None:
    """Whose feed this token opens, or None.

    Anything not shaped like a token is refused without a query, so junk URLs cost nothing.
    The lookup is an exact match on a unique index; with 256-bit tokens, timing tells an
    attacker nothing useful.
    """
    if not _TOKEN_SHAPE.fullmatch(token):
        return None
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None or not feed.user.is_active:
        return None
    return feed.user


def feed_bookings(user: User) -> QuerySet[Booking]:
    """The user's sessions (as client and as coach) from 90 days ago to a year ahead.

    One query: the other party, the coach's user and the session type come along. Ended
    requests (cancelled, declined, expired) are included; the feed marks them CANCELLED so
    calendars drop them.
    """
    now = timezone.now()
    # Two indexed conditions (client, start) and (coach, start) rather than an OR across a
    # join, so PostgreSQL can combine both indexes.
    coach_ids = coach_ids_of_user(user.pk)
    return (
        Booking.objects.filter(Q(client_id=user.pk) | Q(coach_id__in=coach_ids))
        .filter(start__gte=now - PAST_WINDOW, start__lt=now + FUTURE_WINDOW)
        .select_related("coach__user", "client", "session_type")
        .order_by("start", "pk")
    )


def _new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)
