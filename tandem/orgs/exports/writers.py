"""The export files: CSV (the standard library), XLSX (openpyxl) and PDF (WeasyPrint).

Every text cell is escaped against formula injection: a text starting with `=`, `+`, `-`,
`@`, a tab or a carriage return is what a spreadsheet would run as a formula. In CSV such a
text is written with a leading `'`; in XLSX every text is a cell of the string data type
(never a formula) with Excel's quote prefix set, so editing it keeps it text. Programme and
organisation names are typed by admins and go through the same rule. Numbers stay numbers.
"""

from __future__ import annotations

import base64
import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string

from .document import SUPPRESSED, Cell, ExportDocument, Section, _Suppressed

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def escape_text(text: str) -> str:
    """`text` made inert for a spreadsheet (the CSV rule): a leading `'` when it starts like
    a formula."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _plain(value: Cell) -> str | int | float | Decimal | date | datetime | None:
    """A cell as the value a writer writes: suppressed figures as their text."""
    if isinstance(value, _Suppressed):
        return SUPPRESSED.text
    return value


def _text(value: Cell) -> str:
    value = _plain(value)
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


# --- CSV ----------------------------------------------------------------------------------------


def _csv_rows(doc: ExportDocument) -> Iterable[list[str]]:
    yield ["Organisation", doc.organisation]
    yield ["Programme", doc.programme]
    yield ["Period", doc.period]
    yield ["Generated", doc.generated]
    for section in doc.sections:
        yield []
        yield [section.title]
        if section.note:
            yield [section.note]
        yield list(section.headers)
        for row in section.rows:
            yield [_text(cell) for cell in row]


def write_csv(doc: ExportDocument) -> bytes:
    """One CSV file, UTF-8 with a byte-order mark (so spreadsheet programs read accents),
    the sections one after another, each with its title row and headers."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in _csv_rows(doc):
        writer.writerow([escape_text(text) for text in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


# --- XLSX ---------------------------------------------------------------------------------------

_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def _put(ws: Any, row: int, column: int, value: Cell, *, bold: bool = False) -> None:
    from openpyxl.styles import Font

    value = _plain(value)
    cell = ws.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = value
        # Always a string, never a formula, whatever the text starts with.
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    elif isinstance(value, Decimal):
        cell.value = float(value)
        cell.number_format = "#,##0.00"
    else:
        cell.value = value
    if bold:
        cell.font = Font(bold=True)


def _sheet(wb: Any, title: str, doc: ExportDocument, section: Section) -> None:
    ws = wb.create_sheet(title=title.translate(_SHEET_FORBIDDEN)[:31])
    _put(ws, 1, 1, section.title, bold=True)
    _put(ws, 2, 1, doc.programme)
    row = 3
    if section.note:
        _put(ws, row, 1, section.note)
        row += 1
    row += 1
    for column, header in enumerate(section.headers, start=1):
        _put(ws, row, column, header, bold=True)
    for values in section.rows:
        row += 1
        for column, value in enumerate(values, start=1):
            _put(ws, row, column, value)
    ws.column_dimensions["A"].width = 42
    for letter in "BCDEFG":
        ws.column_dimensions[letter].width = 16


def write_xlsx(doc: ExportDocument) -> bytes:
    """A workbook: an "About" sheet (organisation, programme, period, when), then one sheet
    per section, headers in row 4 or 5 (after the title, the programme and a note)."""
    from openpyxl import Workbook

    wb = Workbook()
    about = wb.active
    about.title = "About"
    for row, (label, value) in enumerate(
        (
            ("Organisation", doc.organisation),
            ("Programme", doc.programme),
            ("Period", doc.period),
            ("Generated", doc.generated),
            (
                "Privacy",
                "Every figure is over at least 5 participants; smaller groups show "
                "'fewer than 5'. No names, no text anyone wrote.",
            ),
        ),
        start=1,
    ):
        _put(about, row, 1, label, bold=True)
        _put(about, row, 2, value)
    about.column_dimensions["A"].width = 16
    about.column_dimensions["B"].width = 60
    for section in doc.sections:
        _sheet(wb, section.title, doc, section)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- PDF ----------------------------------------------------------------------------------------


def trend_chart(trend: tuple[tuple[str, int | None], ...]) -> str:
    """Sessions held per month as an SVG data URI (matplotlib's object API, no pyplot; labels
    are months only). A suppressed month has no bar but a "<5" mark."""
    import matplotlib

    matplotlib.rcParams["svg.fonttype"] = "none"
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", "sans-serif"]
    from matplotlib.figure import Figure

    width, height = 6.6, 2.3
    fig = Figure(figsize=(width, height), dpi=72)
    fig.subplots_adjust(left=0.6 / width, right=1 - 0.15 / width, top=0.92, bottom=0.6 / height)
    ax = fig.add_subplot()
    labels = [month for month, _ in trend]
    xs = list(range(len(labels)))
    ax.bar(xs, [held or 0 for _, held in trend], width=0.6, color="#0d6efd")
    for x, (_, held) in zip(xs, trend, strict=True):
        if held is None:
            ax.text(x, 0, "<5", ha="center", va="bottom", fontsize=7, color="#6b7280")
    step = max(1, len(labels) // 12)
    ax.set_xticks(xs[::step], labels[::step], fontsize=7, rotation=0 if len(labels) <= 6 else 45)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors="#6b7280", labelsize=7)
    ax.grid(axis="y", color="#e5e7eb", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.set_ylabel("sessions held", color="#6b7280", fontsize=7)
    out = io.BytesIO()
    fig.savefig(out, format="svg", metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def _shown(value: Cell) -> str:
    """A cell for people to read (the PDF): thousands grouped."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, Decimal):
        return f"{value:,.2f}"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".") if value % 1 else f"{value:,.0f}"
    return _text(value)


def pdf_html(doc: ExportDocument) -> str:
    sections = [
        {
            "title": s.title,
            "note": s.note,
            "headers": s.headers,
            "rows": [[_shown(c) for c in row] for row in s.rows],
        }
        for s in doc.sections
    ]
    chart = trend_chart(doc.trend) if any(held for _, held in doc.trend) else ""
    return render_to_string(
        "orgs/exports/report_pdf.html", {"doc": doc, "sections": sections, "chart": chart}
    )


def write_pdf(doc: ExportDocument) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=pdf_html(doc), base_url=None).write_pdf())


WRITERS = {"csv": write_csv, "xlsx": write_xlsx, "pdf": write_pdf}
