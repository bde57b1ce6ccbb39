"""Moving a seat holds the seat for the new invitation: in a full programme no other invitee
(by link or by the domain rule) can take it first; the reservation ends when the new person
accepts, the invitation is withdrawn, or its link expires. Every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from conftest import make_user
from tandem.core.errors import ServiceError
from tandem.orgs.models import Participant
from tandem.orgs.participants import services
from tandem.orgs.participants.join import joinable_programmes, programme_join
from tandem.orgs.participants.selectors import roster
from tandem.orgs.programmes.services import programme_update

from .conftest import NOW, make_programme, seat

pytestmark = pytest.mark.django_db
Status = Participant.Status
LATER = NOW + timedelta(days=31)  # every link sent at NOW has expired


def _state(programme: Any) -> list[tuple]:
    return list(
        Participant.objects.filter(programme=programme)
        .order_by("pk")
        .values_list("email", "status", "user_id", "token_hash", "seat_reserved")
    )


def _refused(code: str, programme: Any, call: Any) -> None:
    before = _state(programme)
    with pytest.raises(ServiceError) as info:
        call()
    assert info.value.code == code, info.value.message
    assert _state(programme) == before


@pytest.fixture
def sent(monkeypatch) -> dict[str, str]:
    """The raw link last sent to each address (notify.invitations runs after commit)."""
    links: dict[str, str] = {}
    from tandem.orgs import notify

    def remember(pairs, now):
        for pk, raw in pairs:
            links[Participant.objects.get(pk=pk).email] = raw

    monkeypatch.setattr(notify, "invitations", remember)
    return links


@pytest.fixture
def full(northwind, olivia, bob, charlie, sent, django_capture_on_commit_callbacks):
    """A programme of 2 seats held by Bob and Charlie, and an open invitation to Pat (who
    would take the first free seat)."""
    programme = make_programme(northwind, seats=2, join_domain="northwind.example")
    seat(programme, bob)
    seat(programme, charlie)
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_invite(
            programme=programme, email="pat@example.com", actor=olivia, now=NOW
        )
    return programme


def _move_bob(programme, olivia, email="new@example.com", now=NOW, capture=None) -> Participant:
    held = Participant.objects.get(programme=programme, email="bob@example.com")
    with capture(execute=True):
        return services.participant_move(
            participant=held, email=email, name="New", actor=olivia, now=now
        )


def test_a_moved_seat_is_held_for_the_new_person_and_nobody_else_takes_it(
    full, olivia, sent, django_capture_on_commit_callbacks
):
    new = _move_bob(full, olivia, capture=django_capture_on_commit_callbacks)
    assert (new.status, new.seat_reserved) == (Status.INVITED, True)
    assert services.seats_taken(full, NOW) == 2
    pat = make_user("pat@example.com", name="Pat")
    _refused(
        "programme_full",
        full,
        lambda: services.invitation_accept(raw_token=sent["pat@example.com"], user=pat, now=NOW),
    )
    newcomer = make_user("new@example.com", name="New")
    row = services.invitation_accept(raw_token=sent["new@example.com"], user=newcomer, now=NOW)
    assert (row.status, row.seat_reserved, row.user) == (Status.ACTIVE, False, newcomer)
    assert services.seats_taken(full, NOW) == 2
    assert Participant.objects.filter(programme=full, status__in=Participant.SEATED).count() == 2


def test_the_domain_rule_respects_a_held_seat_and_lets_its_owner_in(
    full, olivia, django_capture_on_commit_callbacks
):
    _move_bob(
        full, olivia, email="new@northwind.example", capture=django_capture_on_commit_callbacks
    )
    ann = make_user("ann@northwind.example", name="Ann")
    [offer] = joinable_programmes(ann, now=NOW)
    assert offer.full
    _refused(
        "programme_full",
        full,
        lambda: programme_join(user=ann, programme_id=full.public_id, now=NOW),
    )
    newcomer = make_user("new@northwind.example", name="New")
    row = programme_join(user=newcomer, programme_id=full.public_id, now=NOW)
    assert (row.email, row.status, row.seat_reserved) == ("new@northwind.example", "active", False)


def test_withdrawing_the_invitation_gives_the_seat_back(
    full, olivia, sent, django_capture_on_commit_callbacks
):
    new = _move_bob(full, olivia, capture=django_capture_on_commit_callbacks)
    services.participant_revoke(participant=new, actor=olivia, now=NOW)
    new.refresh_from_db()
    assert (new.status, new.seat_reserved) == (Status.REMOVED, False)
    pat = make_user("pat@example.com", name="Pat")
    row = services.invitation_accept(raw_token=sent["pat@example.com"], user=pat, now=NOW)
    assert row.status == Status.ACTIVE


def test_the_hold_lapses_with_the_link_and_resending_takes_it_again_only_if_free(
    full, olivia, sent, django_capture_on_commit_callbacks
):
    new = _move_bob(full, olivia, capture=django_capture_on_commit_callbacks)
    assert services.seats_taken(full, LATER) == 1  # the link expired: the hold lapsed
    # Resent while a seat is free: the hold comes back, for 30 days from now.
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_resend(participant=new, actor=olivia, now=LATER)
    new.refresh_from_db()
    assert new.seat_reserved and new.holds_reservation(LATER)
    assert services.seats_taken(full, LATER) == 2
    # It lapses again; Pat (invited again, with a fresh link) takes the free seat.
    later_still = LATER + timedelta(days=31)
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_resend(
            participant=Participant.objects.get(programme=full, email="pat@example.com"),
            actor=olivia,
            now=later_still,
        )
    pat = make_user("pat@example.com", name="Pat")
    services.invitation_accept(raw_token=sent["pat@example.com"], user=pat, now=later_still)
    # Resending New's invitation now finds the programme full: it goes out without a seat.
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_resend(participant=new, actor=olivia, now=later_still)
    new.refresh_from_db()
    assert (new.status, new.seat_reserved) == (Status.INVITED, False)
    assert services.seats_taken(full, later_still) == 2
    newcomer = make_user("new@example.com", name="New")
    _refused(
        "programme_full",
        full,
        lambda: services.invitation_accept(
            raw_token=sent["new@example.com"], user=newcomer, now=later_still
        ),
    )


def test_moving_to_an_open_invitation_holds_the_seat_for_it_with_a_fresh_link(
    full, olivia, sent, django_capture_on_commit_callbacks
):
    pat_row = Participant.objects.get(programme=full, email="pat@example.com")
    old_link = sent["pat@example.com"]
    moved = _move_bob(
        full, olivia, email="PAT@example.com", capture=django_capture_on_commit_callbacks
    )
    assert moved.pk == pat_row.pk and moved.seat_reserved
    assert sent["pat@example.com"] != old_link
    assert services.participant_by_token(old_link) is None
    assert Participant.objects.filter(programme=full, email="pat@example.com").count() == 1


def test_moving_to_someone_whose_seat_is_already_held_is_refused(
    full, olivia, charlie, django_capture_on_commit_callbacks
):
    _move_bob(full, olivia, capture=django_capture_on_commit_callbacks)
    charlies = Participant.objects.get(programme=full, user=charlie)
    _refused(
        "already_in_programme",
        full,
        lambda: services.participant_move(
            participant=charlies, email="new@example.com", actor=olivia, now=NOW
        ),
    )


def test_a_refused_move_holds_nothing(full, olivia, charlie):
    bobs = Participant.objects.get(programme=full, email="bob@example.com")
    _refused(
        "already_in_programme",
        full,
        lambda: services.participant_move(
            participant=bobs, email="charlie@example.com", actor=olivia, now=NOW
        ),
    )


def test_seats_cannot_drop_below_those_taken_or_held(
    full, olivia, django_capture_on_commit_callbacks
):
    _move_bob(full, olivia, capture=django_capture_on_commit_callbacks)
    with pytest.raises(ServiceError) as info:
        programme_update(programme=full, values={"seats": 1}, actor=olivia, now=NOW)
    assert info.value.code == "invalid" and "held for someone" in str(info.value.fields)
    full.refresh_from_db()
    assert full.seats == 2


def test_the_roster_and_the_api_say_the_seat_is_held(
    full, olivia, django_capture_on_commit_callbacks
):
    from django.test import Client

    new = _move_bob(full, olivia, capture=django_capture_on_commit_callbacks)
    page = roster(full, now=NOW)
    assert page.held == 1
    assert [row.seat_held for row in page.rows if row.pk == new.pk] == [True]
    assert roster(full, now=LATER).held == 0
    client = Client()
    client.force_login(olivia)
    body = client.get(f"/api/v1/orgs/participants/{new.public_id}").json()
    assert body["seat_held"] is True
    html = client.get(f"/org/programmes/{full.public_id}/participants/").content.decode()
    assert "1 of 2 seats taken and 1 held for an invitation" in html
    assert "A seat is held for them until" in html


def test_only_an_invitation_can_hold_a_seat(full):
    row = Participant.objects.filter(programme=full, status=Status.ACTIVE).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Participant.objects.filter(pk=row.pk).update(seat_reserved=True)


def test_every_status_change_drops_the_hold(full, olivia, django_capture_on_commit_callbacks):
    new = _move_bob(full, olivia, capture=django_capture_on_commit_callbacks)
    services.participant_remove(participant=new, actor=olivia, now=NOW)
    new.refresh_from_db()
    assert (new.status, new.seat_reserved) == (Status.REMOVED, False)
    assert services.seats_taken(full, NOW) == 1
