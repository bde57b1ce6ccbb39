"""The progress report PDF of an engagement over a period (WeasyPrint, A4).

Both of the engagement's people may download it; anyone else gets EngagementNotFound (404),
like an unknown id. Charts are drawn server-side by matplotlib (the Agg backend, no pyplot: its
global figure state is not safe across request threads) and embedded as PNG images at
CHART_DPI, each with alt text; chart labels are goal numbers, never free text. What the
report may contain is decided in selectors/reports.py (shared notes only; moods only with
consent).
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.template.loader import render_to_string
from django.utils.text import slugify

from tandem.core import timefmt

from ..selectors.access import engagement_for, role_in
from ..selectors.reports import GoalReport, Period, ReportData, report_data, report_period
from .errors import EngagementNotFound

INK, MUTED, ACCENT = "#1f2933", "#6b7280", "#0d6efd"
# Print-worthy for line art at the size the charts are shown (the page's width). PNG rather
# than SVG: WeasyPrint draws an SVG node by node when writing the PDF (matplotlib's charts
# are 400-1,000 nodes each), which cost a two-year report 0.2-0.4 s; a PNG is copied in.
CHART_DPI = 200
PALETTE = ["#0d6efd", "#198754", "#d63384", "#fd7e14", "#6f42c1", "#20c997", "#6c757d"]


@dataclass(frozen=True, slots=True)
class Report:
    filename: str
    pdf: bytes


def _figure(width: float, height: float, *, bottom: float = 0.5) -> Any:
    import matplotlib

    # The page's font. Only this module uses matplotlib.
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", "sans-serif"]
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=CHART_DPI)
    # Fixed margins in inches (a layout engine costs more than the drawing).
    fig.subplots_adjust(
        left=0.75 / width, right=1 - 0.15 / width, top=1 - 0.15 / height, bottom=bottom / height
    )
    return fig


def _png(fig: Any) -> str:
    """The figure as a PNG data URI: opaque RGB (WeasyPrint splits an alpha channel off
    into a second image, at a cost), compressed lightly (WeasyPrint decodes and compresses
    it again for the PDF)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    canvas.draw()  # type: ignore[no-untyped-call]
    pixels = canvas.buffer_rgba()  # type: ignore[no-untyped-call]
    rgba = Image.frombuffer("RGBA", canvas.get_width_height(), pixels)
    out = io.BytesIO()
    rgba.convert("RGB").save(out, format="PNG", compress_level=1)
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _style(ax: Any) -> None:
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=MUTED, labelsize=8)
    # The date axis's offset ("2026-Dec") like its tick labels, not at 10 pt.
    ax.xaxis.get_offset_text().set(fontsize=8, color=MUTED)
    ax.set_axisbelow(True)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.6)


def goals_chart(goals: list[GoalReport]) -> str:
    """Progress now, one bar per goal (labelled by its number in the report)."""
    # At most 7 inches tall, so the chart fits a page whatever the number of goals.
    fig = _figure(6.6, min(7.0, 0.17 * len(goals) + 0.8))
    ax = fig.add_subplot()
    labels = [f"Goal {n}" for n in range(1, len(goals) + 1)]
    values = [g.goal.progress for g in goals]
    ax.barh(labels, values, color=ACCENT, height=0.6)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("progress (%)", color=MUTED, fontsize=8)
    _style(ax)
    ax.tick_params(axis="y", labelsize=8 if len(goals) <= 20 else 6)
    ax.grid(axis="x", color="#e5e7eb", linewidth=0.6)
    ax.grid(axis="y", visible=False)
    return _png(fig)


def progress_chart(goals: list[GoalReport], period: Period) -> str:
    """Each goal's progress over the period: check-ins, or milestones done."""
    fig = _figure(6.6, 2.6)
    ax = fig.add_subplot()
    for n, report in enumerate(goals, start=1):
        if not report.points:
            continue
        xs = [at.astimezone(period.zone).replace(tzinfo=None) for at, _ in report.points]
        ys = [value for _, value in report.points]
        colour = PALETTE[(n - 1) % len(PALETTE)]
        ax.plot(xs, ys, marker="o", markersize=3, linewidth=1.4, color=colour, label=f"Goal {n}")
    ax.set_ylim(0, 100)
    ax.set_xlim(_day(period.start), _day(period.end, end=True))
    ax.set_ylabel("progress (%)", color=MUTED, fontsize=8)
    _date_axis(ax)
    _style(ax)
    if len([g for g in goals if g.points]) <= len(PALETTE):
        # Beyond that colours repeat and a legend would cover the lines: the goal list below
        # has each goal's figures.
        ax.legend(fontsize=7, frameon=False, ncols=4, loc="lower right")
    return _png(fig)


def mood_chart(mood: list[tuple[date, float]], period: Period) -> str:
    """The daily average mood, 1 to 5."""
    fig = _figure(6.6, 2.2)
    ax = fig.add_subplot()
    # Markers only while they can be told apart.
    marker = "o" if len(mood) <= 60 else ""
    ax.plot([_day(d) for d, _ in mood], [v for _, v in mood], marker=marker, markersize=3,
            linewidth=1.2, color=ACCENT)  # fmt: skip
    ax.set_ylim(0.8, 5.2)
    ax.set_yticks([1, 2, 3, 4, 5])
    ax.set_xlim(_day(period.start), _day(period.end, end=True))
    ax.set_ylabel("mood (1-5)", color=MUTED, fontsize=8)
    _date_axis(ax)
    _style(ax)
    return _png(fig)


def _day(day: date, *, end: bool = False) -> datetime:
    return datetime(day.year, day.month, day.day, 23 if end else 0, 59 if end else 0)


def _date_axis(ax: Any) -> None:
    from matplotlib.dates import AutoDateLocator, ConciseDateFormatter

    locator = AutoDateLocator(maxticks=8)  # type: ignore[no-untyped-call]
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]


def report_context(data: ReportData, viewer: Any) -> dict[str, Any]:
    period, zone, clock = data.period, data.period.zone, viewer.clock
    engagement = data.engagement

    def when(moment: datetime) -> str:
        return timefmt.format_clock(moment.astimezone(zone), "D j M Y, H:i", clock)

    with_points = [g for g in data.goals if g.points]
    return {
        "coach_name": engagement.coach.user.name,
        "client_name": engagement.client.name,
        "viewer_role": role_in(engagement, viewer),
        "period": period,
        "zone": zone.key,
        "generated": when(data.now),
        "goals": [
            {
                "n": n,
                "goal": g.goal,
                "status": g.goal.get_status_display(),
                "milestones": [
                    {"title": m.title, "due": m.due_date, "done": m.done_at is not None}
                    for m in g.milestones
                ],
                "points": len(g.points),
            }
            for n, g in enumerate(data.goals, start=1)
        ],
        "goals_chart": goals_chart(data.goals) if data.goals else "",
        "progress_chart": progress_chart(data.goals, period) if with_points else "",
        "session_count": len(data.sessions),
        "session_months": _by_month(data.sessions, zone, clock),
        "actions": [
            {
                "title": a.title,
                "assignee": a.assignee.name,
                "done": when(a.done_at) if a.done_at else "",
                "reflection": a.reflection,
            }
            for a in data.actions_done
        ],
        "note_months": _notes_by_month(data.shared_notes, zone, clock),
        "mood_consent": data.mood is not None,
        "mood_days": len(data.mood or []),
        "mood_average": (
            round(sum(v for _, v in data.mood) / len(data.mood), 1) if data.mood else None
        ),
        "mood_chart": mood_chart(data.mood, period) if data.mood else "",
    }


def _by_month(sessions: list[Any], zone: Any, clock: str) -> list[dict[str, Any]]:
    """Sessions grouped by month as short lines: a table row per session made a two-year
    report twice as slow to lay out (WeasyPrint's table layout), for no more information."""
    months: dict[str, list[str]] = {}
    for booking in sessions:
        local = booking.start.astimezone(zone)
        label = timefmt.format_clock(local, "D j, H:i", clock)
        months.setdefault(timefmt.format_clock(local, "F Y", clock), []).append(
            f"{label} ({booking.session_type.name})"
        )
    return [{"month": m, "count": len(items), "items": items} for m, items in months.items()]


def _notes_by_month(notes: list[Any], zone: Any, clock: str) -> list[dict[str, Any]]:
    """Shared notes under a heading per month, each starting with its session's day and
    time as plain text: a bold date on each note (an inline box in every note's first line)
    cost a two-year report 15% of WeasyPrint's time. A note's text as typed, without the
    blank lines around it."""
    months: dict[str, list[dict[str, str]]] = {}
    for note in notes:
        local = note.booking.start.astimezone(zone)
        months.setdefault(timefmt.format_clock(local, "F Y", clock), []).append(
            {"when": timefmt.format_clock(local, "D j, H:i", clock), "body": note.body.strip()}
        )
    return [{"month": m, "notes": items} for m, items in months.items()]


def report_html(data: ReportData, viewer: Any) -> str:
    return render_to_string("workspace/reports/report_pdf.html", report_context(data, viewer))


def report_pdf(*, viewer: Any, engagement_id: Any, start: Any, end: Any, now: datetime) -> Report:
    """The report PDF for one of the viewer's engagements. EngagementNotFound for anyone
    not in it; InvalidInput for a bad period (malformed, start after end, over two years)."""
    engagement = engagement_for(viewer, engagement_id)
    if engagement is None:
        raise EngagementNotFound()
    period = report_period(start, end, zone=viewer.timezone or "UTC", now=now)
    data = report_data(engagement, period, now=now)
    from weasyprint import HTML

    pdf = HTML(string=report_html(data, viewer), base_url=None).write_pdf()
    other = engagement.client if role_in(engagement, viewer) == "coach" else engagement.coach.user
    name = slugify(other.name) or "engagement"
    return Report(f"progress-{name}-{period.start}-to-{period.end}.pdf", pdf)
