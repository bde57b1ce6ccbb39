"""The ROI view's money: the cost of a session held counts only the money spent on sessions
that took place; what was paid for sessions still to come, kept for no-shows and for late
cancellations are their own lines, and the lines add up to the budget's "Spent" (the
ledger's, as on the budget page). Small groups stay hidden."""

from __future__ import annotations

import re

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from tandem.booking.models import Booking
from tandem.orgs.models import SponsoredSession
from tandem.orgs.reporting.selectors import Figure, programme_report
from tandem.payments.ledger import services as ledger
from tandem.payments.models import Account

from .conftest import NOW
from .test_reporting_selectors import fund, make_participants, sponsor

PRICE = 12_000  # 120.00 EUR
KEPT_FOR_NO_SHOW = 6_000  # the no-show policy kept half


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def _post(programme, reason: str, amount: int, key: str) -> None:
    """A ledger posting on the programme's budget as payments makes it: `payment_take` draws
    from the budget, `refund` gives back to it."""
    with transaction.atomic():
        budget = ledger.account(
            Account.Kind.SPONSOR_BUDGET, programme.currency, owner=programme.budget_owner
        )
        other = ledger.account(Account.Kind.PROVIDER_CLEARING, programme.currency, owner="manual")
        sign = 1 if reason == "payment_take" else -1
        ledger.post(
            reason=reason,
            correlation_key=f"test:{key}",
            legs=[(budget, sign * amount), (other, -sign * amount)],
            now=NOW,
        )


def _book(programme, person, session_type, *, days: float, status: str, returned: int = 0):
    booking = sponsor(programme, person, session_type, days=days, status=status, amount=PRICE)
    if status != Booking.Status.CANCELLED:
        SponsoredSession.objects.filter(booking=booking).update(returned=returned)
    given_back = PRICE if status == Booking.Status.CANCELLED else returned
    _post(programme, "payment_take", PRICE, f"take:{booking.pk}")
    if given_back:
        _post(programme, "refund", given_back, f"back:{booking.pk}")


@pytest.fixture
def demo(programme, coach, session_type):
    """Like the demo's programme: 18 sessions held and 9 still to come at 120 EUR, five
    no-shows (60 EUR kept each) and five cancellations given back whole, over 6 people."""
    fund(programme, 1_000_000)
    people = make_participants(programme, 6, coach)
    for person in people:
        for day in (-40, -20, -5):
            _book(programme, person, session_type, days=day, status=Booking.Status.COMPLETED)
    # each person's other sessions on their own days (the coach's bookings never overlap)
    for i, person in enumerate(people):
        for day in (3, 10)[: 2 if i < 3 else 1]:
            _book(programme, person, session_type, days=day + i, status=Booking.Status.CONFIRMED)
    for i, person in enumerate(people[:5]):
        _book(
            programme,
            person,
            session_type,
            days=-10 - i,
            status=Booking.Status.NO_SHOW,
            returned=PRICE - KEPT_FOR_NO_SHOW,
        )
        _book(programme, person, session_type, days=-12 - i, status=Booking.Status.CANCELLED)
    programme.refresh_from_db()
    return programme


def test_cost_of_a_session_held_counts_only_the_money_spent_on_held_sessions(demo):
    report = programme_report(demo, now=NOW, zone="Europe/London")
    assert report.sessions.held == Figure(18) and report.sessions.upcoming == Figure(9)
    s = report.spending
    assert s.held == Figure(18 * PRICE)
    assert s.committed == Figure(9 * PRICE)
    assert s.no_show == Figure(5 * KEPT_FOR_NO_SHOW)
    assert s.cancelled == Figure(0)
    # the lines add up to the ledger's "Spent", which the budget page shows
    assert s.held.value + s.committed.value + s.no_show.value + s.cancelled.value == (
        report.budget.spent
    )
    assert report.cost_per_held_session == Figure(PRICE)  # was Spent / held = 196.67 EUR
    assert report.held_per_1000 == Figure(round(18 / (18 * PRICE) * 1000 * 100, 2))


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_roi_page_labels_each_money_figure_and_the_lines_reconcile_with_spent(demo, olivia):
    client = Client()
    client.force_login(olivia)
    html = text(client.get(f"/org/programmes/{demo.public_id}/roi/"))
    assert "Average cost of a session held" in html
    assert 'data-figure="cost_per_held_session">120.00 EUR<' in html
    assert "Sessions held per 1,000 EUR spent on them" in html
    assert 'data-figure="held_per_1000">8.33<' in html
    lines = dict(re.findall(r'data-spending="(\w+)">.*?<td class="text-end[^"]*">([^<]*)<', html))
    assert lines == {
        "held": "2,160.00 EUR",
        "committed": "1,080.00 EUR",
        "no_show": "300.00 EUR",
        "cancelled": "0.00 EUR",
        "spent": "3,540.00 EUR",
    }
    # the same "Spent" as the budget page (the ledger's)
    budget = text(client.get(f"/org/programmes/{demo.public_id}/budget/"))
    assert "3,540.00 EUR" in budget


def test_a_money_line_over_fewer_than_five_hides_another(programme, coach, session_type):
    """One no-show: its money is hidden with its count; since the lines add up to the exact
    "Spent", the smallest non-zero other line is withheld too."""
    fund(programme, 1_000_000)
    people = make_participants(programme, 6, coach)
    for person in people:
        _book(programme, person, session_type, days=-5, status=Booking.Status.COMPLETED)
        _book(programme, person, session_type, days=4, status=Booking.Status.CONFIRMED)
        _book(programme, person, session_type, days=5, status=Booking.Status.CONFIRMED)
    _book(programme, people[0], session_type, days=-3, status=Booking.Status.NO_SHOW)
    programme.refresh_from_db()
    report = programme_report(programme, now=NOW, zone="Europe/London")
    s = report.spending
    assert s.no_show.suppressed and not s.no_show.withheld
    assert s.held.withheld  # 6 sessions, the smaller non-zero of held (6) and committed (12)
    assert s.committed == Figure(12 * PRICE) and s.cancelled == Figure(0)
    assert report.cost_per_held_session.suppressed and report.held_per_1000.suppressed


def test_a_withheld_session_count_withholds_its_money_line(programme, coach, session_type):
    """As in the demo: one no-show hides its count, and the smaller of held (12) and upcoming
    (6) is withheld; the money paid for upcoming sessions goes with it (6 x 120 EUR would
    give the 6 back), the money on the 12 held sessions stays."""
    fund(programme, 1_000_000)
    people = make_participants(programme, 6, coach)
    for person in people:
        _book(programme, person, session_type, days=-9, status=Booking.Status.COMPLETED)
        _book(programme, person, session_type, days=-5, status=Booking.Status.COMPLETED)
        _book(programme, person, session_type, days=4, status=Booking.Status.CONFIRMED)
    _book(programme, people[0], session_type, days=-3, status=Booking.Status.NO_SHOW)
    programme.refresh_from_db()
    report = programme_report(programme, now=NOW, zone="Europe/London")
    assert report.sessions.upcoming.withheld and report.sessions.held == Figure(12)
    s = report.spending
    assert s.committed.withheld and s.no_show.suppressed
    assert s.held == Figure(12 * PRICE) and s.cancelled == Figure(0)
    assert report.cost_per_held_session == Figure(PRICE)


def test_the_report_api_gives_the_money_lines(demo, olivia):
    client = Client()
    client.force_login(olivia)
    body = client.get(f"/api/v1/orgs/programmes/{demo.public_id}/report").json()
    assert body["spending"]["committed"] == {"value": 9 * PRICE, "suppressed": False}
    assert body["roi"]["cost_per_held_session"] == {"value": PRICE, "suppressed": False}
