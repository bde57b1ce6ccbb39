"""The programme report laid out for pages (money as text, chart data) and for the API (JSON:
a suppressed figure is `{"value": null, "suppressed": true}`). Adds nothing to what the gate
(selectors.programme_report) gives."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import formats

from tandem.payments.ledger.money import format_minor

from ..selectors import MIN_GROUP
from .selectors import Figure, ProgrammeReport, SurveyPhase

SCORE_LABELS = {"clarity": "Clarity", "confidence": "Confidence", "wellbeing": "Well-being"}


def _json(value: Any) -> Any:
    if isinstance(value, Figure):
        return value.as_json()
    return value


def _phase(phase: SurveyPhase) -> dict[str, Any]:
    return {
        "respondents": _json(phase.respondents),
        **{score: _json(getattr(phase, score)) for score in SCORE_LABELS},
    }


def report_json(report: ProgrammeReport) -> dict[str, Any]:
    """The report as the API answers it (schemas.ReportOut)."""
    p, s, b = report.participants, report.sessions, report.budget
    g = report.goal_progress
    return {
        "programme_id": report.programme_id,
        "name": report.name,
        "organisation": report.organisation,
        "status": report.status,
        "starts_on": report.starts_on,
        "ends_on": report.ends_on,
        "currency": report.currency,
        "min_group": MIN_GROUP,
        "seats": {"bought": report.seats_bought, "used": _json(p.seats_used)},
        "participants": {
            "invited": _json(p.invited),
            "active": _json(p.active),
            "paused": _json(p.paused),
        },
        "sessions": {
            "booked": _json(s.booked),
            "held": _json(s.held),
            "upcoming": _json(s.upcoming),
            "cancelled": _json(s.cancelled),
            "no_show": _json(s.no_show),
        },
        "budget": {"funded": b.funded, "spent": b.spent, "remaining": b.remaining},
        "days_to_first_session": _json(report.days_to_first_session),
        "goal_progress": {
            "suppressed": g.suppressed,
            "participants": _json(g.people),
            "bands": [{"low": x.low, "high": x.high, "participants": x.people} for x in g.bands],
        },
        "trend": [
            {"month": m.month.strftime("%Y-%m"), "held": _json(m.held)} for m in report.trend
        ],
        "survey": None
        if report.survey is None
        else {"start": _phase(report.survey.start), "end": _phase(report.survey.end)},
        "spending": {
            name: _json(getattr(report.spending, name))
            for name in ("held", "committed", "no_show", "cancelled")
        },
        "roi": {
            "cost_per_held_session": _json(report.cost_per_held_session),
            "held_per_1000": _json(report.held_per_1000),
            "seat_utilisation_percent": _json(report.seat_utilisation),
            "session_utilisation_percent": _json(report.session_utilisation),
        },
    }


@dataclass(frozen=True)
class Page:
    """What the dashboard and ROI templates show beyond the report itself."""

    report: ProgrammeReport
    money: dict[str, str]
    # where the money spent went (report.spending): name -> formatted, or the Figure itself
    # when suppressed (the template says why)
    spending: list[dict[str, Any]]
    cost_per_held_session: str  # formatted, or "" when suppressed
    trend_rows: list[dict[str, Any]]
    trend_chart: dict[str, Any] | None  # None: no month's figure is shown (see trend_note)
    # Why months are hidden, in words next to the chart ("" when none is)
    trend_note: str
    goal_chart: dict[str, Any] | None
    survey_rows: list[dict[str, Any]]
    survey_chart: dict[str, Any] | None


SPENDING_LABELS = {
    "held": "On sessions held",
    "committed": "Paid for sessions not held yet (still to come)",
    "no_show": "Kept for no-shows (paid, not held)",
    "cancelled": "Kept for late cancellations (not given back)",
}


def _money(figure: Figure, currency: str) -> str:
    """A shown money figure formatted with its currency; "" when suppressed."""
    return format_minor(int(figure.value), currency) if figure.value is not None else ""


def _names(labels: list[str]) -> str:
    return labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]


def _trend_note(rows: list[dict[str, Any]]) -> str:
    """The hidden months of the trend and why, e.g. "Oct 2026 and Nov 2026 are hidden, not
    zero: Oct 2026 had sessions of fewer than 5 people; Nov 2026 is withheld so that month
    cannot be worked out from the total held." ("" when every month is shown)."""
    fewer = [row["label"] for row in rows if row["held"].suppressed and not row["held"].withheld]
    withheld = [row["label"] for row in rows if row["held"].withheld]
    hidden = [row["label"] for row in rows if row["held"].suppressed]
    if not hidden:
        return ""
    reasons = []
    if fewer:
        reasons.append(f"{_names(fewer)} had sessions of fewer than {MIN_GROUP} people")
    if withheld:
        that = "that month" if len(fewer) == 1 else "those months"
        verb = "is" if len(withheld) == 1 else "are"
        reasons.append(
            f"{_names(withheld)} {verb} withheld so {that} cannot be worked out from the total held"
        )
    verb = "is" if len(hidden) == 1 else "are"
    return f"{_names(hidden)} {verb} hidden, not zero: {'; '.join(reasons)}."


def _num(figure: Figure) -> Any:
    return figure.value if figure.shown else None


def page(report: ProgrammeReport) -> Page:
    b = report.budget
    money = {
        name: format_minor(getattr(b, name), b.currency)
        for name in ("funded", "spent", "remaining")
    }
    cost = report.cost_per_held_session
    spending = [
        {
            "name": name,
            "label": label,
            "figure": getattr(report.spending, name),
            "money": _money(getattr(report.spending, name), b.currency),
        }
        for name, label in SPENDING_LABELS.items()
    ]
    trend_rows = [
        {"label": formats.date_format(m.month, "M Y"), "held": m.held} for m in report.trend
    ]
    trend_chart = None
    hidden = [i for i, m in enumerate(report.trend) if m.held.suppressed]
    trend_note = _trend_note(trend_rows) if report.sessions.any_shown else ""
    if report.sessions.any_shown and len(hidden) < len(trend_rows):
        trend_chart = {
            "type": "line",
            "labels": [row["label"] for row in trend_rows],
            "datasets": [
                {"label": "Sessions held", "values": [_num(m.held) for m in report.trend]}
            ],
            "y_label": "Sessions held",
            "integer": True,
            # drawn as shaded columns marked "hidden": not a gap a reader takes for none
            "hidden": hidden,
        }
    goal_chart = None
    if not report.goal_progress.suppressed:
        goal_chart = {
            "type": "bar",
            "labels": [band.label for band in report.goal_progress.bands],
            "datasets": [
                {"label": "Participants", "values": [b.people for b in report.goal_progress.bands]}
            ],
            "y_label": "Participants",
        }
    survey_rows: list[dict[str, Any]] = []
    survey_chart = None
    survey = report.survey
    if survey is not None:
        survey_rows = [
            {
                "label": label,
                "start": getattr(survey.start, score),
                "end": getattr(survey.end, score),
            }
            for score, label in SCORE_LABELS.items()
        ]
        datasets = [
            {"label": name, "values": [_num(getattr(phase, s)) for s in SCORE_LABELS]}
            for name, phase in (("At the start", survey.start), ("At the end", survey.end))
            if phase.respondents.shown
        ]
        if datasets:
            survey_chart = {
                "type": "bar",
                "labels": list(SCORE_LABELS.values()),
                "datasets": datasets,
                "y_label": "Average score (1-5)",
                "y_max": 5,
            }
    return Page(
        report=report,
        money=money,
        spending=spending,
        cost_per_held_session=(
            format_minor(int(cost.value), b.currency) if cost.value is not None else ""
        ),
        trend_rows=trend_rows,
        trend_chart=trend_chart,
        trend_note=trend_note,
        goal_chart=goal_chart,
        survey_rows=survey_rows,
        survey_chart=survey_chart,
    )
