"""A stand-in for the reporting gate until `tandem.orgs.reporting.selectors.programme_report`
lands: the few figures of issue 18 the exports need, aggregated in SQL, each suppressed
below MIN_GROUP participants. Replaced by the gate (document.py switches to it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db.models import Avg, Count, Q, Sum
from django.db.models.functions import TruncMonth

from ..models import Participant, Programme, SponsoredSession, SurveyResponse

MIN_GROUP = 5


@dataclass(frozen=True)
class InterimReport:
    seats: int
    participants: int | None
    booked: int | None
    held: int | None
    cancelled: int | None
    no_show: int | None
    spent_minor: int | None
    currency: str
    months: tuple[tuple[date, int | None, int | None], ...]
    survey: tuple[tuple[str, float | None, float | None], ...]


def _ok(count: int, value: Any) -> Any:
    return value if count >= MIN_GROUP else None


def interim_report(programme: Programme, *, now: datetime, zone: Any) -> InterimReport:
    seated = Participant.objects.filter(programme=programme, status__in=Participant.SEATED).count()
    sessions = SponsoredSession.objects.filter(programme=programme)
    held_q = Q(booking__status="completed")
    totals = sessions.aggregate(
        people=Count("participant", distinct=True),
        booked=Count("pk"),
        held=Count("pk", filter=held_q),
        cancelled=Count("pk", filter=Q(booking__status__in=("cancelled", "declined", "expired"))),
        no_show=Count("pk", filter=Q(booking__status="no_show")),
        amount=Sum("amount"),
        returned=Sum("returned"),
    )
    people = totals["people"] if seated >= MIN_GROUP else 0
    months = tuple(
        (
            row["month"].date() if isinstance(row["month"], datetime) else row["month"],
            _ok(row["people"], row["booked"]),
            _ok(row["people"], row["held"]),
        )
        for row in sessions.annotate(month=TruncMonth("booking__start", tzinfo=zone))
        .values("month")
        .annotate(
            people=Count("participant", distinct=True),
            booked=Count("pk"),
            held=Count("pk", filter=held_q),
        )
        .order_by("month")
    )
    survey_rows = []
    for measure in ("clarity", "confidence", "wellbeing"):
        values = []
        for phase in ("start", "end"):
            agg = SurveyResponse.objects.filter(
                participant__programme=programme, phase=phase
            ).aggregate(n=Count("pk"), avg=Avg(measure))
            values.append(_ok(agg["n"], agg["avg"]))
        survey_rows.append((measure, values[0], values[1]))
    return InterimReport(
        seats=programme.seats,
        participants=_ok(seated, seated),
        booked=_ok(people, totals["booked"]),
        held=_ok(people, totals["held"]),
        cancelled=_ok(people, totals["cancelled"]),
        no_show=_ok(people, totals["no_show"]),
        spent_minor=_ok(people, (totals["amount"] or 0) - (totals["returned"] or 0)),
        currency=programme.currency,
        months=months,
        survey=tuple(survey_rows),
    )
