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
    # For the PDF's chart: (month label, booked, held) from the monthly trend, when shown.
    trend: tuple[tuple[str, int, int], ...] = ()

    def section(self, key: str) -> Section:
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)


# --- from the reporting gate ---------------------------------------------------------------------


def _fig(value: object) -> Cell:
    """None from the gate means suppressed."""
    return SUPPRESSED if value is None else value  # type: ignore[return-value]


def document_for(programme: object, *, now: datetime, zone: object) -> ExportDocument:
    """The export of `programme`'s report as the gate gives it at `now` (months and dates in
    `zone`, the viewer's)."""
    from django.utils import formats, timezone

    from tandem.payments.ledger.money import from_minor

    from .interim import interim_report

    report = interim_report(programme, now=now, zone=zone)  # type: ignore[arg-type]
    p: Any = programme
    spent = report.spent_minor
    summary = (
        ("Seats bought", report.seats),
        ("Seats used", _fig(report.participants)),
        ("Sessions booked", _fig(report.booked)),
        ("Sessions held", _fig(report.held)),
        ("Sessions cancelled", _fig(report.cancelled)),
        ("No-shows", _fig(report.no_show)),
        (
            f"Budget spent ({report.currency})",
            SUPPRESSED if spent is None else from_minor(spent, report.currency),
        ),
    )
    monthly = tuple(
        (month.strftime("%Y-%m"), _fig(booked), _fig(held)) for month, booked, held in report.months
    )
    survey = tuple(
        (measure.capitalize(), _fig(start), _fig(end)) for measure, start, end in report.survey
    )
    local = timezone.localtime(now, zone)  # type: ignore[arg-type]
    return ExportDocument(
        organisation=p.organisation.name,
        programme=p.name,
        period=f"{p.starts_on.isoformat()} to {p.ends_on.isoformat()}",
        generated=f"{formats.date_format(local, 'j F Y, H:i')} ({zone})",
        sections=(
            Section("summary", "Summary", ("Figure", "Value"), summary),
            Section(
                "monthly", "Monthly trend", ("Month", "Sessions booked", "Sessions held"), monthly
            ),
            Section(
                "survey",
                "Survey before and after",
                ("Measure (1-5)", "Start average", "End average"),
                survey,
            ),
        ),
        trend=tuple((m, b, h) for m, b, h in monthly if isinstance(b, int) and isinstance(h, int)),
    )
