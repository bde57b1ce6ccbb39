"""Programme services: create, change (extend, add seats), fund, end. Refused actions change
nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from tandem.booking.models import Booking
from tandem.coaches.models import Specialty
from tandem.core.errors import ServiceError
from tandem.orgs.models import Programme, SponsoredSession
from tandem.orgs.programmes import services
from tandem.orgs.tests.test_sponsorship_port import claim, fund
from tandem.payments.sponsors import selectors as budget_selectors

from .conftest import NOW, seat

VALUES: dict[str, Any] = {
    "name": "Managers 2030",
    "starts_on": date(2030, 4, 1),
    "ends_on": date(2030, 12, 31),
    "seats": 10,
    "sessions_per_participant": 6,
}


def _state() -> list[tuple]:
    return list(
        Programme.objects.order_by("pk").values_list(
            "name",
            "status",
            "seats",
            "starts_on",
            "ends_on",
            "currency",
            "coach_rule",
            "join_domain",
            "ended_at",
        )
    )


def _refused(code: str, call: Any) -> ServiceError:
    before = _state()
    with pytest.raises(ServiceError) as info:
        call()
    assert info.value.code == code, (info.value.message, info.value.fields)
    assert _state() == before
    return info.value


def test_create_with_every_setting(northwind, olivia, coach):
    coach.is_verified = True
    coach.save()
    focus = Specialty.objects.create(slug="focus", name="Focus")
    made = services.programme_create(
        organisation=northwind,
        values={
            **VALUES,
            "coach_rule": "listed",
            "coaches": [str(coach.public_id)],
            "specialties": ["focus"],
            "max_session_minutes": 60,
            "location": "video",
            "currency": "GBP",
            "join_domain": " @Northwind.Example ",
            "survey_enabled": True,
        },
        actor=olivia,
        now=NOW,
    )
    assert made.status == "active" and made.created_by == olivia
    assert list(made.coaches.all()) == [coach] and list(made.specialties.all()) == [focus]
    assert (made.join_domain, made.currency, made.max_session_minutes) == (
        "northwind.example",
        "GBP",
        60,
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 121}, "name"),
        ({"name": "a\x00"}, "name"),
        ({"seats": 0}, "seats"),
        ({"seats": "3"}, "seats"),
        ({"seats": True}, "seats"),
        ({"sessions_per_participant": 101}, "sessions_per_participant"),
        ({"ends_on": date(2030, 3, 1)}, "ends_on"),
        ({"starts_on": date(2029, 1, 1), "ends_on": date(2029, 12, 31)}, "ends_on"),
        ({"currency": "XYZ"}, "currency"),
        ({"location": "moon"}, "location"),
        ({"max_session_minutes": 5}, "max_session_minutes"),
        ({"coach_rule": "listed"}, "coaches"),
        ({"coach_rule": "specialty"}, "specialties"),
        ({"coach_rule": "listed", "coaches": ["not-a-uuid"]}, "coaches"),
        ({"coaches": ["00000000-0000-0000-0000-000000000000"]}, "coaches"),
        ({"join_domain": "not a domain"}, "join_domain"),
        ({"join_domain": "x@y.example"}, "join_domain"),
        ({"survey_enabled": "yes"}, "survey_enabled"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_create_refuses_bad_values(northwind, olivia, change, field):
    error = _refused(
        "invalid",
        lambda: services.programme_create(
            organisation=northwind, values={**VALUES, **change}, actor=olivia, now=NOW
        ),
    )
    assert field in error.fields


def test_create_lists_every_missing_field(northwind, olivia):
    error = _refused(
        "invalid",
        lambda: services.programme_create(organisation=northwind, values={}, actor=olivia, now=NOW),
    )
    assert {"name", "starts_on", "ends_on", "seats", "sessions_per_participant"} <= set(
        error.fields
    )


def test_update_extends_and_adds_seats(programme, olivia, bob):
    seat(programme, bob)
    changed = services.programme_update(
        programme=programme,
        values={"ends_on": date(2031, 3, 31), "seats": 25, "name": "Leaders"},
        actor=olivia,
        now=NOW,
    )
    assert (changed.ends_on, changed.seats, changed.name) == (date(2031, 3, 31), 25, "Leaders")


def test_update_refusals(programme, olivia, bob, charlie):
    seat(programme, bob)
    seat(programme, charlie)
    for values, field in [
        ({"ends_on": date(2030, 6, 30)}, "ends_on"),
        ({"starts_on": date(2030, 2, 1)}, "starts_on"),  # started on 1 January
        ({"seats": 1}, "seats"),
        ({"currency": "GBP"}, "currency"),
    ]:
        error = _refused(
            "invalid",
            lambda values=values: services.programme_update(
                programme=programme, values=values, actor=olivia, now=NOW
            ),
        )
        assert field in error.fields
    programme.status = "ended"
    programme.save()
    _refused(
        "programme_ended",
        lambda: services.programme_update(
            programme=programme, values={"seats": 30}, actor=olivia, now=NOW
        ),
    )


def test_a_start_date_can_move_before_the_programme_starts(northwind, olivia):
    later = services.programme_create(organisation=northwind, values=VALUES, actor=olivia, now=NOW)
    moved = services.programme_update(
        programme=later, values={"starts_on": date(2030, 5, 1)}, actor=olivia, now=NOW
    )
    assert moved.starts_on == date(2030, 5, 1)


def test_fund_and_alerts_after_commit(
    programme, olivia, monkeypatch, django_capture_on_commit_callbacks
):
    checked: list[int] = []
    monkeypatch.setattr("tandem.orgs.notify.budget_checked", lambda pk, now: checked.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        services.programme_fund(
            programme=programme, amount=50_000, method="invoice", actor=olivia, now=NOW
        )
    assert checked == [programme.pk]
    assert budget_selectors.budget(programme.budget_owner, "EUR").balance == 50_000
    with pytest.raises(ServiceError) as info:
        services.programme_fund(
            programme=programme, amount=10, method="org_credit", actor=olivia, now=NOW
        )
    assert info.value.status == 409
    assert budget_selectors.budget(programme.budget_owner, "EUR").funded == 50_000


def test_end_cancels_upcoming_sponsored_bookings_and_moves_the_rest_to_credit(
    programme, olivia, bob, coach, session_type
):
    fund(programme, 100_000)
    seat(programme, bob, coach=coach)
    assert claim(bob, session_type, start=NOW + timedelta(days=2)) is not None
    upcoming = SponsoredSession.objects.get().booking
    outcome = services.programme_end(programme=programme, actor=olivia, now=NOW)
    assert outcome.bookings_cancelled == 1
    upcoming.refresh_from_db()
    assert upcoming.status == Booking.Status.CANCELLED and upcoming.cancelled_by == bob
    programme.refresh_from_db()
    assert programme.status == "ended" and programme.ended_at == NOW
    figures = budget_selectors.budget(programme.budget_owner, "EUR")
    assert figures.balance == 0 and outcome.credit_moved == figures.closed > 0
    credit = budget_selectors.org_credit_balance(f"org:{programme.organisation_id}", "EUR")
    assert credit == outcome.credit_moved
    _refused(
        "programme_ended",
        lambda: services.programme_end(programme=programme, actor=olivia, now=NOW),
    )


def test_end_leaves_past_sessions_alone(programme, olivia, bob, coach, session_type):
    fund(programme, 100_000)
    seat(programme, bob, coach=coach)
    assert claim(bob, session_type, start=NOW + timedelta(hours=1)) is not None
    booking = SponsoredSession.objects.get().booking
    later = NOW + timedelta(hours=3)  # the session has begun and ended by then
    outcome = services.programme_end(programme=programme, actor=olivia, now=later)
    booking.refresh_from_db()
    assert outcome.bookings_cancelled == 0 and booking.status != Booking.Status.CANCELLED
