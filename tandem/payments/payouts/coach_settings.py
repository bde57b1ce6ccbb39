"""A coach's payment settings: the late fee they keep (theirs to set), the platform fee
override (staff only) and the Stripe Connect account payouts go to."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction

from tandem.accounts.models import User
from tandem.coaches.models import CoachProfile
from tandem.coaches.selectors import coach_by_public_id
from tandem.core.errors import InvalidInput, NotFound

from ..checkout.refunds import DEFAULT_LATE_FEE_PERCENT
from ..models import CoachPaymentSettings

STRIPE_ACCOUNT = re.compile(r"^acct_[A-Za-z0-9]{1,60}$")


def settings_of(coach: CoachProfile) -> CoachPaymentSettings:
    """The coach's settings (unsaved defaults when they never changed any)."""
    found = CoachPaymentSettings.objects.filter(coach=coach).first()
    return found or CoachPaymentSettings(coach=coach, late_fee_percent=DEFAULT_LATE_FEE_PERCENT)


def _whole(value: Any, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(
            f"Enter a whole number from {low} to {high}.", fields={field: ["invalid"]}
        )
    return value


@transaction.atomic
def coach_payment_settings_update(
    *,
    coach: CoachProfile,
    late_fee_percent: Any = None,
    stripe_account_id: Any = None,
) -> CoachPaymentSettings:
    """The coach sets the share of the price they keep on a late cancellation or no-show
    (0-100 %) and their Stripe Connect account. None leaves a value as it is."""
    current = settings_of(coach)
    if late_fee_percent is not None:
        current.late_fee_percent = _whole(
            late_fee_percent, field="late_fee_percent", low=0, high=100
        )
    if stripe_account_id is not None:
        if not isinstance(stripe_account_id, str) or not (
            stripe_account_id == "" or STRIPE_ACCOUNT.match(stripe_account_id)
        ):
            raise InvalidInput(
                "A Stripe account id looks like acct_1A2b3C.",
                fields={"stripe_account_id": ["invalid"]},
            )
        current.stripe_account_id = stripe_account_id
    current.save()
    return current


@transaction.atomic
def platform_fee_set(*, staff: User, coach_id: Any, basis_points: Any) -> CoachPaymentSettings:
    """Staff override the platform fee for one coach (basis points, 0-10,000; None: the
    platform's default again)."""
    if not staff.is_staff:
        raise NotFound("No such coach.")
    coach = coach_by_public_id(coach_id)
    if coach is None:
        raise NotFound("No such coach.")
    current = settings_of(coach)
    current.platform_fee_bp = (
        None
        if basis_points is None
        else _whole(basis_points, field="platform_fee_bp", low=0, high=10_000)
    )
    current.save()
    return current
