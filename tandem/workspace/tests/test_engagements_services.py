"""Engagement services: starting on a first booking, next/last session, states, tags,
invitations. Every refused action checks that nothing changed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail

from tandem.booking import services as booking_services
from tandem.booking.signals import booking_changed
from tandem.workspace.models import Engagement, EngagementTag, Invitation
from tandem.workspace.services import engagements as services
from tandem.workspace.services import invitations
from tandem.workspace.services.errors import (
    EngagementEnded,
    EngagementNotFound,
    InvalidInput,
    NotAllowed,
)

from .engagements_data import *  # noqa: F403
from .engagements_data import NOW, at, book, engagement, snapshot

pytestmark = pytest.mark.django_db


# --- Starting with the first booking -------------------------------------------------------


def test_booking_changes_reach_the_workspace_through_booking_signal():
    from tandem.booking.models import Booking

    assert booking_changed.has_listeners(Booking)


def test_first_booking_starts_the_engagement_and_a_second_only_refreshes_it(
    bob, coach, session_type, django_capture_on_commit_callbacks
):
    first = book(bob, coach, session_type, at(3, 10), django_capture_on_commit_callbacks)
    found = Engagement.objects.get()
    assert (found.coach, found.client, found.state, found.source) == (
        coach,
        bob,
        "active",
        "booking",
    )
    assert found.next_session_at == first.start

    second = book(bob, coach, session_type, at(2, 10), django_capture_on_commit_callbacks)
    again = Engagement.objects.get()
    assert again.pk == found.pk and again.started_at == found.started_at
    assert again.next_session_at == second.start  # the sooner one


def test_the_sweep_starts_an_engagement_whose_signal_was_lost(bob, coach, session_type):
    from tandem.booking.services.sweep import booking_sweep

    # No on-commit callbacks run here: as if the process died right after the commit.
    made = booking_services.booking_create(
        client=bob,
        request=booking_services.BookingRequest(
            coach=coach, session_type=session_type, start=at(3, 10)
        ),
        now=at(3, 10) - timedelta(days=1),
    ).booking
    assert not Engagement.objects.exists()
    later = made.created_at + timedelta(hours=1)
    assert booking_sweep(now=later)["engagements_started"] == 1
    found = Engagement.objects.get()
    assert (found.coach, found.client, found.next_session_at) == (coach, bob, made.start)
    assert booking_sweep(now=later)["engagements_started"] == 0  # once
    assert Engagement.objects.count() == 1


def test_a_booking_rolled_back_starts_nothing(bob, coach, session_type):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        booking_services.booking_create(
            client=bob,
            request=booking_services.BookingRequest(
                coach=coach, session_type=session_type, start=at(3, 10)
            ),
        )
        raise RuntimeError("rolled back")
    assert not Engagement.objects.exists()


def test_cancelling_and_completing_keep_next_and_last_current(
    bob, alice, coach, session_type, django_capture_on_commit_callbacks
):
    past = book(bob, coach, session_type, at(-2, 10), django_capture_on_commit_callbacks)
    upcoming = book(bob, coach, session_type, at(4, 10), django_capture_on_commit_callbacks)
    found = Engagement.objects.get()
    assert (found.next_session_at, found.last_session_at) == (upcoming.start, past.start)

    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_cancel(
            booking_id=upcoming.public_id, user=bob, reason_code="schedule_conflict"
        )
    found.refresh_from_db()
    assert (found.next_session_at, found.last_session_at) == (None, past.start)

    with django_capture_on_commit_callbacks(execute=True):
        booking_services.booking_complete(booking_id=past.public_id, user=alice)
    found.refresh_from_db()
    assert found.last_session_at == past.start


def test_follow_booking_is_idempotent(bob, coach):
    one = services.engagement_follow_booking(coach_id=coach.pk, client_id=bob.pk, now=NOW)
    two = services.engagement_follow_booking(coach_id=coach.pk, client_id=bob.pk, now=NOW)
    assert one.pk == two.pk and Engagement.objects.count() == 1


def test_a_booking_with_an_ended_engagement_keeps_it_ended(bob, coach):
    engagement(coach, bob, state="ended")
    services.engagement_follow_booking(coach_id=coach.pk, client_id=bob.pk, now=NOW)
    assert Engagement.objects.get().state == "ended"


# --- States --------------------------------------------------------------------------------


def test_coach_pauses_and_resumes_either_side_ends(alice, bob, coach):
    found = engagement(coach, bob)
    assert (
        services.engagement_set_state(
            user=alice, engagement_id=found.public_id, state="paused", now=NOW
        ).state
        == "paused"
    )
    assert (
        services.engagement_set_state(
            user=alice, engagement_id=found.public_id, state="active", now=NOW
        ).state
        == "active"
    )
    ended = services.engagement_set_state(
        user=bob, engagement_id=found.public_id, state="ended", now=NOW
    )
    assert (ended.state, ended.ended_by, ended.state_changed_at) == ("ended", bob, NOW)


def test_the_same_state_again_changes_nothing(alice, bob, coach):
    found = engagement(coach, bob, state_changed_at=NOW - timedelta(days=1))
    before = snapshot(Engagement)
    services.engagement_set_state(user=alice, engagement_id=found.public_id, state="active")
    assert snapshot(Engagement) == before


@pytest.mark.parametrize(
    ("start", "who", "target", "error"),
    [
        ("active", "bob", "paused", NotAllowed),  # the client does not pause
        ("paused", "bob", "active", NotAllowed),  # nor resume
        ("ended", "alice", "active", EngagementEnded),
        ("ended", "bob", "paused", EngagementEnded),
        ("active", "alice", "closed", InvalidInput),
        ("active", "alice", None, InvalidInput),
        ("active", "charlie", "ended", EngagementNotFound),
        ("active", "dora", "ended", EngagementNotFound),
        ("active", "staff_user", "ended", EngagementNotFound),
    ],
)
def test_refused_transitions_change_nothing(request, bob, coach, start, who, target, error):
    found = engagement(coach, bob, state=start)
    before = snapshot(Engagement)
    with pytest.raises(error):
        services.engagement_set_state(
            user=request.getfixturevalue(who), engagement_id=found.public_id, state=target
        )
    assert snapshot(Engagement) == before


def test_ensure_writable_refuses_an_ended_engagement(bob, coach):
    found = engagement(coach, bob)
    services.ensure_writable(found)
    found.state = "ended"
    with pytest.raises(EngagementEnded) as raised:
        services.ensure_writable(found)
    assert (raised.value.status, raised.value.code) == (409, "engagement_ended")


def test_unknown_and_malformed_ids_are_not_found(alice):
    for bad in ("nope", "00000000-0000-0000-0000-000000000000", None, "x" * 5000):
        with pytest.raises(EngagementNotFound):
            services.engagement_set_state(user=alice, engagement_id=bad, state="ended")


# --- Tags ----------------------------------------------------------------------------------


def test_coach_adds_and_removes_tags(alice, bob, coach):
    found = engagement(coach, bob)
    assert services.tag_add(user=alice, engagement_id=found.public_id, name="  Pro   Bono ") == (
        "pro bono"
    )
    services.tag_add(user=alice, engagement_id=found.public_id, name="PRO BONO")
    assert list(EngagementTag.objects.values_list("name", flat=True)) == ["pro bono"]
    services.tag_remove(user=alice, engagement_id=found.public_id, name="Pro Bono")
    services.tag_remove(user=alice, engagement_id=found.public_id, name="never there")
    assert not EngagementTag.objects.exists()


@pytest.mark.parametrize(
    ("who", "name", "error"),
    [
        ("bob", "vip", NotAllowed),
        ("charlie", "vip", EngagementNotFound),
        ("alice", "", InvalidInput),
        ("alice", "a\x00b", InvalidInput),
        ("alice", "x" * 41, InvalidInput),
        ("alice", 7, InvalidInput),
    ],
)
def test_refused_tags_change_nothing(request, bob, coach, who, name, error):
    found = engagement(coach, bob)
    EngagementTag.objects.create(engagement=found, name="kept")
    before = snapshot(EngagementTag), snapshot(Engagement)
    with pytest.raises(error):
        services.tag_add(
            user=request.getfixturevalue(who), engagement_id=found.public_id, name=name
        )
    assert (snapshot(EngagementTag), snapshot(Engagement)) == before


# --- Invitations ---------------------------------------------------------------------------


def _invite(alice, email, capture, now=NOW):
    with capture(execute=True):
        invitation = invitations.invitation_create(coach_user=alice, email=email, now=now)
    token = mail.outbox[-1].body.split("/workspace/invitations/")[1].split("/")[0]
    return invitation, token


def test_invitation_stores_only_a_digest_and_emails_the_public_link(
    alice, coach, settings, django_capture_on_commit_callbacks
):
    settings.TANDEM_SITE_URL = "https://coach.example.org"
    invitation, token = _invite(alice, "New@Example.com", django_capture_on_commit_callbacks)
    message = mail.outbox[-1]
    assert message.to == ["new@example.com"]
    assert f"https://coach.example.org/workspace/invitations/{token}/" in message.body
    assert invitation.email == "new@example.com"
    assert invitation.expires_at == NOW + timedelta(days=14)
    stored = Invitation.objects.get()
    assert token not in str(Invitation.objects.values_list())
    assert stored.token_digest == invitations.token_digest(token)


def test_accepting_links_an_existing_account(alice, bob, coach, django_capture_on_commit_callbacks):
    _, token = _invite(alice, "bob@example.com", django_capture_on_commit_callbacks)
    found = invitations.invitation_accept(user=bob, token=token, now=NOW + timedelta(days=1))
    assert (found.coach, found.client, found.source, found.state) == (
        coach,
        bob,
        "invitation",
        "active",
    )
    assert Invitation.objects.get().engagement == found
    # Accepting again answers the same.
    again = invitations.invitation_accept(user=bob, token=token, now=NOW + timedelta(days=2))
    assert again.pk == found.pk and Engagement.objects.count() == 1


def test_accepting_reopens_an_ended_engagement(
    alice, bob, coach, django_capture_on_commit_callbacks
):
    ended = engagement(coach, bob, state="ended", ended_by=bob)
    _, token = _invite(alice, "bob@example.com", django_capture_on_commit_callbacks)
    found = invitations.invitation_accept(user=bob, token=token, now=NOW)
    assert found.pk == ended.pk and found.state == "active" and found.ended_by is None


def test_inviting_an_existing_client_is_a_conflict(
    alice, bob, coach, django_capture_on_commit_callbacks
):
    engagement(coach, bob, state="paused")
    with pytest.raises(invitations.AlreadyClient) as raised:
        invitations.invitation_create(coach_user=alice, email="BOB@example.com", now=NOW)
    assert raised.value.status == 409
    assert not Invitation.objects.exists() and not mail.outbox


def test_inviting_again_replaces_the_open_link(
    alice, bob, coach, django_capture_on_commit_callbacks
):
    _, old = _invite(alice, "bob@example.com", django_capture_on_commit_callbacks)
    _, new = _invite(alice, "bob@example.com", django_capture_on_commit_callbacks)
    with pytest.raises(invitations.InvitationNotFound):
        invitations.invitation_accept(user=bob, token=old, now=NOW)
    assert invitations.invitation_accept(user=bob, token=new, now=NOW).client == bob


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("expired", invitations.InvitationExpired),
        ("other_email", NotAllowed),
        ("used_by_other", invitations.InvitationUsed),
        ("unknown", invitations.InvitationNotFound),
        ("garbage", invitations.InvitationNotFound),
    ],
)
def test_refused_acceptance_changes_nothing(
    alice, bob, charlie, coach, case, error, django_capture_on_commit_callbacks
):
    email = "charlie@example.com" if case == "used_by_other" else "bob@example.com"
    _, token = _invite(alice, email, django_capture_on_commit_callbacks)
    if case == "used_by_other":
        invitations.invitation_accept(user=charlie, token=token, now=NOW)
    before = snapshot(Invitation), snapshot(Engagement)
    when = NOW + timedelta(days=14) if case == "expired" else NOW
    user = charlie if case == "other_email" else bob
    token = {"unknown": "x" * 43, "garbage": "a\x00b"}.get(case, token)
    with pytest.raises(error):
        invitations.invitation_accept(user=user, token=token, now=when)
    assert (snapshot(Invitation), snapshot(Engagement)) == before


@pytest.mark.parametrize(
    ("who", "email", "error"),
    [
        ("bob", "new@example.com", NotAllowed),  # not a coach
        ("alice", "alice@example.com", InvalidInput),  # herself
        ("alice", "not an email", InvalidInput),
        ("alice", "a\x00@example.com", InvalidInput),
        ("alice", "x" * 300 + "@example.com", InvalidInput),
    ],
)
def test_refused_invitations_change_nothing(request, coach, who, email, error):
    with pytest.raises(error):
        invitations.invitation_create(coach_user=request.getfixturevalue(who), email=email, now=NOW)
    assert not Invitation.objects.exists() and not mail.outbox
