"""Reminder schedules: which lead times apply to a booking's coach and client.

Defaults: coach 24 h and 1 h, client 24 h and 3 h. A coach can set both for their sessions;
an organisation can set its members' (the client side), which wins over the coach's for
them — the sponsor decides how its people are reminded.

Organisations (orgs) sit above notifications: callers above (today the demo data) pass the
organisation to `schedule_set`; this module never imports orgs. The schedule row names its
organisation by a lazy model reference ("orgs.Organisation") and `offsets_for` follows its
memberships in the query, so the organisation's reminders need no orgs code here.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.db import transaction
from django.db.models import Model
from django.utils import timezone

from tandem.coaches.models import CoachProfile
from tandem.core.errors import InvalidInput

from ..models import ReminderSchedule

MAX_OFFSETS = 10
MAX_OFFSET_MINUTES = 30 * 24 * 60  # a month ahead


def default_offsets() -> dict[str, tuple[int, ...]]:
    return {
        "coach": tuple(settings.TANDEM_REMINDERS_COACH_MINUTES),
        "client": tuple(settings.TANDEM_REMINDERS_CLIENT_MINUTES),
    }


def clean_offsets(value: object, field: str) -> tuple[int, ...]:
    """Lead times in minutes: whole numbers from 1 to a month, at most 10, no repeats."""
    if not isinstance(value, list | tuple) or len(value) > MAX_OFFSETS:
        raise InvalidInput(fields={field: [f"a list of at most {MAX_OFFSETS} lead times"]})
    cleaned = set()
    for item in value:
        if isinstance(item, bool) or not isinstance(item, int):
            raise InvalidInput(fields={field: ["lead times are whole minutes"]})
        if not 1 <= item <= MAX_OFFSET_MINUTES:
            raise InvalidInput(fields={field: ["lead times are 1 minute to 30 days"]})
        cleaned.add(item)
    return tuple(sorted(cleaned, reverse=True))


def offsets_for(*, coach_id: int, client_id: int) -> dict[str, tuple[int, ...]]:
    """The lead times for one booking's two sides (two queries)."""
    result = default_offsets()
    coach = ReminderSchedule.objects.filter(coach_id=coach_id).first()
    if coach is not None:
        if coach.coach_offsets is not None:
            result["coach"] = tuple(coach.coach_offsets)
        if coach.client_offsets is not None:
            result["client"] = tuple(coach.client_offsets)
    org = (
        ReminderSchedule.objects.filter(
            organisation__memberships__user_id=client_id, client_offsets__isnull=False
        )
        .order_by("pk")
        .first()
    )
    if org is not None:
        result["client"] = tuple(org.client_offsets)
    return result


def schedule_set(
    *,
    coach: CoachProfile | None = None,
    organisation: Model | None = None,
    coach_offsets: Iterable[int] | None = None,
    client_offsets: Iterable[int] | None = None,
) -> ReminderSchedule:
    """Set a coach's (both sides) or an organisation's (its members) lead times. None keeps
    the default for that side. Applies to reminders scheduled from now on."""
    if (coach is None) == (organisation is None):
        raise ValueError("a schedule belongs to a coach or to an organisation")
    cleaned_coach = (
        None if coach_offsets is None else clean_offsets(list(coach_offsets), "coach_offsets")
    )
    cleaned_client = (
        None if client_offsets is None else clean_offsets(list(client_offsets), "client_offsets")
    )
    if organisation is not None and cleaned_coach is not None:
        raise InvalidInput(fields={"coach_offsets": ["an organisation sets its members' only"]})
    owner = {"coach": coach} if coach is not None else {"organisation": organisation}
    with transaction.atomic():
        row, _ = ReminderSchedule.objects.update_or_create(
            **owner,
            defaults={
                "coach_offsets": list(cleaned_coach) if cleaned_coach is not None else None,
                "client_offsets": list(cleaned_client) if cleaned_client is not None else None,
                "updated_at": timezone.now(),
            },
        )
    return row
