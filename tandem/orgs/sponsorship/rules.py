"""Which coaches and which sessions a programme pays for: the one home of these rules.

Pure reads. The port (`port.py`) asks them for a quote and again under the programme's lock
when a booking claims; the matching pages ask `eligible_coaches` for the list to choose from.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, QuerySet

from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile
from tandem.core.timezones import available_zones

from ..models import Participant, Programme, SponsoredSession


def eligible_coaches(programme: Programme) -> QuerySet[CoachProfile]:
    """The bookable coaches (verified, active, with an active account) the programme's rule
    admits: all of them, the listed ones, or those with one of its specialties."""
    coaches = coach_selectors.verified_coaches()
    if programme.coach_rule == Programme.CoachRule.LISTED:
        coaches = coaches.filter(pk__in=programme.coaches.values("pk"))
    elif programme.coach_rule == Programme.CoachRule.SPECIALTY:
        coaches = coaches.filter(specialties__in=programme.specialties.values("pk")).distinct()
    return coaches


def coach_is_eligible(programme: Programme, coach: CoachProfile) -> bool:
    return eligible_coaches(programme).filter(pk=coach.pk).exists()


def coach_covered(participant: Participant, coach: CoachProfile) -> bool:
    """The participant's chosen coach; before a choice, any coach the rule admits (a chosen
    coach the rule no longer admits is still the participant's: the admin changed the rule
    after the match, and the match stands until the participant changes it)."""
    if participant.coach_id is not None:
        return participant.coach_id == coach.pk
    return coach_is_eligible(participant.programme, coach)


def session_type_allowed(programme: Programme, session_type: Any) -> bool:
    """The programme pays for sessions no longer than its limit and where it allows."""
    if (
        programme.max_session_minutes is not None
        and session_type.duration_minutes > programme.max_session_minutes
    ):
        return False
    location = programme.location
    return location == Programme.Location.ANY or session_type.location_kind == location


def local_date(moment: datetime, user: Any) -> date:
    """The calendar date of `moment` where the participant lives (programme dates are
    calendar dates)."""
    zone = getattr(user, "timezone", "") or "UTC"
    if zone not in available_zones():
        zone = "UTC"
    return moment.astimezone(ZoneInfo(zone)).date()


def runs_on(programme: Programme, on: date) -> bool:
    """Whether the programme's dates (calendar dates, both included) include `on`."""
    return programme.starts_on <= on <= programme.ends_on


def session_day(start: datetime, now: datetime, user: Any) -> date | None:
    """The date a programme must run on to pay for a session starting at `start`: the
    session's calendar date where the client lives (`local_date`). None: that date is already
    past there (such a session is never sponsored). The quote (`offer`, when it knows the
    session) and the booking's `claim` both ask this, so they never disagree on dates."""
    on = local_date(start, user)
    if local_date(now, user) > on:
        return None
    return on


def sessions_used(participant_ids: list[int]) -> dict[int, int]:
    """Sponsored sessions each participant has used: every one not given back whole."""
    rows = (
        SponsoredSession.objects.filter(participant_id__in=participant_ids)
        .filter(returned__lt=F("amount"))
        .values("participant_id")
        .annotate(n=Count("pk"))
        .values_list("participant_id", "n")
    )
    return dict(rows)


def used_by(participant: Participant) -> int:
    return sessions_used([participant.pk]).get(participant.pk, 0)


def open_seats_q() -> Q:
    """Seats that may book: active participants of active programmes."""
    return Q(status=Participant.Status.ACTIVE, programme__status=Programme.Status.ACTIVE)
