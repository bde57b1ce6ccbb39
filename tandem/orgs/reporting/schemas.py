"""The report API's shapes (OpenAPI). Every figure over participants is a `ReportFigureOut`: the
value, or null with `suppressed: true` when it is over fewer than 5 participants."""

from __future__ import annotations

from datetime import date

from ninja import Schema


class ReportFigureOut(Schema):
    value: float | None
    suppressed: bool


class ReportSeatsOut(Schema):
    bought: int
    used: ReportFigureOut


class ReportParticipantsOut(Schema):
    invited: ReportFigureOut
    active: ReportFigureOut
    paused: ReportFigureOut


class ReportSessionsOut(Schema):
    booked: ReportFigureOut
    held: ReportFigureOut
    upcoming: ReportFigureOut
    cancelled: ReportFigureOut
    no_show: ReportFigureOut


class ReportBudgetOut(Schema):
    funded: int
    spent: int
    remaining: int


class ReportBandOut(Schema):
    low: int
    high: int
    participants: int


class ReportGoalProgressOut(Schema):
    suppressed: bool
    participants: ReportFigureOut
    bands: list[ReportBandOut]


class ReportMonthOut(Schema):
    month: str
    held: ReportFigureOut


class ReportSurveyPhaseOut(Schema):
    respondents: ReportFigureOut
    clarity: ReportFigureOut
    confidence: ReportFigureOut
    wellbeing: ReportFigureOut


class ReportSurveyOut(Schema):
    start: ReportSurveyPhaseOut
    end: ReportSurveyPhaseOut


class ReportSpendingOut(Schema):
    """Where the money spent went, minor units net of what was given back; the four add up
    to the sessions' part of budget.spent."""

    held: ReportFigureOut
    committed: ReportFigureOut
    no_show: ReportFigureOut
    cancelled: ReportFigureOut


class ReportRoiOut(Schema):
    cost_per_held_session: ReportFigureOut
    held_per_1000: ReportFigureOut
    seat_utilisation_percent: ReportFigureOut
    session_utilisation_percent: ReportFigureOut


class ReportOut(Schema):
    programme_id: str
    name: str
    organisation: str
    status: str
    starts_on: date
    ends_on: date
    currency: str
    min_group: int
    seats: ReportSeatsOut
    participants: ReportParticipantsOut
    sessions: ReportSessionsOut
    budget: ReportBudgetOut
    days_to_first_session: ReportFigureOut
    goal_progress: ReportGoalProgressOut
    trend: list[ReportMonthOut]
    survey: ReportSurveyOut | None
    spending: ReportSpendingOut
    roi: ReportRoiOut
