"""What an export contains: the reporting gate's figures laid out as titled tables.

The writers (writers.py) know nothing of programmes: they write an `ExportDocument`, a few
`Section`s of rows whose cells are numbers, short texts, dates or `SUPPRESSED`. This module
is the only bridge from the reporting gate (`tandem.orgs.reporting.selectors.
programme_report`, the one selector that decides what a sponsor may see) to those tables;
it adds nothing the gate does not give: no per-person row, no text anyone wrote.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Final


class _Suppressed:
    """A figure over fewer than 5 participants: written as "fewer than 5"."""

    text: Final = "fewer than 5"

    def __repr__(self) -> str:
        return "SUPPRESSED"

    def __str__(self) -> str:
        return self.text


SUPPRESSED: Final = _Suppressed()
# A figure that cannot be worked out yet (nothing spent, no session held).
NO_FIGURE_TEXT: Final = "no figure yet"
# Hidden although over enough people: it would let a smaller group be worked out.
WITHHELD_TEXT: Final = "withheld"

Cell = str | int | float | Decimal | date | datetime | _Suppressed | None


@dataclass(frozen=True, slots=True)
class Section:
    """One table: a sheet in XLSX, a block in CSV, a table in the PDF."""

    key: str  # a short machine name: summary, monthly, goals, survey
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    note: str = ""


@dataclass(frozen=True, slots=True)
class ExportDocument:
    organisation: str
    programme: str
    period: str  # "2030-01-01 to 2030-12-31"
    generated: str  # "6 March 2030, 10:00 (Europe/London)"
    sections: tuple[Section, ...] = field(default_factory=tuple)
    # For the PDF's chart: (month label, sessions held or None when suppressed).
    trend: tuple[tuple[str, int | None], ...] = ()

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)


# --- from the reporting gate ---------------------------------------------------------------------

SCORE_LABELS = (("clarity", "Clarity"), ("confidence", "Confidence"), ("wellbeing", "Well-being"))


def _fig(figure: Any) -> Cell:
    """A gate `Figure` as a cell: its value, or SUPPRESSED."""
    if figure.withheld:
        return WITHHELD_TEXT
    if figure.suppressed:
        return SUPPRESSED
    return NO_FIGURE_TEXT if figure.value is None else figure.value


def _money(figure: Any, currency: str) -> Cell:
    """A `Figure` in minor units as a Decimal amount of `currency`."""
    from tandem.payments.ledger.money import from_minor

    if figure.withheld:
        return WITHHELD_TEXT
    if figure.suppressed:
        return SUPPRESSED
    if figure.value is None:
        return NO_FIGURE_TEXT
    return from_minor(int(figure.value), currency)


def document_for(programme: Any, *, now: datetime, zone: Any) -> ExportDocument:
    """The export of `programme`'s report as the gate gives it at `now` (months and the
    "generated" line in `zone`, the asking admin's)."""
    from django.utils import formats, timezone

    from tandem.payments.ledger.money import from_minor

    from ..reporting.selectors import Figure, programme_report

    report = programme_report(programme, now=now, zone=zone)
    cur = report.currency
    p, s, b = report.participants, report.sessions, report.budget
    summary: tuple[tuple[Cell, ...], ...] = (
        ("Status", report.status.capitalize()),
        ("Seats bought", report.seats_bought),
        ("Seats used", _fig(p.seats_used)),
        ("Participants invited, not yet joined", _fig(p.invited)),
        ("Participants active", _fig(p.active)),
        ("Participants paused", _fig(p.paused)),
        ("Sessions per participant", report.sessions_per_participant),
        ("Sessions booked", _fig(s.booked)),
        ("Sessions held", _fig(s.held)),
        ("Sessions upcoming", _fig(s.upcoming)),
        ("Sessions cancelled", _fig(s.cancelled)),
        ("No-shows", _fig(s.no_show)),
        ("Median days from joining to the first session", _fig(report.days_to_first_session)),
        (f"Budget funded ({cur})", from_minor(b.funded, cur)),
        (f"Budget spent ({cur})", from_minor(b.spent, cur)),
        (f"Budget remaining ({cur})", from_minor(b.remaining, cur)),
        (f"Spent on sessions held ({cur})", _money(report.spending.held, cur)),
        (f"Paid for sessions not held yet ({cur})", _money(report.spending.committed, cur)),
        (f"Kept for no-shows ({cur})", _money(report.spending.no_show, cur)),
        (f"Kept for late cancellations ({cur})", _money(report.spending.cancelled, cur)),
        (f"Cost per held session ({cur})", _money(report.cost_per_held_session, cur)),
        (f"Sessions held per 1,000 {cur} spent on them", _fig(report.held_per_1000)),
        ("Seats used, % of seats bought", _fig(report.seat_utilisation)),
        ("Sessions held, % of the seated participants' sessions", _fig(report.session_utilisation)),
    )
    monthly = tuple((m.month.strftime("%Y-%m"), _fig(m.held)) for m in report.trend)
    g = report.goal_progress
    if g.suppressed:
        goal_rows: tuple[tuple[Cell, ...], ...] = (("All participants with goals", SUPPRESSED),)
    else:
        goal_rows = tuple((band.label, band.people) for band in g.bands)
    sections = [
        Section("summary", "Summary", ("Figure", "Value"), summary),
        Section("monthly", "Monthly trend", ("Month", "Sessions held"), monthly),
        Section(
            "goals",
            "Goal progress",
            ("Average goal progress", "Participants"),
            goal_rows,
            note="Each participant's average progress over their goals with their programme "
            "coach; a band of fewer than 5 is merged with its neighbour.",
        ),
    ]
    if report.survey is not None:
        start, end = report.survey.start, report.survey.end
        survey_rows: list[tuple[Cell, ...]] = [
            ("Respondents", _fig(start.respondents), _fig(end.respondents))
        ]
        for name, label in SCORE_LABELS:
            first: Figure = getattr(start, name)
            last: Figure = getattr(end, name)
            survey_rows.append((label, _fig(first), _fig(last)))
        sections.append(
            Section(
                "survey",
                "Survey before and after",
                ("Self-assessment (average, 1 to 5)", "At the start", "At the end"),
                tuple(survey_rows),
            )
        )
    local = timezone.localtime(now, zone)
    return ExportDocument(
        organisation=report.organisation,
        programme=report.name,
        period=f"{report.starts_on.isoformat()} to {report.ends_on.isoformat()}",
        generated=f"{formats.date_format(local, 'j F Y, H:i')} ({zone})",
        sections=tuple(sections),
        trend=tuple((m, h if isinstance(h, int) else None) for m, h in monthly),
    )
