"""Packages: offers (validation, ownership), buying (pending credits until paid), the credit
pick, and expiry (forfeit and breakage, once)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from tandem.booking.tests.conftest import make_type
from tandem.core.errors import InvalidInput, NotFound
from tandem.payments.checkout import services as checkout
from tandem.payments.ledger import accounts, money
from tandem.payments.ledger import services as ledger
from tandem.payments.models import (
    Invoice,
    LedgerTransaction,
    PackageCredit,
    PackageOffer,
    PackagePurchase,
    Payment,
)
from tandem.payments.packages import offers as package_offers
from tandem.payments.packages import selectors, services

pytestmark = pytest.mark.django_db

MANUAL = checkout.PayWith(package=False, use_credit=False, provider="manual")


def buy(client, offer, *, key=None, now=None):
    return services.package_buy(
        client=client, offer_id=offer.public_id, pay_with=MANUAL, idempotency_key=key, now=now
    )


def pay(outcome, coach_user, *, now=None):
    checkout.invoice_mark_paid(payment_id=outcome.payment.public_id, user=coach_user, now=now)
    outcome.purchase.refresh_from_db()
    return outcome.purchase


def snapshot() -> tuple:
    return (
        list(PackageOffer.objects.order_by("pk").values()),
        list(PackagePurchase.objects.order_by("pk").values()),
        list(PackageCredit.objects.order_by("pk").values()),
        Payment.objects.count(),
        LedgerTransaction.objects.count(),
    )


# --- Offers -----------------------------------------------------------------------------------


def test_offer_create_prices_in_the_session_types_currency_and_shows_the_saving(alice, pk_type):
    offer = package_offers.package_offer_create(
        coach_user=alice,
        session_type_id=str(pk_type.public_id),
        name="  Five sessions  ",
        sessions=5,
        price=Decimal("360.00"),
        valid_days=180,
    )
    assert (offer.name, offer.sessions, offer.price, offer.currency, offer.valid_days) == (
        "Five sessions",
        5,
        36000,
        "EUR",
        180,
    )
    assert offer.is_active
    assert package_offers.offer_saving(offer) == 5 * 8000 - 36000
    view = selectors.offer_view(offer)
    assert view.saving_display == "40.00 EUR"
    assert view.price_display == "360.00 EUR"


def test_offer_in_jpy_has_no_minor_digits(alice, pk_coach):
    yen = make_type(pk_coach, name="Yen session", price=Decimal("8000"), currency="JPY")
    offer = package_offers.package_offer_create(
        coach_user=alice,
        session_type_id=yen.public_id,
        name="Yen pack",
        sessions=3,
        price="20000",
        valid_days=30,
    )
    assert (offer.price, offer.currency) == (20000, "JPY")
    with pytest.raises(InvalidInput):
        package_offers.package_offer_create(
            coach_user=alice,
            session_type_id=yen.public_id,
            name="Yen pack",
            sessions=3,
            price="20000.5",
            valid_days=30,
        )


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("sessions", 1),
        ("sessions", 101),
        ("sessions", "five"),
        ("sessions", True),
        ("sessions", None),
        ("valid_days", 0),
        ("valid_days", 3651),
        ("valid_days", -5),
        ("price", "-1"),
        ("price", "abc"),
        ("price", "12.345"),
        ("price", "1e400"),
        ("price", None),
        ("name", ""),
        ("name", "   "),
        ("name", "x" * 121),
        ("name", "bad\x00name"),
        ("name", 42),
    ],
)
def test_offer_refuses_bad_input_and_creates_nothing(alice, pk_type, field, value):
    values = {"name": "Five", "sessions": 5, "price": "360", "valid_days": 180, field: value}
    before = snapshot()
    with pytest.raises(InvalidInput) as error:
        package_offers.package_offer_create(
            coach_user=alice, session_type_id=pk_type.public_id, **values
        )
    assert field in error.value.fields
    assert snapshot() == before


def test_offer_bounds_are_inclusive(alice, pk_type):
    for sessions, days in ((2, 1), (100, 3650)):
        offer = package_offers.package_offer_create(
            coach_user=alice,
            session_type_id=pk_type.public_id,
            name="Edge",
            sessions=sessions,
            price="10",
            valid_days=days,
        )
        assert (offer.sessions, offer.valid_days) == (sessions, days)


def test_only_the_owner_of_the_session_type_may_offer_it(charlie, bob, pk_type, pk_other_coach):
    before = snapshot()
    for user in (charlie, bob):  # another coach; not a coach at all
        with pytest.raises(NotFound):
            package_offers.package_offer_create(
                coach_user=user,
                session_type_id=pk_type.public_id,
                name="Stolen",
                sessions=5,
                price="1",
                valid_days=10,
            )
    with pytest.raises(NotFound):
        package_offers.package_offer_create(
            coach_user=charlie,
            session_type_id="not-a-uuid",
            name="x",
            sessions=5,
            price="1",
            valid_days=10,
        )
    assert snapshot() == before


def test_charlie_cannot_change_or_deactivate_alices_offer(charlie, pk_offer, pk_other_coach):
    before = snapshot()
    with pytest.raises(NotFound):
        package_offers.package_offer_update(
            coach_user=charlie, offer_id=pk_offer.public_id, price="1"
        )
    with pytest.raises(NotFound):
        package_offers.package_offer_deactivate(coach_user=charlie, offer_id=pk_offer.public_id)
    assert snapshot() == before


def test_offer_update_and_deactivate(alice, pk_offer):
    offer = package_offers.package_offer_update(
        coach_user=alice, offer_id=pk_offer.public_id, price="300.50", sessions=4, name="Four"
    )
    assert (offer.price, offer.sessions, offer.name) == (30050, 4, "Four")
    with pytest.raises(InvalidInput):
        package_offers.package_offer_update(
            coach_user=alice, offer_id=pk_offer.public_id, sessions=0
        )
    with pytest.raises(InvalidInput):
        package_offers.package_offer_update(
            coach_user=alice, offer_id=pk_offer.public_id, colour="red"
        )
    offer.refresh_from_db()
    assert offer.sessions == 4
    package_offers.package_offer_deactivate(coach_user=alice, offer_id=pk_offer.public_id)
    offer.refresh_from_db()
    assert not offer.is_active
    assert selectors.public_offers(offer.coach) == []


def test_offer_for_an_inactive_session_type_is_refused(alice, pk_type):
    pk_type.is_active = False
    pk_type.save()
    with pytest.raises(InvalidInput):
        package_offers.package_offer_create(
            coach_user=alice,
            session_type_id=pk_type.public_id,
            name="Five",
            sessions=5,
            price="1",
            valid_days=5,
        )


# --- Credit values ----------------------------------------------------------------------------


@given(price=st.integers(min_value=0, max_value=10**10), sessions=st.integers(2, 100))
def test_credit_values_sum_to_the_price(price: int, sessions: int) -> None:
    values = services.split_price(price, sessions)
    assert len(values) == sessions
    assert sum(values) == price
    assert max(values) - min(values) <= 1
    assert values == sorted(values, reverse=True)  # the first ones carry the extra units


def test_bought_credits_sum_to_the_price(bob, alice, pk_type):
    offer = package_offers.package_offer_create(
        coach_user=alice,
        session_type_id=pk_type.public_id,
        name="Seven",
        sessions=7,
        price="100.00",
        valid_days=30,
    )
    outcome = buy(bob, offer)
    values = list(outcome.purchase.credits.order_by("index").values_list("value", flat=True))
    assert values == [1429, 1429, 1429, 1429, 1428, 1428, 1428]
    assert sum(values) == 10000


# --- Buying -----------------------------------------------------------------------------------


def test_buy_makes_pending_credits_and_an_invoice_then_paid_activates(alice, bob, pk_offer):
    now = timezone.now()
    outcome = buy(bob, pk_offer, now=now)
    purchase = outcome.purchase
    assert purchase.status == PackagePurchase.Status.AWAITING_PAYMENT
    assert (purchase.client, purchase.sessions, purchase.price) == (bob, 5, 36000)
    assert set(purchase.credits.values_list("status", flat=True)) == {"pending"}
    assert purchase.credits.count() == 5
    assert outcome.payment.purpose == Payment.Purpose.PACKAGE
    assert outcome.payment.status == Payment.Status.AWAITING_INVOICE
    assert outcome.payment.amount == 36000
    assert Invoice.objects.get(payment=outcome.payment).status == Invoice.Status.OPEN
    coach, session_type = pk_offer.coach, pk_offer.session_type
    assert selectors.available_credit(client=bob, coach=coach, session_type=session_type) is None

    paid_at = now + timedelta(days=3)
    purchase = pay(outcome, alice, now=paid_at)
    assert purchase.status == PackagePurchase.Status.ACTIVE
    assert purchase.expires_at == paid_at + timedelta(days=180)
    assert set(purchase.credits.values_list("status", flat=True)) == {"available"}
    assert accounts.package_balance(purchase) == 36000
    credit = selectors.available_credit(
        client=bob, coach=coach, session_type=session_type, now=paid_at
    )
    assert credit is not None and credit.purchase == purchase and credit.index == 0
    # on_paid twice changes nothing
    services.on_paid(purchase, now=paid_at + timedelta(days=1))
    purchase.refresh_from_db()
    assert purchase.expires_at == paid_at + timedelta(days=180)


def test_failed_payment_cancels_and_credits_stay_pending(bob, pk_offer):
    outcome = buy(bob, pk_offer)
    checkout.payment_fail(outcome.payment, reason="never paid", status=Payment.Status.CANCELLED)
    purchase = outcome.purchase
    purchase.refresh_from_db()
    assert purchase.status == PackagePurchase.Status.CANCELLED
    assert set(purchase.credits.values_list("status", flat=True)) == {"pending"}
    assert services.on_paid(purchase).status == PackagePurchase.Status.CANCELLED
    assert (
        selectors.available_credit(
            client=bob, coach=pk_offer.coach, session_type=pk_offer.session_type
        )
        is None
    )


def test_a_coach_cannot_buy_their_own_package(alice, pk_offer):
    before = snapshot()
    with pytest.raises(services.OwnOffer):
        buy(alice, pk_offer)
    assert snapshot() == before


def test_inactive_offer_unlisted_coach_or_unknown_id_answers_404(alice, bob, pk_offer):
    before = snapshot()
    for offer_id in ("nope", "00000000-0000-0000-0000-000000000000", "x\x00" * 40):
        with pytest.raises(NotFound):
            services.package_buy(client=bob, offer_id=offer_id, pay_with=MANUAL)
    package_offers.package_offer_deactivate(coach_user=alice, offer_id=pk_offer.public_id)
    with pytest.raises(NotFound):
        buy(bob, pk_offer)
    package_offers.package_offer_update(
        coach_user=alice, offer_id=pk_offer.public_id, is_active=True
    )
    pk_offer.coach.is_verified = False
    pk_offer.coach.save()
    with pytest.raises(NotFound):
        buy(bob, pk_offer)
    assert PackagePurchase.objects.count() == 0
    assert Payment.objects.count() == before[3]


def test_buy_with_the_same_idempotency_key_returns_the_same_purchase(alice, bob, charlie, pk_offer):
    first = buy(bob, pk_offer, key="buy-1")
    again = buy(bob, pk_offer, key="buy-1")
    assert again.replayed and not first.replayed
    assert again.purchase.pk == first.purchase.pk
    assert again.payment.pk == first.payment.pk
    assert PackagePurchase.objects.count() == 1
    assert Payment.objects.count() == 1
    other = package_offers.package_offer_create(
        coach_user=alice,
        session_type_id=pk_offer.session_type.public_id,
        name="Ten",
        sessions=10,
        price="700",
        valid_days=365,
    )
    with pytest.raises(services.IdempotencyKeyReused):
        buy(bob, other, key="buy-1")
    assert PackagePurchase.objects.count() == 1
    # another client's key is theirs alone
    assert buy(charlie, pk_offer, key="buy-1").purchase.client == charlie


def test_bad_idempotency_key_is_refused(bob, pk_offer):
    with pytest.raises(InvalidInput):
        buy(bob, pk_offer, key="x" * 300)
    assert PackagePurchase.objects.count() == 0


# --- The credit pick --------------------------------------------------------------------------


def _active(alice, bob, offer, *, paid_at):
    return pay(buy(bob, offer, now=paid_at), alice, now=paid_at)


def test_available_credit_takes_the_soonest_expiring_and_ignores_expired(
    alice, bob, charlie, pk_offer
):
    now = timezone.now()
    later = _active(alice, bob, pk_offer, paid_at=now - timedelta(days=1))
    sooner = _active(alice, bob, pk_offer, paid_at=now - timedelta(days=100))
    gone = _active(alice, bob, pk_offer, paid_at=now - timedelta(days=181))
    assert gone.expires_at < now
    coach, st = pk_offer.coach, pk_offer.session_type
    credit = selectors.available_credit(client=bob, coach=coach, session_type=st, now=now)
    assert credit is not None and credit.purchase_id == sooner.pk
    sooner.credits.update(status=PackageCredit.Status.USED)
    credit = selectors.available_credit(client=bob, coach=coach, session_type=st, now=now)
    assert credit is not None and credit.purchase_id == later.pk
    assert selectors.available_credit(client=charlie, coach=coach, session_type=st) is None
    other_type = make_type(coach, name="Other")
    assert selectors.available_credit(client=bob, coach=coach, session_type=other_type) is None
    summaries = selectors.credits_summary(bob, now=now)
    assert [s.available for s in summaries if s.usable] == [5]


# --- Expiry -----------------------------------------------------------------------------------


def _book_with_credit(bob, pk_offer, *, days: int):
    """A session booked through checkout; a package credit pays for it."""
    from tandem.booking.services import BookingRequest
    from tandem.booking.tests.conftest import at

    outcome = checkout.checkout_booking(
        client=bob,
        request=BookingRequest(
            coach=pk_offer.coach, session_type=pk_offer.session_type, start=at(days, 10)
        ),
        pay_with=checkout.PayWith(provider="manual"),
        idempotency_key=None,
    )
    source = outcome.payment.sources.get()
    assert source.kind == "package"
    return PackageCredit.objects.get(pk=source.package_credit_id)


def test_expiry_forfeits_available_credits_and_posts_the_breakage_once(alice, bob, pk_offer):
    purchase = _active(alice, bob, pk_offer, paid_at=timezone.now())
    coach = pk_offer.coach
    used = _book_with_credit(bob, pk_offer, days=2)
    assert used.purchase_id == purchase.pk and used.status == "used"
    assert accounts.package_balance(purchase) == 36000 - used.value
    now = purchase.expires_at + timedelta(seconds=1)
    payable_before = accounts.coach_payable_balance(coach, "EUR")
    revenue_before = ledger.balance(accounts.platform_revenue("EUR"))  # the session's fee
    remaining = 36000 - used.value
    fee = money.share(remaining, money.fee_bp_for(coach))

    assert services.packages_expire(now=now) == 1
    assert services.packages_expire(now=now) == 0  # run twice: nothing more
    call_command("expire_packages")

    purchase.refresh_from_db()
    assert purchase.status == PackagePurchase.Status.EXPIRED
    statuses = dict(purchase.credits.values_list("pk", "status"))
    assert statuses.pop(used.pk) == "used"
    assert set(statuses.values()) == {"forfeited"}
    assert accounts.package_balance(purchase) == 0
    assert accounts.coach_payable_balance(coach, "EUR") == payable_before + remaining - fee
    assert ledger.balance(accounts.platform_revenue("EUR")) == revenue_before + fee
    expire_txns = LedgerTransaction.objects.filter(correlation_key__startswith="package:")
    assert list(expire_txns.values_list("correlation_key", flat=True)) == [
        f"package:{purchase.pk}:expire"
    ]


def test_expiry_leaves_unexpired_and_unpaid_purchases_alone(alice, bob, pk_offer):
    now = timezone.now()
    fresh = _active(alice, bob, pk_offer, paid_at=now)
    unpaid = buy(bob, pk_offer, now=now - timedelta(days=400)).purchase
    assert services.packages_expire(now=now) == 0
    fresh.refresh_from_db()
    unpaid.refresh_from_db()
    assert fresh.status == "active" and unpaid.status == "awaiting_payment"
    assert set(fresh.credits.values_list("status", flat=True)) == {"available"}


def test_expiry_with_everything_used_posts_nothing(alice, bob, pk_offer):
    purchase = _active(alice, bob, pk_offer, paid_at=timezone.now())
    for day in range(2, 7):
        _book_with_credit(bob, pk_offer, days=day)
    now = purchase.expires_at + timedelta(days=1)
    assert services.packages_expire(now=now) == 1
    assert not LedgerTransaction.objects.filter(correlation_key__endswith=":expire").exists()
    purchase.refresh_from_db()
    assert purchase.status == "expired"
    assert set(purchase.credits.values_list("status", flat=True)) == {"used"}


def test_the_booking_sweep_expires_packages_too(alice, bob, pk_offer):
    from tandem.booking.services import booking_sweep

    purchase = _active(alice, bob, pk_offer, paid_at=timezone.now() - timedelta(days=181))
    assert booking_sweep()["packages_expired"] == 1
    purchase.refresh_from_db()
    assert purchase.status == "expired"
    assert booking_sweep()["packages_expired"] == 0


def test_a_free_cancellation_gives_the_credit_back(alice, bob, pk_offer):
    from tandem.booking.services import booking_cancel

    purchase = _active(alice, bob, pk_offer, paid_at=timezone.now())
    used = _book_with_credit(bob, pk_offer, days=5)
    assert accounts.package_balance(purchase) == 36000 - used.value
    coach, session_type = pk_offer.coach, pk_offer.session_type
    assert selectors.credits_left(bob, coach, session_type, timezone.now()) == 4
    booking_cancel(booking_id=used.booking.public_id, user=bob, reason_code="illness")
    used.refresh_from_db()
    assert used.status == "available" and used.booking is None
    assert accounts.package_balance(purchase) == 36000
    credit = selectors.available_credit(client=bob, coach=coach, session_type=session_type)
    assert credit is not None and credit.pk == used.pk  # the lowest index first
