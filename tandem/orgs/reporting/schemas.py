"""The report API's shapes (OpenAPI). Every figure over participants is a `FigureOut`: the
value, or null with `suppressed: true` when it is over fewer than 5 participants."""

from __future__ import annotations

from datetime import date

from ninja import Schema


class FigureOut(Schema):
    value: float | None
    suppressed: bool


class SeatsOut(Schema):
    bought: int
    used: FigureOut


class ParticipantsOut(Schema):
    invited: FigureOut
    active: FigureOut
    paused: FigureOut


class SessionsOut(Schema):
    booked: FigureOut
    held: FigureOut
    upcoming: FigureOut
    cancelled: FigureOut
    no_show: FigureOut


class BudgetOut(Schema):
    funded: int
    spent: int
    remaining: int


class BandOut(Schema):
    low: int
    high: int
    participants: int


class GoalProgressOut(Schema):
    suppressed: bool
    participants: FigureOut
    bands: list[BandOut]


class MonthOut(Schema):
    month: str
    held: FigureOut


class SurveyPhaseOut(Schema):
    respondents: FigureOut
    clarity: FigureOut
    confidence: FigureOut
    wellbeing: FigureOut


class SurveyOut(Schema):
    start: SurveyPhaseOut
    end: SurveyPhaseOut


class RoiOut(Schema):
    cost_per_held_session: FigureOut
    held_per_1000: FigureOut
    seat_utilisation_percent: FigureOut
    session_utilisation_percent: FigureOut


class ReportOut(Schema):
    programme_id: str
    name: str
    organisation: str
    status: str
    starts_on: date
    ends_on: date
    currency: str
    min_group: int
    seats: SeatsOut
    participants: ParticipantsOut
    sessions: SessionsOut
    budget: BudgetOut
    days_to_first_session: FigureOut
    goal_progress: GoalProgressOut
    trend: list[MonthOut]
    survey: SurveyOut | None
    roi: RoiOut
