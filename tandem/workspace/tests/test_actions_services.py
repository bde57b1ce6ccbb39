"""Action item services: validation, who may do what, events; every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tandem.core.errors import ServiceError
from tandem.realtime.models import Event
from tandem.workspace.models import ActionItem, Engagement, Goal, SessionNote
from tandem.workspace.services import actions as services
from tandem.workspace.services.errors import (
    EngagementEnded,
    EngagementNotFound,
    InvalidInput,
    NotAllowed,
    ObjectNotFound,
)

from .actions_support import *  # noqa: F403
from .actions_support import NOW, TODAY, item, session, snapshot

pytestmark = pytest.mark.django_db


def create(engagement, actor, **kw):
    kw.setdefault("title", "Write down three wins")
    return services.action_item_create(actor=actor, engagement=engagement, now=NOW, **kw)


def test_create_defaults_to_the_client_and_links_goal_session_note(
    engagement, alice, bob, goal, booking
):
    note = SessionNote.objects.create(
        engagement=engagement, booking=booking, visibility=SessionNote.Visibility.SHARED
    )
    made = create(
        engagement,
        alice,
        title="  Ask for feedback  ",
        detail="From two colleagues",
        due_date=TODAY,  # today is allowed
        goal=goal,
        booking=booking,
        source_note=note,
    )
    made.refresh_from_db()
    assert made.assignee == bob
    assert made.created_by == alice
    assert made.title == "Ask for feedback"
    assert (made.goal, made.booking, made.source_note) == (goal, booking, note)
    assert made.status == ActionItem.Status.OPEN and made.due_date == TODAY


def test_create_accepts_public_ids_and_the_coach_as_assignee(engagement, alice, bob, goal):
    made = create(
        engagement,
        bob,
        assignee=str(alice.public_id),
        goal=str(goal.public_id),
        due_date="2030-03-25",
    )
    assert made.assignee == alice and made.goal == goal and str(made.due_date) == "2030-03-25"


@pytest.mark.parametrize(
    ("kw", "error", "field"),
    [
        ({"title": ""}, InvalidInput, "title"),
        ({"title": "x" * 301}, InvalidInput, "title"),
        ({"title": "nul\x00byte"}, InvalidInput, "title"),
        ({"detail": "x" * 2001}, InvalidInput, "detail"),
        ({"due_date": "2030-03-19"}, InvalidInput, "due_date"),  # yesterday
        ({"due_date": "next tuesday"}, InvalidInput, "due_date"),
        ({"assignee": "not-a-uuid"}, InvalidInput, "assignee"),
        ({"goal": "00000000-0000-0000-0000-000000000000"}, ObjectNotFound, "goal"),
        ({"booking": "00000000-0000-0000-0000-000000000000"}, ObjectNotFound, "booking"),
        ({"source_note": "garbage"}, ObjectNotFound, "source_note"),
    ],
)
def test_bad_input_is_refused_and_changes_nothing(engagement, alice, kw, error, field):
    before = snapshot()
    with pytest.raises(error) as caught:
        create(engagement, alice, **kw)
    assert field in caught.value.fields
    assert snapshot() == before == []


def test_the_due_date_is_checked_in_the_assignees_zone(engagement, alice, bob):
    # At 03:00 UTC on 21 March it is still 20 March in New York (Bob) but 21 March in Berlin.
    late = NOW.replace(day=21, hour=3)
    made = services.action_item_create(
        actor=alice, engagement=engagement, title="t", due_date=TODAY, now=late
    )
    assert made.due_date == TODAY
    with pytest.raises(InvalidInput):
        services.action_item_create(
            actor=bob, engagement=engagement, title="t", assignee=alice, due_date=TODAY, now=late
        )


def test_someone_elses_person_goal_session_or_note_is_refused(
    engagement, dora_engagement, alice, bob, charlie, dora
):
    other_goal = Goal.objects.create(engagement=dora_engagement, title="Dora's goal")
    other_session = session(dora_engagement.coach, bob)
    other_note = SessionNote.objects.create(
        engagement=dora_engagement, booking=other_session, visibility=SessionNote.Visibility.PRIVATE
    )
    before = snapshot()
    for kw, error in (
        ({"assignee": charlie}, InvalidInput),
        ({"assignee": dora}, InvalidInput),
        ({"goal": other_goal}, ObjectNotFound),
        ({"goal": str(other_goal.public_id)}, ObjectNotFound),
        ({"booking": other_session}, ObjectNotFound),
        ({"source_note": other_note}, ObjectNotFound),
        ({"source_note": str(other_note.public_id)}, ObjectNotFound),
    ):
        with pytest.raises(error):
            create(engagement, alice, **kw)
    # An outsider cannot write into the engagement at all.
    for outsider in (charlie, dora):
        with pytest.raises(EngagementNotFound):
            create(engagement, outsider)
    assert snapshot() == before == []


def test_an_ended_engagement_is_read_only(engagement, alice, bob):
    made = create(engagement, alice)
    Engagement.objects.filter(pk=engagement.pk).update(state=Engagement.State.ENDED)
    engagement.refresh_from_db()
    made.refresh_from_db()
    before = snapshot()
    calls = [
        lambda: create(engagement, alice),
        lambda: services.action_item_update(actor=alice, item=made, title="New"),
        lambda: services.action_item_complete(actor=bob, item=made),
        lambda: services.action_item_reopen(actor=bob, item=made),
        lambda: services.action_item_delete(actor=alice, item=made),
    ]
    for call in calls:
        with pytest.raises(EngagementEnded):
            call()
    assert snapshot() == before


def test_update_changes_given_fields_and_a_moved_date_rearms_reminders(
    engagement, alice, bob, goal
):
    made = create(engagement, alice, due_date=TODAY)
    ActionItem.objects.filter(pk=made.pk).update(due_notified_at=NOW, overdue_notified_at=NOW)
    made.refresh_from_db()
    updated = services.action_item_update(
        actor=bob,
        item=made,
        title="Renamed",
        goal=goal,
        due_date=TODAY + timedelta(days=2),
        now=NOW,
    )
    updated.refresh_from_db()
    assert updated.title == "Renamed" and updated.goal == goal and updated.detail == ""
    assert updated.due_notified_at is None and updated.overdue_notified_at is None
    cleared = services.action_item_update(actor=alice, item=updated, goal=None, due_date=None)
    cleared.refresh_from_db()
    assert cleared.goal is None and cleared.due_date is None and cleared.title == "Renamed"


def test_update_refusals_change_nothing(engagement, dora_engagement, alice, bob, charlie):
    made = create(engagement, alice, due_date=TODAY)
    other_goal = Goal.objects.create(engagement=dora_engagement, title="x")
    before = snapshot()
    for kw, error in (
        ({"title": ""}, InvalidInput),
        ({"due_date": TODAY - timedelta(days=1)}, InvalidInput),
        ({"goal": other_goal}, ObjectNotFound),
        ({"assignee": charlie}, InvalidInput),
    ):
        with pytest.raises(error):
            services.action_item_update(actor=bob, item=made, now=NOW, **kw)
    with pytest.raises(EngagementNotFound):
        services.action_item_update(actor=charlie, item=made, title="mine now")
    assert snapshot() == before


def test_complete_with_reflection_by_the_assignee_and_reopen(engagement, alice, bob):
    made = create(engagement, alice)
    done = services.action_item_complete(actor=bob, item=made, reflection="It helped.", now=NOW)
    done.refresh_from_db()
    assert done.status == "done" and done.done_at == NOW and done.reflection == "It helped."
    # Done again: unchanged.
    again = services.action_item_complete(actor=alice, item=done)
    assert again.done_at == NOW
    reopened = services.action_item_reopen(actor=alice, item=done)
    reopened.refresh_from_db()
    assert reopened.status == "open" and reopened.done_at is None and reopened.reflection == ""


def test_the_other_side_may_mark_done_but_not_write_the_reflection(engagement, alice, bob):
    made = create(engagement, alice)
    before = snapshot()
    with pytest.raises(NotAllowed):
        services.action_item_complete(actor=alice, item=made, reflection="Bob did well")
    with pytest.raises(InvalidInput):
        services.action_item_complete(actor=bob, item=made, reflection="x" * 1001)
    assert snapshot() == before
    services.action_item_complete(actor=alice, item=made)
    made.refresh_from_db()
    assert made.status == "done" and made.reflection == ""


def test_only_the_creator_deletes(engagement, alice, bob):
    made = create(engagement, alice)
    before = snapshot()
    with pytest.raises(NotAllowed):
        services.action_item_delete(actor=bob, item=made)
    assert snapshot() == before
    services.action_item_delete(actor=alice, item=made)
    assert not ActionItem.objects.exists()


def test_events_go_to_both_people_with_ids_only(
    engagement, alice, bob, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        made = create(engagement, alice, title="zqsecretmarker")
    events = Event.objects.filter(kind="workspace.actions")
    assert {e.user_id for e in events} == {alice.pk, bob.pk}
    for event in events:
        assert "zqsecretmarker" not in str(event.data)
        assert event.data["id"] == str(made.public_id)
        assert event.data["action"] == "created"


def test_service_errors_are_service_errors():
    assert issubclass(EngagementEnded, ServiceError)


def test_an_overdue_item_keeps_its_date_while_edited(engagement, alice, bob):
    made = item(engagement, due_date=TODAY - timedelta(days=2))
    kept = services.action_item_update(
        actor=bob, item=made, title="Still to do", due_date=made.due_date, now=NOW
    )
    assert kept.due_date == TODAY - timedelta(days=2) and kept.title == "Still to do"
    with pytest.raises(InvalidInput):
        services.action_item_update(
            actor=bob, item=kept, due_date=TODAY - timedelta(days=1), now=NOW
        )
