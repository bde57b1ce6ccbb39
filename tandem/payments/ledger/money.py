"""Minor units: integers in the ledger, Decimals at the edges, never floats."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings

from tandem.core.money import format_money, minor_units

from ..models import CoachPaymentSettings


def to_minor(amount: Decimal | int, currency: str) -> int:
    """A Decimal price ("80.50") as integer minor units (8050); refuses sub-minor digits."""
    scaled = Decimal(amount).scaleb(minor_units(currency))
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{amount} has more than {minor_units(currency)} decimals for {currency}")
    return int(scaled)


def from_minor(amount: int, currency: str) -> Decimal:
    return Decimal(amount).scaleb(-minor_units(currency))


def format_minor(amount: int, currency: str) -> str:
    """Minor units written the one way (core.money.format_money): 8050 -> '80.50 EUR'."""
    return format_money(from_minor(amount, currency), currency)


def share(amount: int, basis_points: int) -> int:
    """`basis_points`/10,000 of `amount`, rounded half up, in whole minor units."""
    return int((Decimal(amount) * basis_points / 10_000).to_integral_value(ROUND_HALF_UP))


def percent(amount: int, pct: int) -> int:
    return share(amount, pct * 100)


def fee_bp_for(coach) -> int:
    """The platform fee in basis points: the coach's override, else the platform's setting."""
    override = (
        CoachPaymentSettings.objects.filter(coach=coach)
        .values_list("platform_fee_bp", flat=True)
        .first()
    )
    return override if override is not None else settings.TANDEM_PLATFORM_FEE_BP
