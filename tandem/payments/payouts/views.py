"""Pages: a coach's earnings (/coach/earnings/) and staff payouts (/staff/payouts/).

Thin: parse, authorise, call one selector or service, render. Someone who is not the coach,
the client or staff gets 404: to them the page does not exist.
"""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tandem.coaches.selectors import coach_profile_for_user
from tandem.core.errors import ServiceError
from tandem.core.forms import add_service_error

from ..ledger.money import format_minor
from ..models import Payout
from . import selectors
from . import services as payout_services

PERIOD_COUNT = 12


def _own_coach(request: HttpRequest):
    coach = coach_profile_for_user(request.user)
    if coach is None:
        raise Http404("You do not have a coach profile.")
    return coach


def _staff_only(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise Http404("No such page.")


def _period(request: HttpRequest) -> str:
    period = request.GET.get("period", "month")
    return period if period in selectors.PERIODS else "month"


# --- Coach earnings ---------------------------------------------------------------------------


@login_required
@require_GET
def earnings(request: HttpRequest) -> HttpResponse:
    coach = _own_coach(request)
    period = _period(request)
    tz = coach.timezone or "UTC"
    start, end = selectors.last_periods(period, PERIOD_COUNT, now=timezone.now(), tz=tz)
    report = selectors.earnings(coach, period=period, start=start, end=end, tz=tz)
    table = [
        {
            "label": row.label,
            "cells": [
                {
                    "currency": cur,
                    **{
                        name: format_minor(getattr(row.get(cur), name), cur)
                        for name in ("gross", "fees", "refunds", "net")
                    },
                }
                for cur in report.currencies
            ],
        }
        for row in reversed(report.rows)
    ]
    totals = [
        {
            "currency": t.currency,
            **{
                name: format_minor(getattr(t, name), t.currency)
                for name in (
                    "gross",
                    "fees",
                    "refunds",
                    "net",
                    "paid_out",
                    "in_progress",
                    "pending",
                    "awaiting_client",
                )
            },
            "has_awaiting_client": bool(t.awaiting_client),
            "owes": t.pending < 0,
        }
        for t in report.totals.values()
    ]
    payouts = [_payout_row(p) for p in selectors.payouts_of(coach)]
    return render(
        request,
        "payments/earnings/earnings.html",
        {
            "coach": coach,
            "period": period,
            "count": PERIOD_COUNT,
            "report": report,
            "table": table,
            "totals": totals,
            "chart": report.chart_data(),
            "payouts": payouts,
        },
    )


def _payout_row(p: Payout) -> dict:
    return {
        "payout": p,
        "amount": format_minor(p.amount, p.currency),
        "last_day": (p.period_end - timedelta(days=1)).date(),
    }


@login_required
@require_GET
def earnings_payouts_csv(request: HttpRequest) -> HttpResponse:
    coach = _own_coach(request)
    body = payout_services.payouts_csv_rows(
        Payout.objects.filter(coach=coach).select_related("coach__user").order_by("-period_end")
    )
    return _csv(body, f"payouts-{coach.slug}.csv")


def _csv(body: str, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Staff payouts ----------------------------------------------------------------------------


class PeriodForm(forms.Form):
    period_end = forms.DateField(
        label="Last day of the period",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Pays what coaches earned up to the end of this day (UTC).",
    )


def _render_staff(
    request: HttpRequest, form: PeriodForm | None = None, status: int = 200
) -> HttpResponse:
    shown = request.GET.get("period_end") or ""
    period_end = None
    if shown:
        try:
            period_end = payout_services.parse_period_end(shown)
        except ServiceError:
            shown = ""
    rows = [_payout_row(p) for p in selectors.payouts_for_staff(period_end=period_end)]
    default_day = (timezone.now() - timedelta(days=1)).date()
    return render(
        request,
        "payments/payouts/staff.html",
        {
            "form": form or PeriodForm(initial={"period_end": default_day}),
            "rows": rows,
            "shown": shown,
            "csv_day": shown or (rows[0]["last_day"].isoformat() if rows else ""),
        },
        status=status,
    )


@login_required
@require_http_methods(["GET", "POST"])
def staff_payouts(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    if request.method == "GET":
        return _render_staff(request)
    form = PeriodForm(request.POST)
    if not form.is_valid():
        return _render_staff(request, form, status=400)
    day = form.cleaned_data["period_end"]
    try:
        made = payout_services.payouts_create(period_end=day, now=timezone.now())
    except ServiceError as exc:
        add_service_error(form, exc)
        return _render_staff(request, form, status=exc.status)
    messages.success(request, f"{len(made)} payout(s) for the period ending {day:%d %b %Y}.")
    return redirect(f"{request.path}?period_end={day.isoformat()}")


@login_required
@require_POST
def staff_payout_mark_paid(request: HttpRequest, payout_id: UUID) -> HttpResponse:
    _staff_only(request)
    try:
        payout = payout_services.payout_mark_paid(payout_id=payout_id, actor=request.user)
    except ServiceError as exc:
        if exc.status == 404:
            raise Http404(exc.message) from exc
        messages.error(request, exc.message)
        return redirect("staff_payouts")
    messages.success(
        request,
        f"Marked paid: {format_minor(payout.amount, payout.currency)} to {payout.coach.user.name}.",
    )
    day = (payout.period_end - timedelta(days=1)).date().isoformat()
    return redirect(f"/staff/payouts/?period_end={day}")


@login_required
@require_GET
def staff_payouts_csv(request: HttpRequest) -> HttpResponse:
    _staff_only(request)
    day = request.GET.get("period_end", "")
    end = payout_services.parse_period_end(day)  # InvalidInput -> 400 page
    return _csv(payout_services.payouts_csv(end), f"payouts-{day}.csv")
