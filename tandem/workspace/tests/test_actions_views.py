"""Action item pages: /actions/, the client file's section (part URL and forms), the dashboard
card; 404 for outsiders; query counts that do not grow with the number of items."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.workspace.models import ActionItem, Engagement
from tandem.workspace.selectors import actions as selectors

from .actions_support import *  # noqa: F403
from .actions_support import NOW, TODAY, item, logged_in, snapshot

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


def test_actions_page_groups_my_items(engagement, dora_engagement, alice, bob):
    item(engagement, title="Late one", due_date=TODAY - timedelta(days=1))
    item(engagement, title="Soon one", due_date=TODAY + timedelta(days=2))
    item(dora_engagement, title="Later one", due_date=TODAY + timedelta(days=30))
    item(engagement, title="Undated one")
    item(engagement, title="Finished one", status=ActionItem.Status.DONE, reflection="Went well")
    item(engagement, title="Alice's own", assignee=alice)
    page = text(logged_in(bob).get("/actions/"))
    order = [
        'id="actions-overdue"',
        "Late one",
        'id="actions-soon"',
        "Soon one",
        'id="actions-later"',
        "Later one",
        'id="actions-nodate"',
        "Undated one",
        'id="actions-done"',
        "Finished one",
        "Went well",
    ]
    positions = [page.index(word) for word in order]
    assert positions == sorted(positions)
    assert "Alice's own" not in page
    assert "with Dora Diaz" in page and "with Alice Adler" in page


def test_actions_page_filters_by_engagement(engagement, dora_engagement, bob, charlie):
    item(engagement, title="Task alpha")
    item(dora_engagement, title="Task delta")
    client = logged_in(bob)
    page = text(client.get(f"/actions/?engagement={dora_engagement.public_id}"))
    assert "Task delta" in page and "Task alpha" not in page
    # Someone else's or a malformed engagement: a 400 with nothing listed.
    other = Engagement.objects.create(coach=engagement.coach, client=charlie)
    for value in (str(other.public_id), "nope"):
        response = client.get(f"/actions/?engagement={value}")
        assert response.status_code == 400 and "Task alpha" not in text(response)


def test_empty_actions_page_says_what_to_do(bob):
    page = text(logged_in(bob).get("/actions/"))
    assert "No action items for you" in page


def test_complete_with_reflection_and_reopen_from_the_page(engagement, bob):
    made = item(engagement)
    client = logged_in(bob)
    response = client.post(
        f"/actions/{made.public_id}/complete/", {"reflection": "Felt good", "next": "/actions/"}
    )
    assert response.status_code == 302 and response["Location"] == "/actions/"
    made.refresh_from_db()
    assert made.status == "done" and made.reflection == "Felt good"
    client.post(f"/actions/{made.public_id}/reopen/", {"next": "https://evil.example/"})
    made.refresh_from_db()
    assert made.status == "open"


def test_section_part_and_create_form(engagement, goal, alice, bob):
    client = logged_in(alice)
    part = client.get(f"/workspace/{engagement.public_id}/part/actions/")
    assert part.status_code == 200
    assert "No action items yet" in text(part) and "Speak up in meetings" in text(part)
    created = client.post(
        f"/workspace/{engagement.public_id}/actions/new/",
        {
            "title": "Practise the opener",
            "assignee": str(bob.public_id),
            "due_date": str(TODAY),
            "goal": str(goal.public_id),
        },
        HTTP_HX_REQUEST="true",
    )
    assert created.status_code == 200 and "Practise the opener" in text(created)
    made = ActionItem.objects.get()
    assert made.assignee == bob and made.goal == goal and made.created_by == alice
    # Without htmx: back to the client file.
    plain = client.post(f"/workspace/{engagement.public_id}/actions/new/", {"title": "Second"})
    assert (
        plain.status_code == 302 and plain["Location"] == f"/coach/clients/{engagement.public_id}/"
    )


def test_create_form_errors_keep_the_input_and_change_nothing(engagement, alice):
    client = logged_in(alice)
    before = snapshot()
    bad = client.post(
        f"/workspace/{engagement.public_id}/actions/new/",
        {"title": "Keep me", "due_date": str(TODAY - timedelta(days=3))},
    )
    assert bad.status_code == 400
    page = text(bad)
    assert 'value="Keep me"' in page and "The due date is in the past." in page
    htmx = client.post(
        f"/workspace/{engagement.public_id}/actions/new/", {"title": ""}, HTTP_HX_REQUEST="true"
    )
    assert htmx.status_code == 200 and "This field is required." in text(htmx)
    assert snapshot() == before


def test_section_mark_done_swaps_the_section(engagement, alice):
    made = item(engagement)
    response = logged_in(alice).post(
        f"/actions/{made.public_id}/complete/", {"from": "section"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Action items" in text(response)
    made.refresh_from_db()
    assert made.status == "done"


def test_outsiders_get_404_on_every_page_and_change_nothing(
    engagement, dora_engagement, charlie, staff_user, dora
):
    made = item(engagement, title="Private to the pair")
    before = snapshot()
    for outsider in (charlie, dora, staff_user):
        client = logged_in(outsider)
        assert client.get(f"/workspace/{engagement.public_id}/part/actions/").status_code == 404
        assert client.get(f"/workspace/{engagement.public_id}/actions/").status_code == 404
        assert (
            client.post(
                f"/workspace/{engagement.public_id}/actions/new/", {"title": "x"}
            ).status_code
            == 404
        )
        for verb in ("complete", "reopen", "delete", "edit"):
            assert client.post(f"/actions/{made.public_id}/{verb}/").status_code == 404
        assert client.get(f"/actions/{made.public_id}/edit/").status_code == 404
        assert "Private to the pair" not in text(client.get("/actions/"))
        assert "Private to the pair" not in text(client.get("/dashboard/"))
    assert snapshot() == before


def test_file_section_and_timeline_contract(engagement, alice, bob):
    made = item(engagement, title="Read the chapter", due_date=TODAY)
    item(engagement, title="Done thing", status=ActionItem.Status.DONE)
    section = selectors.file_section(engagement, bob, now=NOW)
    assert section["groups"].due_soon == [made]
    assert section["part_url"] == f"/workspace/{engagement.public_id}/part/actions/"
    assert section["next"] == f"/workspace/{engagement.public_id}/"
    timeline = selectors.timeline_items(engagement, alice, limit=50)
    titles = [t.title for t in timeline]
    assert "Done: Done thing" in titles
    assert any("Read the chapter" in t for t in titles)
    assert all(t.area == "action" for t in timeline)
    assert len(selectors.timeline_items(engagement, alice, limit=1)) == 1


def test_dashboard_card_shows_counts_only_with_open_items(engagement, bob, alice):
    assert "dashboard-actions" not in text(logged_in(bob).get("/dashboard/"))
    item(engagement, title="Late task", due_date=TODAY - timedelta(days=1))
    item(engagement, title="Today task", due_date=TODAY)
    item(engagement, title="Done task", status=ActionItem.Status.DONE)
    page = text(logged_in(bob).get("/dashboard/"))
    assert "dashboard-actions" in page
    assert "1 overdue" in page and "1 due today" in page
    assert "Late task" in page and "Today task" in page and "Done task" not in page
    # Alice has none assigned to her: no card.
    assert "dashboard-actions" not in text(logged_in(alice).get("/dashboard/"))


def _queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200
    return len(captured)


def _fill(engagement, goal, booking, n: int) -> None:
    for i in range(n):
        item(
            engagement,
            title=f"Item {i}",
            due_date=TODAY + timedelta(days=i - 5) if i % 3 else None,
            goal=goal if i % 2 else None,
            booking=booking if i % 4 == 0 else None,
            status=ActionItem.Status.DONE if i % 5 == 0 else ActionItem.Status.OPEN,
        )


@pytest.mark.parametrize(
    "path",
    ["/actions/", "/dashboard/", "/api/v1/workspace/action-items", "part"],
)
def test_query_count_does_not_grow_with_items(engagement, goal, booking, bob, path):
    client = logged_in(bob)
    url = f"/workspace/{engagement.public_id}/part/actions/" if path == "part" else path
    _fill(engagement, goal, booking, 3)
    few = _queries(client, url)
    _fill(engagement, goal, booking, 37)
    assert ActionItem.objects.count() == 40
    assert _queries(client, url) == few


def test_the_client_file_and_mirror_view_include_the_section(engagement, alice, bob):
    item(engagement, title="Shared next step")
    for user, path in (
        (alice, f"/coach/clients/{engagement.public_id}/"),
        (bob, f"/workspace/{engagement.public_id}/"),
    ):
        page = text(logged_in(user).get(path))
        assert 'data-live-refresh="workspace.actions"' in page, path
        assert "Shared next step" in page and "Add an action item" in page


def test_section_edit_form_saves_and_clears(engagement, goal, alice, bob):
    made = item(engagement, title="Old title", due_date=TODAY, goal=goal)
    client = logged_in(bob)
    part = text(client.get(f"/workspace/{engagement.public_id}/part/actions/"))
    # The form itself loads when the Edit control opens (or as a page without JavaScript).
    assert f'id="edit-title-{made.public_id}"' not in part
    assert f'hx-get="/actions/{made.public_id}/edit/?next=' in part
    form = text(client.get(f"/actions/{made.public_id}/edit/", HTTP_HX_REQUEST="true"))
    assert f'id="edit-title-{made.public_id}"' in form and 'name="from" value="section"' in form
    assert "<html" not in form and "Old title" in form
    page = text(client.get(f"/actions/{made.public_id}/edit/?next=https://evil.example/"))
    assert "Edit action item" in page and 'href="/actions/"' in page
    assert 'name="from"' not in page
    response = client.post(
        f"/actions/{made.public_id}/edit/",
        {"title": "New title", "due_date": "", "goal": "", "from": "section"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200 and "New title" in text(response)
    made.refresh_from_db()
    assert made.title == "New title" and made.due_date is None and made.goal is None
    before = snapshot()
    bad = client.post(
        f"/actions/{made.public_id}/edit/",
        {"title": "", "from": "section"},
        HTTP_HX_REQUEST="true",
    )
    assert "This field is required." in text(bad)
    assert snapshot() == before


def test_the_file_shows_the_most_urgent_open_items_and_links_to_all(engagement, alice):
    for n in range(selectors.SECTION_OPEN_SHOWN + 3):
        item(engagement, title=f"Task number {n:02d}", due_date=TODAY + timedelta(days=n))
    client = logged_in(alice)
    part = text(client.get(f"/workspace/{engagement.public_id}/part/actions/"))
    last_shown = selectors.SECTION_OPEN_SHOWN - 1
    assert f"Task number {last_shown:02d}" in part
    assert f"Task number {last_shown + 1:02d}" not in part
    assert f"See all {selectors.SECTION_OPEN_SHOWN + 3} open items" in part
    everything = text(client.get(f"/workspace/{engagement.public_id}/actions/"))
    assert f"Task number {selectors.SECTION_OPEN_SHOWN + 2:02d}" in everything
    assert "See all" not in everything and "Action items with Bob Brown" in everything


def test_actions_page_lists_the_most_urgent_open_items_and_offers_all(engagement, bob):
    extra = 2
    for n in range(selectors.PAGE_OPEN_SHOWN + extra):
        item(engagement, title=f"Chore {n:03d}", due_date=TODAY + timedelta(days=n))
    client = logged_in(bob)
    page = text(client.get("/actions/"))
    assert f"Chore {selectors.PAGE_OPEN_SHOWN - 1:03d}" in page
    assert f"Chore {selectors.PAGE_OPEN_SHOWN:03d}" not in page
    assert f"Show all {selectors.PAGE_OPEN_SHOWN + extra} open items" in page
    everything = text(client.get("/actions/?all=1"))
    assert f"Chore {selectors.PAGE_OPEN_SHOWN + extra - 1:03d}" in everything
    assert "Show all" not in everything
