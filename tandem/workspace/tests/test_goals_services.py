"""Goal services: the progress rule, validation, who may do what, refusals change nothing,
events after commit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tandem.realtime.models import Event
from tandem.workspace.goal_rules import derive_progress
from tandem.workspace.models import CheckIn, Engagement, Goal, Milestone
from tandem.workspace.selectors import goals as selectors
from tandem.workspace.services import goals as services
from tandem.workspace.services.errors import (
    EngagementEnded,
    EngagementNotFound,
    InvalidInput,
    NotAllowed,
)

from .goals_support import *  # noqa: F403
from .goals_support import LATER, NOW, PAST, at, snapshot

pytestmark = pytest.mark.django_db


def make_goal(user, engagement, title="Run a 10k", **extra):
    return services.goal_create(
        user=user, engagement_id=engagement.public_id, title=title, now=NOW, **extra
    )


# --- the rule ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("milestones", "done", "last", "expected"),
    [
        (0, 0, None, 0),
        (0, 0, 40, 40),
        (3, 1, 90, 33),  # milestones win over check-ins
        (3, 2, None, 67),
        (8, 1, None, 13),  # half up
        (2, 1, 0, 50),
        (4, 4, 10, 100),
        (4, 0, 75, 0),
    ],
)
def test_derive_progress(milestones, done, last, expected):
    assert derive_progress(milestones=milestones, done=done, last_checkin=last) == expected


def test_progress_follows_checkins_then_milestones_then_checkins_again(alice, bob, engagement):
    goal = make_goal(alice, engagement)
    assert goal.progress == 0
    services.checkin_add(user=bob, goal_id=goal.public_id, progress=30, now=at(1))
    services.checkin_add(user=alice, goal_id=goal.public_id, progress=45, note="ok", now=at(2))
    goal.refresh_from_db()
    assert goal.progress == 45  # the last check-in

    first = services.milestone_add(user=bob, goal_id=goal.public_id, title="5k", now=at(3))
    second = services.milestone_add(user=alice, goal_id=goal.public_id, title="8k", now=at(4))
    goal.refresh_from_db()
    assert goal.progress == 0  # milestones exist: none done
    services.milestone_update(user=bob, milestone_id=first.public_id, done=True, now=at(5))
    goal.refresh_from_db()
    assert goal.progress == 50
    services.checkin_add(user=bob, goal_id=goal.public_id, progress=90, now=at(6))
    goal.refresh_from_db()
    assert goal.progress == 50  # still the milestones'
    services.milestone_update(user=bob, milestone_id=first.public_id, done=False, now=at(7))
    goal.refresh_from_db()
    assert goal.progress == 0
    services.milestone_delete(user=alice, milestone_id=first.public_id, now=at(8))
    services.milestone_delete(user=alice, milestone_id=second.public_id, now=at(9))
    goal.refresh_from_db()
    assert goal.progress == 90  # no milestones left: the last check-in again
    assert goal.updated_at == at(9)


def test_history_replays_the_rule(alice, bob, engagement):
    goal = make_goal(alice, engagement)
    services.checkin_add(user=bob, goal_id=goal.public_id, progress=20, now=at(10))
    m = services.milestone_add(user=bob, goal_id=goal.public_id, title="a", now=at(20))
    services.milestone_add(user=bob, goal_id=goal.public_id, title="b", now=at(30))
    services.milestone_update(user=bob, milestone_id=m.public_id, done=True, now=at(40))
    full = selectors.goal_with_rows(selectors.goal_for(bob, goal.public_id))
    points = [(p.at, p.progress) for p in selectors.goal_history(full, now=at(50))]
    assert points == [(NOW, 0), (at(10), 20), (at(20), 0), (at(40), 50)]
    assert points[-1][1] == Goal.objects.get().progress

    # The engagement's average over its active goals (each from when it was set).
    other = make_goal(alice, engagement, title="Sleep")
    services.checkin_add(user=bob, goal_id=other.public_id, progress=81, now=at(60))
    goals = selectors.goals_of(engagement)
    series = [(p.at, p.progress) for p in selectors.engagement_history(goals, now=at(70))]
    assert series[-1] == (at(60), 66)  # (50 + 81) / 2 = 65.5, half up
    services.goal_update(user=alice, goal_id=other.public_id, status="dropped", now=at(80))
    series = selectors.engagement_history(selectors.goals_of(engagement), now=at(90))
    assert series[-1].progress == 50


def test_milestones_keep_their_order_and_move(alice, bob, engagement):
    goal = make_goal(alice, engagement)
    made = [
        services.milestone_add(user=bob, goal_id=goal.public_id, title=t, now=NOW)
        for t in ("a", "b", "c")
    ]
    assert [m.position for m in made] == [0, 1, 2]
    services.milestone_update(user=bob, milestone_id=made[2].public_id, position=0, now=NOW)
    assert [m.title for m in Milestone.objects.order_by("position")] == ["c", "a", "b"]
    services.milestone_update(user=bob, milestone_id=made[2].public_id, position=99, now=NOW)
    assert [m.title for m in Milestone.objects.order_by("position")] == ["a", "b", "c"]
    order = [made[1].public_id, made[2].public_id, made[0].public_id]
    services.milestone_reorder(user=alice, goal_id=goal.public_id, order=order, now=NOW)
    assert [m.title for m in Milestone.objects.order_by("position")] == ["b", "c", "a"]
    before = snapshot()
    with pytest.raises(InvalidInput):
        services.milestone_reorder(user=alice, goal_id=goal.public_id, order=order[:2], now=NOW)
    assert snapshot() == before


def test_goal_fields_and_update(alice, bob, engagement):
    goal = make_goal(
        bob, engagement, title="  Speak up  ", why="Because", measure="3 meets", target_date=LATER
    )
    goal.refresh_from_db()
    assert (goal.title, goal.why, goal.measure, goal.target_date) == (
        "Speak up",
        "Because",
        "3 meets",
        LATER,
    )
    assert goal.status == "active" and goal.created_by == bob
    services.goal_update(user=alice, goal_id=goal.public_id, status="achieved", why="", now=NOW)
    goal.refresh_from_db()
    assert (goal.status, goal.why, goal.title) == ("achieved", "", "Speak up")


def test_a_past_target_date_may_stay_but_not_be_set(alice, engagement):
    goal = make_goal(alice, engagement, target_date=LATER)
    Goal.objects.filter(pk=goal.pk).update(target_date=PAST)  # time went by
    services.goal_update(user=alice, goal_id=goal.public_id, target_date=PAST, title="x", now=NOW)
    before = snapshot()
    with pytest.raises(InvalidInput) as error:
        services.goal_update(
            user=alice, goal_id=goal.public_id, target_date=PAST - timedelta(days=1), now=NOW
        )
    assert "target_date" in error.value.fields
    assert snapshot() == before


def test_today_is_the_users_today(alice, bob, engagement):
    # 15:00 UTC on 20 March is already 21 March in Auckland: the 20th is past there.
    bob.timezone = "Pacific/Auckland"
    bob.save()
    with pytest.raises(InvalidInput):
        make_goal(bob, engagement, target_date=date(2030, 3, 20))
    assert make_goal(alice, engagement, target_date=date(2030, 3, 20)).target_date


BAD_GOALS = [
    {"title": ""},
    {"title": "   "},
    {"title": "x" * 201},
    {"title": "nul\x00"},
    {"title": 5},
    {"title": None},
    {"title": "ok", "why": "x" * 2001},
    {"title": "ok", "measure": "\x00"},
    {"title": "ok", "target_date": PAST},
    {"title": "ok", "target_date": "2030-06-01"},
    {"title": "ok", "status": "done"},
]


@pytest.mark.parametrize("bad", BAD_GOALS)
def test_bad_goal_input_is_refused_and_changes_nothing(alice, engagement, bad):
    make_goal(alice, engagement)
    before = snapshot()
    with pytest.raises(InvalidInput):
        services.goal_create(user=alice, engagement_id=engagement.public_id, now=NOW, **bad)
    goal = Goal.objects.get()
    with pytest.raises(InvalidInput):
        services.goal_update(user=alice, goal_id=goal.public_id, now=NOW, **bad)
    assert snapshot() == before


@pytest.mark.parametrize(
    "bad",
    [
        {"progress": -1},
        {"progress": 101},
        {"progress": True},
        {"progress": "50"},
        {"progress": 50.0},
        {"progress": 50, "note": "x" * 2001},
        {"progress": 50, "note": "\x00"},
    ],
)
def test_bad_checkins_are_refused(alice, bob, engagement, bad):
    goal = make_goal(alice, engagement)
    before = snapshot()
    with pytest.raises(InvalidInput):
        services.checkin_add(user=bob, goal_id=goal.public_id, now=NOW, **bad)
    assert snapshot() == before


@pytest.mark.parametrize(
    "bad",
    [
        {"title": ""},
        {"title": "x" * 201},
        {"due_date": PAST},
        {"done": "yes"},
        {"done": None},
        {"position": -1},
        {"position": True},
    ],
)
def test_bad_milestone_changes_are_refused(alice, bob, engagement, bad):
    goal = make_goal(alice, engagement)
    m = services.milestone_add(user=bob, goal_id=goal.public_id, title="a", now=NOW)
    before = snapshot()
    with pytest.raises(InvalidInput):
        services.milestone_update(user=bob, milestone_id=m.public_id, now=NOW, **bad)
    if "title" in bad or "due_date" in bad:
        with pytest.raises(InvalidInput):
            services.milestone_add(
                user=bob,
                goal_id=goal.public_id,
                now=NOW,
                **{"title": "ok", **bad},
            )
    assert snapshot() == before


def test_outsiders_find_nothing_and_change_nothing(
    alice, bob, charlie, dora, dora_engagement, staff_user, engagement
):
    goal = make_goal(alice, engagement)
    m = services.milestone_add(user=bob, goal_id=goal.public_id, title="a", now=NOW)
    before = snapshot()
    for outsider in (charlie, dora, staff_user):
        with pytest.raises(EngagementNotFound):
            make_goal(outsider, engagement)
        for call in (
            lambda u: services.goal_update(user=u, goal_id=goal.public_id, title="x"),
            lambda u: services.goal_delete(user=u, goal_id=goal.public_id),
            lambda u: services.milestone_add(user=u, goal_id=goal.public_id, title="x"),
            lambda u: services.checkin_add(user=u, goal_id=goal.public_id, progress=5),
            lambda u: services.milestone_update(user=u, milestone_id=m.public_id, done=True),
            lambda u: services.milestone_delete(user=u, milestone_id=m.public_id),
        ):
            with pytest.raises(services.ObjectNotFound):
                call(outsider)
    assert snapshot() == before


def test_ended_engagement_is_read_only(alice, bob, engagement):
    goal = make_goal(alice, engagement)
    m = services.milestone_add(user=bob, goal_id=goal.public_id, title="a", now=NOW)
    Engagement.objects.filter(pk=engagement.pk).update(state=Engagement.State.ENDED)
    before = snapshot()
    for call in (
        lambda: make_goal(alice, engagement),
        lambda: services.goal_update(user=bob, goal_id=goal.public_id, title="x"),
        lambda: services.goal_delete(user=alice, goal_id=goal.public_id),
        lambda: services.milestone_add(user=bob, goal_id=goal.public_id, title="x"),
        lambda: services.checkin_add(user=bob, goal_id=goal.public_id, progress=5),
        lambda: services.milestone_update(user=bob, milestone_id=m.public_id, done=True),
        lambda: services.milestone_delete(user=bob, milestone_id=m.public_id),
    ):
        with pytest.raises(EngagementEnded):
            call()
    assert snapshot() == before


def test_who_may_delete_a_goal(alice, bob, engagement):
    coach_goal = make_goal(alice, engagement)
    client_goal = make_goal(bob, engagement, title="Mine")
    services.checkin_add(user=bob, goal_id=coach_goal.public_id, progress=5, now=NOW)
    before = snapshot()
    with pytest.raises(NotAllowed):
        services.goal_delete(user=bob, goal_id=coach_goal.public_id)
    assert snapshot() == before
    services.goal_delete(user=bob, goal_id=client_goal.public_id)
    services.goal_delete(user=alice, goal_id=coach_goal.public_id)
    assert not Goal.objects.exists() and not CheckIn.objects.exists()


def test_every_write_tells_both_sides_with_ids_only(
    alice, bob, engagement, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        goal = make_goal(alice, engagement, why="secret why")
        m = services.milestone_add(user=bob, goal_id=goal.public_id, title="a", now=NOW)
        services.milestone_update(user=bob, milestone_id=m.public_id, done=True, now=NOW)
        services.checkin_add(user=bob, goal_id=goal.public_id, progress=5, note="secret", now=NOW)
        services.goal_update(user=alice, goal_id=goal.public_id, status="achieved", now=NOW)
        services.milestone_delete(user=alice, milestone_id=m.public_id, now=NOW)
        services.goal_delete(user=alice, goal_id=goal.public_id)
    events = Event.objects.filter(kind="workspace.goals").order_by("id")
    actions = [e.data["action"] for e in events if e.user_id == alice.pk]
    assert actions == [
        "created",
        "milestone_added",
        "milestone_changed",
        "checkin",
        "updated",
        "milestone_deleted",
        "deleted",
    ]
    assert events.count() == 14  # both people, each time
    for event in events:
        assert event.data["id"] == str(goal.public_id)
        assert event.data["engagement"] == str(engagement.public_id)
        assert "secret" not in str(event.data)


def test_a_refused_write_sends_no_event(alice, engagement, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidInput):
        make_goal(alice, engagement, title="")
    assert not Event.objects.filter(kind="workspace.goals").exists()


def test_timeline_items(alice, bob, engagement):
    goal = make_goal(alice, engagement, title="Run")
    m = services.milestone_add(user=bob, goal_id=goal.public_id, title="5k", now=at(1))
    services.milestone_update(user=bob, milestone_id=m.public_id, done=True, now=at(2))
    services.checkin_add(user=bob, goal_id=goal.public_id, progress=60, note="felt good", now=at(3))
    items = selectors.timeline_items(engagement, alice)
    assert [(i.area, i.title) for i in items] == [
        ("checkin", "Check-in at 60%: Run"),
        ("goal", "Milestone done: 5k"),
        ("goal", "Goal set: Run"),
    ]
    assert items[0].url == f"/workspace/{engagement.public_id}/goals/{goal.public_id}/"
    assert len(selectors.timeline_items(engagement, bob, limit=2)) == 2
