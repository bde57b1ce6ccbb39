"""Participants' services: invite, add many, resend, revoke, pause, resume, remove, move,
accept. Every refused action changes nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from conftest import make_user
from tandem.core.errors import ServiceError
from tandem.orgs.models import Participant
from tandem.orgs.participants import services
from tandem.orgs.participants.services import token_digest

from .conftest import NOW, make_programme, seat

Status = Participant.Status


def _state(programme: Any) -> list[tuple]:
    return list(
        Participant.objects.filter(programme=programme)
        .order_by("pk")
        .values_list("email", "name", "status", "user_id", "token_hash", "invite_expires_at")
    )


def _refused(code: str, programme: Any, call: Any) -> ServiceError:
    before = _state(programme)
    with pytest.raises(ServiceError) as info:
        call()
    assert info.value.code == code, info.value.message
    assert _state(programme) == before
    return info.value


@pytest.fixture
def sent(monkeypatch) -> list[tuple[int, str]]:
    """Invitations 'sent' (notify.invitations, all of a call at once) after commit."""
    calls: list[tuple[int, str]] = []
    from tandem.orgs import notify

    monkeypatch.setattr(notify, "invitations", lambda pairs, now: calls.extend(pairs))
    return calls


# --- invite ------------------------------------------------------------------------------


def test_invite_lower_cases_stores_only_the_digest_and_sends_after_commit(
    programme, olivia, sent, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        participant = services.participant_invite(
            programme=programme, email="  Pat@Northwind.Example ", name="Pat", actor=olivia, now=NOW
        )
    assert participant.email == "pat@northwind.example"
    assert participant.status == Status.INVITED
    assert participant.invite_expires_at == NOW + timedelta(days=30)
    assert len(sent) == 1 and sent[0][0] == participant.pk
    raw = sent[0][1]
    assert participant.token_hash == token_digest(raw) and raw not in participant.token_hash
    assert services.participant_by_token(raw).pk == participant.pk


@pytest.mark.parametrize(
    ("email", "name"),
    [
        ("not-an-email", ""),
        ("", ""),
        ("a\x00b@x.example", ""),
        ("x" * 300 + "@a.example", ""),
        (42, ""),
        (None, ""),
        ("ok@x.example", "n" * 151),
        ("ok@x.example", "a\x00"),
    ],
)
def test_invite_refuses_bad_input(programme, olivia, email, name):
    _refused(
        "invalid",
        programme,
        lambda: services.participant_invite(
            programme=programme, email=email, name=name, actor=olivia, now=NOW
        ),
    )


def test_invite_refuses_a_duplicate_but_re_invites_a_removed_person(programme, olivia, bob):
    seat(programme, bob)
    error = _refused(
        "already_in_programme",
        programme,
        lambda: services.participant_invite(
            programme=programme, email="BOB@example.com", actor=olivia, now=NOW
        ),
    )
    assert "already in this programme" in error.message
    row = Participant.objects.get(programme=programme, email="bob@example.com")
    row.status = Status.REMOVED
    row.save()
    again = services.participant_invite(
        programme=programme, email="bob@example.com", actor=olivia, now=NOW
    )
    assert again.pk == row.pk and again.status == Status.INVITED and again.user_id is None


def test_invite_into_an_ended_programme_is_refused(northwind, olivia):
    ended = make_programme(northwind, status="ended")
    _refused(
        "programme_ended",
        ended,
        lambda: services.participant_invite(
            programme=ended, email="x@example.com", actor=olivia, now=NOW
        ),
    )


# --- add many ----------------------------------------------------------------------------


def test_add_many_creates_all_and_sends_each(
    programme, olivia, sent, django_capture_on_commit_callbacks
):
    rows = [(f"P{i}@Example.com", f"P {i}") for i in range(30)]
    with django_capture_on_commit_callbacks(execute=True):
        made = services.participant_add_many(
            programme=programme, rows=rows, source="csv", actor=olivia, now=NOW
        )
    assert [p.email for p in made] == [f"p{i}@example.com" for i in range(30)]
    assert {p.source for p in made} == {"csv"}
    assert len(sent) == 30
    assert len({p.token_hash for p in made}) == 30


def test_add_many_is_all_or_nothing(programme, olivia, bob):
    seat(programme, bob)
    error = _refused(
        "already_in_programme",
        programme,
        lambda: services.participant_add_many(
            programme=programme,
            rows=[("new@example.com", "New"), ("bob@example.com", "Bob")],
            source="csv",
            actor=olivia,
            now=NOW,
        ),
    )
    assert error.fields == {"emails": ["bob@example.com"]}
    error = _refused(
        "already_in_programme",
        programme,
        lambda: services.participant_add_many(
            programme=programme,
            rows=[("a@example.com", ""), ("A@example.com", "")],
            source="csv",
            actor=olivia,
            now=NOW,
        ),
    )
    assert error.fields == {"emails": ["a@example.com"]}
    error = _refused(
        "invalid",
        programme,
        lambda: services.participant_add_many(
            programme=programme,
            rows=[("a@example.com", ""), ("broken", "")],
            source="csv",
            actor=olivia,
            now=NOW,
        ),
    )
    assert error.fields["rows"][0].startswith("1:")


# --- accept ------------------------------------------------------------------------------


def _invite(programme: Any, olivia: Any, email: str, sent: list, capture: Any) -> str:
    with capture(execute=True):
        services.participant_invite(programme=programme, email=email, actor=olivia, now=NOW)
    return sent[-1][1]


def test_accept_takes_a_seat_and_twice_answers_the_same(
    programme, olivia, bob, sent, django_capture_on_commit_callbacks
):
    raw = _invite(programme, olivia, "bob@example.com", sent, django_capture_on_commit_callbacks)
    row = services.invitation_accept(raw_token=raw, user=bob, now=NOW)
    assert (row.status, row.user_id, row.accepted_at) == (Status.ACTIVE, bob.pk, NOW)
    assert services.invitation_accept(raw_token=raw, user=bob, now=NOW).pk == row.pk


def test_accept_refusals(programme, olivia, bob, charlie, sent, django_capture_on_commit_callbacks):
    raw = _invite(programme, olivia, "bob@example.com", sent, django_capture_on_commit_callbacks)
    _refused(
        "invitation_not_found",
        programme,
        lambda: services.invitation_accept(raw_token="nope", user=bob, now=NOW),
    )
    _refused(
        "invitation_not_found",
        programme,
        lambda: services.invitation_accept(raw_token="a\x00", user=bob, now=NOW),
    )
    _refused(
        "invitation_other_email",
        programme,
        lambda: services.invitation_accept(raw_token=raw, user=charlie, now=NOW),
    )
    _refused(
        "invitation_expired",
        programme,
        lambda: services.invitation_accept(raw_token=raw, user=bob, now=NOW + timedelta(days=31)),
    )
    unverified = make_user("dan@example.com", name="Dan", verified=False)
    raw_dan = _invite(
        programme, olivia, "dan@example.com", sent, django_capture_on_commit_callbacks
    )
    _refused(
        "invitation_other_email",
        programme,
        lambda: services.invitation_accept(raw_token=raw_dan, user=unverified, now=NOW),
    )


def test_accept_when_full_is_refused(
    northwind, olivia, bob, alice, sent, django_capture_on_commit_callbacks
):
    small = make_programme(northwind, seats=1)
    seat(small, alice)
    raw = _invite(small, olivia, "bob@example.com", sent, django_capture_on_commit_callbacks)
    error = _refused(
        "programme_full",
        small,
        lambda: services.invitation_accept(raw_token=raw, user=bob, now=NOW),
    )
    assert error.status == 409


def test_resend_replaces_the_link(programme, olivia, bob, sent, django_capture_on_commit_callbacks):
    old = _invite(programme, olivia, "bob@example.com", sent, django_capture_on_commit_callbacks)
    row = Participant.objects.get(email="bob@example.com")
    with django_capture_on_commit_callbacks(execute=True):
        services.participant_resend(participant=row, actor=olivia, now=NOW + timedelta(days=1))
    new = sent[-1][1]
    assert new != old
    _refused(
        "invitation_not_found",
        programme,
        lambda: services.invitation_accept(raw_token=old, user=bob, now=NOW),
    )
    assert services.invitation_accept(raw_token=new, user=bob, now=NOW).status == Status.ACTIVE
    _refused(
        "participant_status",
        programme,
        lambda: services.participant_resend(participant=row, actor=olivia, now=NOW),
    )


def test_revoke_pause_resume_remove(
    programme, olivia, bob, alice, sent, django_capture_on_commit_callbacks
):
    raw = _invite(programme, olivia, "x@example.com", sent, django_capture_on_commit_callbacks)
    invited = Participant.objects.get(email="x@example.com")
    services.participant_revoke(participant=invited, actor=olivia, now=NOW)
    assert services.participant_by_token(raw) is None
    _refused(
        "participant_status",
        programme,
        lambda: services.participant_revoke(participant=invited, actor=olivia, now=NOW),
    )
    held = seat(programme, bob)
    _refused(
        "participant_status",
        programme,
        lambda: services.participant_resume(participant=held, actor=olivia, now=NOW),
    )
    assert services.participant_pause(participant=held, actor=olivia, now=NOW).status == "paused"
    _refused(
        "participant_status",
        programme,
        lambda: services.participant_pause(participant=held, actor=olivia, now=NOW),
    )
    assert services.participant_resume(participant=held, actor=olivia, now=NOW).status == "active"
    assert services.participant_remove(participant=held, actor=olivia, now=NOW).status == "removed"
    _refused(
        "participant_status",
        programme,
        lambda: services.participant_remove(participant=held, actor=olivia, now=NOW),
    )


def test_move_gives_the_seat_to_another_address(
    programme, olivia, bob, sent, django_capture_on_commit_callbacks
):
    held = seat(programme, bob)
    with django_capture_on_commit_callbacks(execute=True):
        new = services.participant_move(
            participant=held, email="New@Example.com", name="New", actor=olivia, now=NOW
        )
    held.refresh_from_db()
    assert held.status == Status.REMOVED
    assert (new.email, new.status) == ("new@example.com", Status.INVITED)
    assert sent[-1][0] == new.pk
    other = seat(programme, make_user("z@example.com", name="Z"))
    _refused(
        "already_in_programme",
        programme,
        lambda: services.participant_move(
            participant=other, email="new@example.com", actor=olivia, now=NOW
        ),
    )
    _refused(
        "participant_status",
        programme,
        lambda: services.participant_move(
            participant=new, email="q@example.com", actor=olivia, now=NOW
        ),
    )


def test_remove_cancels_the_upcoming_sponsored_sessions(
    programme, olivia, bob, coach, session_type
):
    from tandem.booking.models import Booking
    from tandem.orgs.models import SponsoredSession
    from tandem.orgs.tests.test_sponsorship_port import claim, fund

    fund(programme, 100_000)
    held = seat(programme, bob, coach=coach)
    assert claim(bob, session_type, start=NOW + timedelta(days=2)) is not None
    booking = SponsoredSession.objects.get().booking
    services.participant_remove(participant=held, actor=olivia, now=NOW)
    booking.refresh_from_db()
    assert booking.status == Booking.Status.CANCELLED and booking.cancelled_by == bob
    held.refresh_from_db()
    assert held.status == Status.REMOVED


def test_pause_and_remove_on_an_ended_programme(programme, olivia, bob):
    held = seat(programme, bob)
    programme.status = "ended"
    programme.save()
    _refused(
        "programme_ended",
        programme,
        lambda: services.participant_pause(participant=held, actor=olivia, now=NOW),
    )
