"""Reads for packages: which credit a booking uses, a client's packages, a coach's offers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from tandem.coaches.models import CoachProfile, SessionType
from tandem.core.ids import parse_id

from ..ledger import money
from ..models import PackageCredit, PackageOffer, PackagePurchase, Payment
from .offers import offer_saving, session_price_minor


def available_credit(
    *,
    client: Any,
    coach: CoachProfile,
    session_type: SessionType,
    now: datetime | None = None,
    for_update: bool = False,
) -> PackageCredit | None:
    """The credit a booking of this coach's session type would use: an AVAILABLE credit of an
    ACTIVE, unexpired purchase of the client's, the soonest-expiring purchase first.

    `for_update=True` locks the row (PostgreSQL); call it inside the booking's transaction.
    """
    now = now or timezone.now()
    if not getattr(client, "is_authenticated", False):
        return None
    rows = PackageCredit.objects.filter(
        status=PackageCredit.Status.AVAILABLE,
        purchase__client=client,
        purchase__coach=coach,
        purchase__session_type=session_type,
        purchase__status=PackagePurchase.Status.ACTIVE,
        purchase__expires_at__gt=now,
    ).order_by("purchase__expires_at", "purchase_id", "index")
    if for_update:
        rows = rows.select_for_update(of=("self",))
    return rows.select_related("purchase").first()


def credits_left(client: Any, coach: CoachProfile, session_type: SessionType, now: datetime) -> int:
    return PackageCredit.objects.filter(
        status=PackageCredit.Status.AVAILABLE,
        purchase__client=client,
        purchase__coach=coach,
        purchase__session_type=session_type,
        purchase__status=PackagePurchase.Status.ACTIVE,
        purchase__expires_at__gt=now,
    ).count()


@dataclass(frozen=True)
class PurchaseSummary:
    purchase: PackagePurchase
    total: int
    available: int
    used: int
    forfeited: int
    pending: int
    expired: bool  # past its end (whether or not the sweep has marked it yet)
    payment: Payment | None

    @property
    def price_display(self) -> str:
        return money.format_minor(self.purchase.price, self.purchase.currency)

    @property
    def usable(self) -> bool:
        return (
            self.purchase.status == PackagePurchase.Status.ACTIVE
            and not self.expired
            and self.available > 0
        )


def _purchases_with_counts() -> QuerySet[PackagePurchase]:
    def count(status: str) -> Count:
        return Count("credits", filter=Q(credits__status=status))

    return (
        PackagePurchase.objects.select_related("offer", "coach", "coach__user", "session_type")
        .annotate(
            n_total=Count("credits"),
            n_available=count(PackageCredit.Status.AVAILABLE),
            n_used=count(PackageCredit.Status.USED),
            n_forfeited=count(PackageCredit.Status.FORFEITED),
            n_pending=count(PackageCredit.Status.PENDING),
        )
        .prefetch_related(
            Prefetch(
                "payments",
                queryset=Payment.objects.prefetch_related("documents").order_by(
                    "-created_at", "-pk"
                ),
                to_attr="payment_list",
            )
        )
    )


def _summary(purchase: PackagePurchase, now: datetime) -> PurchaseSummary:
    payments = getattr(purchase, "payment_list", None) or []
    return PurchaseSummary(
        purchase=purchase,
        total=purchase.n_total,  # type: ignore[attr-defined]
        available=purchase.n_available,  # type: ignore[attr-defined]
        used=purchase.n_used,  # type: ignore[attr-defined]
        forfeited=purchase.n_forfeited,  # type: ignore[attr-defined]
        pending=purchase.n_pending,  # type: ignore[attr-defined]
        expired=purchase.expires_at <= now,
        payment=payments[0] if payments else None,
    )


def credits_summary(client: Any, *, now: datetime | None = None) -> list[PurchaseSummary]:
    """The client's package purchases (newest first) with their credits counted."""
    now = now or timezone.now()
    if not getattr(client, "is_authenticated", False):
        return []
    rows = _purchases_with_counts().filter(client=client).order_by("-purchased_at", "-pk")
    return [_summary(p, now) for p in rows]


def purchase_for(
    client: Any, purchase_id: Any, *, now: datetime | None = None
) -> PurchaseSummary | None:
    """One of the client's purchases by public id; None for anyone else's."""
    parsed = parse_id(purchase_id)
    if parsed is None or not getattr(client, "is_authenticated", False):
        return None
    found = _purchases_with_counts().filter(client=client, public_id=parsed).first()
    return _summary(found, now or timezone.now()) if found else None


@dataclass(frozen=True)
class OfferView:
    offer: PackageOffer
    session_price: int
    saving: int

    @property
    def price_display(self) -> str:
        return money.format_minor(self.offer.price, self.offer.currency)

    @property
    def saving_display(self) -> str:
        return money.format_minor(self.saving, self.offer.currency)

    @property
    def per_session_display(self) -> str:
        per = self.offer.price // self.offer.sessions
        return money.format_minor(per, self.offer.currency)

    @property
    def single_total_display(self) -> str:
        return money.format_minor(self.session_price * self.offer.sessions, self.offer.currency)


def offer_view(offer: PackageOffer) -> OfferView:
    return OfferView(
        offer=offer,
        session_price=session_price_minor(offer.session_type),
        saving=offer_saving(offer),
    )


def public_offers(coach: CoachProfile) -> list[OfferView]:
    """A coach's offers that can be bought now (active, for an active session type)."""
    rows = (
        PackageOffer.objects.select_related("session_type")
        .filter(coach=coach, is_active=True, session_type__is_active=True)
        .order_by("session_type__name", "sessions", "price")
    )
    return [offer_view(o) for o in rows]


def coach_offers(coach: CoachProfile) -> list[OfferView]:
    """All of a coach's offers (active first), for the coach."""
    rows = (
        PackageOffer.objects.select_related("session_type")
        .filter(coach=coach)
        .annotate(n_purchases=Count("purchases"))
        .order_by("-is_active", "session_type__name", "sessions", "pk")
    )
    return [offer_view(o) for o in rows]


def own_offer(coach: CoachProfile, offer_id: Any) -> PackageOffer | None:
    parsed = parse_id(offer_id)
    if parsed is None:
        return None
    return (
        PackageOffer.objects.select_related("session_type")
        .filter(coach=coach, public_id=parsed)
        .first()
    )
