"""API: a coach's earnings and payouts, staff payouts.

Thin: authorise, call one selector or service, present. Someone else's (or a missing)
object answers 404."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Path, Query, Router

from tandem.coaches.selectors import coach_profile_for_user
from tandem.core.errors import NotFound
from tandem.core.ids import parse_id

from ..ledger.money import from_minor
from ..models import Payout
from . import selectors
from . import services as payout_services
from .schemas import (
    EarningsOut,
    EarningsQuery,
    PayoutCreateIn,
    PayoutListOut,
    PayoutOut,
    StaffPayoutQuery,
)

router = Router(tags=["earnings and payments"])


def _coach(request: HttpRequest):
    coach = coach_profile_for_user(request.user)
    if coach is None:
        raise NotFound("You have no coach profile.")
    return coach


def _staff(request: HttpRequest) -> None:
    if not request.user.is_staff:
        raise NotFound("Not found.")


def _major(amount: int, currency: str) -> str:
    return str(from_minor(amount, currency))


@router.get(
    "/me/coach/earnings",
    response=EarningsOut,
    summary="Your earnings as a coach",
    description=(
        "Per week or month in your zone (the last `count`, this one included, none before "
        "your first earning): gross, platform fees, refunds and net. All-time totals per "
        "currency: gross - fees - refunds = net = paid out + in progress + pending "
        "(pending includes what clients still owe on open invoices: awaiting_client). "
        "404 if you are not a coach."
    ),
)
def my_earnings(request: HttpRequest, query: Query[EarningsQuery]) -> dict:
    coach = _coach(request)
    tz = coach.timezone or "UTC"
    start, end = selectors.last_periods(query.period, query.count, now=timezone.now(), tz=tz)
    report = selectors.earnings(coach, period=query.period, start=start, end=end, tz=tz)
    return {
        "period": report.period,
        "timezone": report.zone,
        "start": report.start,
        "end": report.end,
        "periods": [
            {
                "start": row.start,
                "label": row.label,
                "figures": [
                    {
                        "currency": cur,
                        "gross_minor": f.gross,
                        "fees_minor": f.fees,
                        "refunds_minor": f.refunds,
                        "net_minor": f.net,
                        "gross": _major(f.gross, cur),
                        "fees": _major(f.fees, cur),
                        "refunds": _major(f.refunds, cur),
                        "net": _major(f.net, cur),
                    }
                    for cur, f in ((c, row.get(c)) for c in report.currencies)
                ],
            }
            for row in report.rows
        ],
        "totals": [
            {
                "currency": t.currency,
                "gross_minor": t.gross,
                "fees_minor": t.fees,
                "refunds_minor": t.refunds,
                "net_minor": t.net,
                "pending_minor": t.pending,
                "awaiting_client_minor": t.awaiting_client,
                "in_progress_minor": t.in_progress,
                "paid_out_minor": t.paid_out,
                "net": _major(t.net, t.currency),
                "pending": _major(t.pending, t.currency),
                "in_progress": _major(t.in_progress, t.currency),
                "paid_out": _major(t.paid_out, t.currency),
            }
            for t in report.totals.values()
        ],
    }


def payout_data(p: Payout) -> dict:
    return {
        "id": p.public_id,
        "coach": p.coach.public_id,
        "coach_name": p.coach.user.name,
        "amount_minor": p.amount,
        "amount": _major(p.amount, p.currency),
        "currency": p.currency,
        "period_start": p.period_start,
        "period_end": p.period_end,
        "method": p.method,
        "status": p.status,
        "provider_ref": p.provider_ref,
        "created_at": p.created_at,
        "paid_at": p.paid_at,
    }


@router.get("/me/coach/payouts", response=PayoutListOut, summary="Your payouts as a coach")
def my_payouts(request: HttpRequest) -> dict:
    coach = _coach(request)
    payouts = Payout.objects.filter(coach=coach).select_related("coach__user")
    return {"items": [payout_data(p) for p in payouts.order_by("-period_end", "-pk")[:200]]}


@router.get(
    "/staff/payouts",
    response=PayoutListOut,
    summary="Payouts (staff)",
    description="Staff only (404 for anyone else). Newest periods first.",
)
def staff_payouts(request: HttpRequest, query: Query[StaffPayoutQuery]) -> dict:
    _staff(request)
    end = payout_services.period_end_of(query.period_end) if query.period_end else None
    return {"items": [payout_data(p) for p in selectors.payouts_for_staff(period_end=end)]}


@router.post(
    "/staff/payouts",
    response={200: PayoutListOut},
    summary="Create the payouts of a period (staff)",
    description=(
        "For every coach with money owed at the end of `period_end` (midnight UTC after it): "
        "one payout per currency, posted to the ledger. Running it again for the same period "
        "returns the same payouts and moves nothing."
    ),
)
def staff_payouts_create(request: HttpRequest, payload: PayoutCreateIn) -> dict:
    _staff(request)
    made = payout_services.payouts_create(period_end=payload.period_end, method=payload.method)
    ids = [p.pk for p in made]
    payouts = Payout.objects.filter(pk__in=ids).select_related("coach__user").order_by("pk")
    return {"items": [payout_data(p) for p in payouts]}


@router.post(
    "/staff/payouts/{payout_id}/paid",
    response=PayoutOut,
    summary="Mark a manual payout paid (staff)",
    description="409 `payout_not_pending` for a failed or Stripe Connect payout.",
)
def staff_payout_paid(request: HttpRequest, payout_id: str = Path(...)) -> dict:
    _staff(request)
    parsed = parse_id(payout_id)
    if parsed is None:
        raise NotFound("No such payout.")
    payout = payout_services.payout_mark_paid(payout_id=parsed, actor=request.user)
    return payout_data(Payout.objects.select_related("coach__user").get(pk=payout.pk))


@router.get(
    "/staff/payouts.csv",
    response={200: None},
    summary="The period's manual payouts as CSV (staff)",
    description="Columns: coach_name, email, amount (major units), currency, payout_id, ...",
)
def staff_payouts_csv(
    request: HttpRequest, period_end: str = Query(..., max_length=10)
) -> HttpResponse:
    _staff(request)
    end = payout_services.parse_period_end(period_end)
    response = HttpResponse(
        payout_services.payouts_csv(end), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="payouts-{period_end}.csv"'
    return response
