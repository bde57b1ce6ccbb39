"""Goal pages: the client file's section (and its live part), a goal's page and its forms,
for coach and client; 404 for outsiders; constant query counts."""

from __future__ import annotations

import re
import uuid

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from tandem.workspace.models import CheckIn, Engagement, Goal, Milestone
from tandem.workspace.selectors import goals as selectors
from tandem.workspace.services import goals as services
from tandem.workspace.views.goals import section_context

from .goals_support import *  # noqa: F403
from .goals_support import LATER, NOW, PAST, logged_in, snapshot

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def goal(alice, bob, engagement) -> Goal:
    goal = services.goal_create(
        user=alice,
        engagement_id=engagement.public_id,
        title="Run a 10k",
        why="Health",
        target_date=LATER,
        now=NOW,
    )
    services.milestone_add(user=bob, goal_id=goal.public_id, title="Run 5k", now=NOW)
    return goal


def page_urls(goal: Goal) -> dict[str, str]:
    e, g = goal.engagement.public_id, goal.public_id
    m = Milestone.objects.filter(goal=goal).get().public_id
    base = f"/workspace/{e}/goals/{g}/"
    return {
        "part": f"/workspace/{e}/part/goals/",
        "new": f"/workspace/{e}/goals/new/",
        "detail": base,
        "detail_part": base + "part/",
        "delete": base + "delete/",
        "milestone_add": base + "milestones/",
        "checkin": base + "checkins/",
        "milestone_edit": base + f"milestones/{m}/",
        "milestone_done": base + f"milestones/{m}/done/",
        "milestone_move": base + f"milestones/{m}/move/",
        "milestone_delete": base + f"milestones/{m}/delete/",
    }


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_both_sides_see_the_goal_page(request, goal, who):
    user = request.getfixturevalue(who)
    response = logged_in(user).get(page_urls(goal)["detail"])
    assert response.status_code == 200
    html = response.content.decode()
    assert "Run a 10k" in html and "Run 5k" in html and "Health" in html
    assert 'data-live-refresh="workspace.goals"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html and "workspace/goals.js" in html
    back = "/coach/clients/" if who == "alice" else "/workspace/"
    assert f'href="{back}{goal.engagement.public_id}/"' in html


def test_section_and_its_live_part(alice, bob, goal, engagement):
    services.checkin_add(user=bob, goal_id=goal.public_id, progress=40, now=NOW)
    services.milestone_update(
        user=bob, milestone_id=Milestone.objects.get().public_id, done=True, now=NOW
    )
    part = logged_in(bob).get(page_urls(goal)["part"])
    assert part.status_code == 200
    html = part.content.decode()
    assert "Run a 10k" in html and 'aria-valuenow="100"' in html
    assert f'action="/workspace/{engagement.public_id}/goals/new/"' in html
    assert "goal-chart-data-" in html  # the engagement's chart and its table
    section = render_to_string(
        "workspace/goals/_section.html", section_context(engagement, alice), request=None
    )
    assert 'data-live-refresh="workspace.goals"' in section
    assert f'hx-get="/workspace/{engagement.public_id}/part/goals/"' in section
    assert 'hx-trigger="tandem:refresh"' in section


def test_empty_section_says_what_to_do(bob, engagement):
    html = logged_in(bob).get(f"/workspace/{engagement.public_id}/part/goals/").content.decode()
    assert "No goals yet" in html and "Add goal" in html


def test_add_a_goal_from_the_section_form(bob, engagement):
    url = f"/workspace/{engagement.public_id}/goals/new/"
    response = logged_in(bob).post(
        url, {"goal-new-title": "Sleep 8h", "goal-new-target_date": LATER.isoformat()}
    )
    goal = Goal.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/workspace/{engagement.public_id}/goals/{goal.public_id}/"
    assert goal.title == "Sleep 8h" and goal.created_by == bob


def test_a_refused_goal_keeps_the_input_and_shows_the_field_error(bob, engagement):
    url = f"/workspace/{engagement.public_id}/goals/new/"
    response = logged_in(bob).post(
        url,
        {
            "goal-new-title": "Sleep 8h",
            "goal-new-why": "Energy",
            "goal-new-target_date": PAST.isoformat(),
        },
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert 'value="Sleep 8h"' in html and "Energy" in html
    assert "The date may not be in the past." in html
    assert 'id="id_goal-new-target_date_error"' in html
    assert not Goal.objects.exists()


def test_goal_page_forms(alice, bob, goal):
    urls = page_urls(goal)
    bob_client = logged_in(bob)
    response = bob_client.post(urls["checkin"], {"checkin-progress": "55", "checkin-note": "Hm"})
    assert response.status_code == 302 and response["Location"] == urls["detail"]
    assert CheckIn.objects.get().progress == 55
    response = bob_client.post(urls["milestone_done"], {"done": "1"})
    assert response.status_code == 302
    assert Goal.objects.get().progress == 100
    bob_client.post(urls["milestone_add"], {"milestone-title": "Run 8k"})
    assert Goal.objects.get().progress == 50
    second = Milestone.objects.order_by("position").last()
    assert second.title == "Run 8k"  # (encrypted: found in Python, not in SQL)
    bob_client.post(f"{urls['detail']}milestones/{second.public_id}/move/", {"position": "0"})
    assert [m.title for m in Milestone.objects.order_by("position")] == ["Run 8k", "Run 5k"]
    m = Milestone.objects.order_by("position").last()
    assert m.title == "Run 5k"
    bob_client.post(urls["milestone_edit"], {f"ms-{m.public_id}-title": "Run 6k"})
    assert Milestone.objects.get(pk=m.pk).title == "Run 6k"
    response = logged_in(alice).post(
        urls["detail"],
        {"goal-title": "Run a half", "goal-why": "", "goal-measure": "", "goal-status": "active"},
    )
    assert response.status_code == 302
    assert Goal.objects.get().title == "Run a half"
    bob_client.post(urls["milestone_delete"])
    assert not Milestone.objects.filter(pk=m.pk).exists()
    assert logged_in(alice).post(urls["delete"]).status_code == 302
    assert not Goal.objects.exists()


@pytest.mark.parametrize(
    ("form", "data", "message"),
    [
        ("checkin", {"checkin-progress": "101", "checkin-note": "kept note"}, "less than or equal"),
        ("milestone_add", {"milestone-title": "kept title", "milestone-due_date": PAST}, "past"),
        ("detail", {"goal-title": "", "goal-why": "kept why", "goal-status": "active"}, "required"),
    ],
)
def test_refused_forms_keep_input(bob, goal, form, data, message):
    before = snapshot()
    data = {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in data.items()}
    response = logged_in(bob).post(page_urls(goal)[form], data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "kept" in html
    assert snapshot() == before


def test_the_client_cannot_delete_the_coachs_goal(bob, goal):
    before = snapshot()
    response = logged_in(bob).post(page_urls(goal)["delete"], follow=True)
    assert "Only your coach can delete" in response.content.decode()
    assert snapshot() == before


def test_ended_engagement_pages_are_read_only(bob, goal):
    Engagement.objects.update(state=Engagement.State.ENDED)
    urls = page_urls(goal)
    html = logged_in(bob).get(urls["detail"]).content.decode()
    assert "can be read but not changed" in html and "Save check-in" not in html
    before = snapshot()
    response = logged_in(bob).post(urls["checkin"], {"checkin-progress": "5"})
    assert response.status_code == 409
    assert snapshot() == before


@pytest.mark.parametrize("who", ["charlie", "dora", "staff_user"])
def test_outsiders_get_404_on_every_page(request, goal, dora_engagement, who):
    client = logged_in(request.getfixturevalue(who))
    before = snapshot()
    for name, url in page_urls(goal).items():
        assert client.get(url).status_code in (404, 405), name
        assert client.post(url, {"done": "1", "position": "0"}).status_code in (404, 405), name
    assert snapshot() == before


def test_a_goal_under_another_engagement_id_is_404(bob, goal, dora_engagement):
    url = f"/workspace/{dora_engagement.public_id}/goals/{goal.public_id}/"
    assert logged_in(bob).get(url).status_code == 404
    assert logged_in(bob).get(f"/workspace/{uuid.uuid4()}/part/goals/").status_code == 404


def add_goals(engagement: Engagement, user, count: int) -> None:
    for n in range(count):
        goal = services.goal_create(
            user=user, engagement_id=engagement.public_id, title=f"Goal {n}", now=NOW
        )
        m = services.milestone_add(user=user, goal_id=goal.public_id, title="a", now=NOW)
        services.milestone_add(user=user, goal_id=goal.public_id, title="b", now=NOW)
        services.milestone_update(user=user, milestone_id=m.public_id, done=True, now=NOW)
        services.checkin_add(user=user, goal_id=goal.public_id, progress=n, now=NOW)


def count_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_constant_queries_with_2_or_15_goals(alice, bob, engagement):
    client = logged_in(alice)
    url = f"/workspace/{engagement.public_id}/part/goals/"
    add_goals(engagement, bob, 2)
    few = count_queries(client, url)
    add_goals(engagement, bob, 13)
    assert count_queries(client, url) == few
    assert len(re.findall(r"data-goal=", client.get(url).content.decode())) == 15

    with CaptureQueriesContext(connection) as queries:
        selectors.file_section(engagement, alice, now=NOW)
        selectors.timeline_items(engagement, alice)
    assert len(queries) == 6


def test_goal_page_queries_do_not_grow_with_milestones_and_checkins(alice, bob, goal):
    client = logged_in(bob)
    url = page_urls(goal)["detail"]
    few = count_queries(client, url)
    for n in range(15):
        services.milestone_add(user=alice, goal_id=goal.public_id, title=f"m{n}", now=NOW)
        services.checkin_add(user=alice, goal_id=goal.public_id, progress=n, now=NOW)
    assert count_queries(client, url) == few
