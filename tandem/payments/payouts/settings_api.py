"""A coach's payment settings (late fee, Stripe account) and the staff's fee override."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema
from pydantic import StrictInt

from tandem.coaches.models import CoachProfile
from tandem.coaches.selectors import coach_profile_for_user
from tandem.core.errors import NotFound
from tandem.core.schemas import InputSchema

from ..models import CoachPaymentSettings
from . import coach_settings

router = Router(tags=["payments"])


class PaymentSettingsOut(Schema):
    late_fee_percent: int = Field(
        description="Share of the price you keep on a late cancellation or a no-show."
    )
    platform_fee_bp: int = Field(description="The platform's fee for you, in basis points.")
    stripe_account_id: str = Field(description="Stripe Connect account payouts go to.")


class PaymentSettingsIn(InputSchema):
    late_fee_percent: StrictInt | None = Field(default=None, description="0 to 100.")
    stripe_account_id: str | None = Field(default=None, max_length=70)


class PlatformFeeIn(InputSchema):
    platform_fee_bp: StrictInt | None = Field(description="0 to 10000; null: the platform default.")


def _out(current: CoachPaymentSettings) -> dict:
    fee = current.platform_fee_bp
    return {
        "late_fee_percent": current.late_fee_percent,
        "platform_fee_bp": settings.TANDEM_PLATFORM_FEE_BP if fee is None else fee,
        "stripe_account_id": current.stripe_account_id,
    }


def _own_coach(request: HttpRequest) -> CoachProfile:
    coach = coach_profile_for_user(request.user)
    if coach is None:
        raise NotFound("You have no coach profile.")
    return coach


@router.get("/me/coach/payment-settings", response=PaymentSettingsOut, summary="Your fees")
def get_settings(request: HttpRequest) -> dict:
    return _out(coach_settings.settings_of(_own_coach(request)))


@router.patch(
    "/me/coach/payment-settings", response=PaymentSettingsOut, summary="Change your late fee"
)
def update_settings(request: HttpRequest, payload: PaymentSettingsIn) -> dict:
    current = coach_settings.coach_payment_settings_update(
        coach=_own_coach(request), **payload.model_dump(exclude_unset=True)
    )
    return _out(current)


@router.put(
    "/staff/coaches/{coach_id}/platform-fee",
    response=PaymentSettingsOut,
    summary="Override a coach's platform fee (staff)",
)
def set_platform_fee(request: HttpRequest, coach_id: str, payload: PlatformFeeIn) -> dict:
    return _out(
        coach_settings.platform_fee_set(
            staff=request.user, coach_id=coach_id, basis_points=payload.platform_fee_bp
        )
    )
