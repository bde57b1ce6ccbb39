"""Journal pages: list, new, entry (edit, share, withdraw, delete), insights, the client-file
section and its forms; query counts that do not grow with the number of entries."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.workspace.models import Engagement, JournalEntry, JournalPrompt, JournalShare
from tandem.workspace.services import journal as services

from .journal_support import *  # noqa: F403
from .journal_support import NOW, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def many(author, count: int) -> None:
    """`count` entries over the last days, with moods and tags (as the services store them)."""
    rows = [
        JournalEntry(
            author=author,
            body=f"Entry {i} about work",
            mood=(i % 5) + 1,
            tags=json.dumps(["work", f"t{i % 7}"]),
            written_at=NOW - timedelta(hours=9 * i),
        )
        for i in range(count)
    ]
    JournalEntry.objects.bulk_create(rows)


def queries(client: Client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path)
    assert response.status_code == 200, response.content[:500]
    return len(captured)


@pytest.mark.parametrize(
    "path",
    [
        "/journal/",
        "/journal/?mood=3",
        "/journal/?tag=work",
        "/journal/?q=entry+work",
        "/journal/insights/",
        "/journal/insights/?days=365",
    ],
)
def test_query_count_does_not_grow_with_entries(bob, engagement, path):
    client = signed_in(bob)
    many(bob, 10)
    JournalShare.objects.bulk_create(
        [JournalShare(entry=e, engagement=engagement) for e in JournalEntry.objects.all()[:3]]
    )
    for entry in JournalEntry.objects.all():  # the blind index, as the services make it
        services._index(entry, services.tags_of(entry))
    small = queries(client, path)
    many(bob, 190)
    for entry in JournalEntry.objects.all():
        services._index(entry, services.tags_of(entry))
    assert queries(client, path) == small


def test_coach_section_and_insights_query_count_is_constant(alice, bob, engagement):
    client = signed_in(alice)
    many(bob, 10)
    JournalShare.objects.bulk_create(
        [JournalShare(entry=e, engagement=engagement) for e in JournalEntry.objects.all()]
    )
    part = f"/workspace/{engagement.public_id}/part/journal/"
    insights = f"/journal/insights/?engagement={engagement.public_id}&days=365"
    small = (queries(client, part), queries(client, insights))
    JournalEntry.objects.all().delete()
    many(bob, 200)
    JournalShare.objects.bulk_create(
        [JournalShare(entry=e, engagement=engagement) for e in JournalEntry.objects.all()]
    )
    assert (queries(client, part), queries(client, insights)) == small


def test_list_empty_then_paginated_and_filtered(bob):
    client = signed_in(bob)
    assert "No entries yet" in client.get("/journal/").content.decode()
    many(bob, 25)
    page = client.get("/journal/").content.decode()
    assert "Page 1 of 2" in page and "Entry 0 about work" in page
    assert "Entry 24 about work" in client.get("/journal/?page=2").content.decode()
    assert client.get("/journal/?mood=9").status_code == 400
    assert client.get("/journal/?page=abc").status_code == 200


def test_write_with_a_prompt_then_edit_share_withdraw_delete(alice, bob, engagement):
    prompt = services.prompt_assign(coach=alice, engagement_id=engagement.public_id, text="Why?")
    client = signed_in(bob)
    form = client.get("/journal/new/").content.decode()
    assert form.index("From your coaches") < form.index("Prompt library")
    response = client.post(
        "/journal/new/",
        {"body": "My answer", "mood": "4", "tags": "Work, sleep", "prompt": str(prompt.public_id)},
    )
    assert response.status_code == 302
    entry = JournalEntry.objects.get()
    assert entry.prompt == prompt and services.tags_of(entry) == ["work", "sleep"]
    page = client.get(response["Location"]).content.decode()
    assert "Share with Alice Adler" in page and "cannot read this" in page

    bad = client.post(
        f"/journal/{entry.public_id}/", {"body": "x", "tags": ",".join("abcdefghijk")}
    )
    assert bad.status_code == 400 and "At most 10 tags" in bad.content.decode()
    assert client.post(f"/journal/{entry.public_id}/", {"body": "Edited"}).status_code == 302
    entry.refresh_from_db()
    assert entry.body == "Edited" and entry.mood is None

    share = {"engagement": str(engagement.public_id), "action": "share"}
    assert client.post(f"/journal/{entry.public_id}/shares/", share).status_code == 302
    assert JournalShare.objects.filter(entry=entry, engagement=engagement).exists()
    assert (
        "Withdraw from Alice Adler" in client.get(f"/journal/{entry.public_id}/").content.decode()
    )
    share["action"] = "withdraw"
    assert client.post(f"/journal/{entry.public_id}/shares/", share).status_code == 302
    assert not JournalShare.objects.exists()
    assert client.post(f"/journal/{entry.public_id}/delete/").status_code == 302
    assert not JournalEntry.objects.exists()


def test_new_entry_errors_keep_the_input(bob):
    response = signed_in(bob).post(
        "/journal/new/", {"body": "kept text", "mood": "4", "tags": "x" * 31}
    )
    assert response.status_code == 400
    assert "kept text" in response.content.decode()
    assert not JournalEntry.objects.exists()


def test_client_file_section_both_sides(alice, bob, engagement):
    entry = write(bob, "Shared words", tags=["focus"])
    services.entry_share(author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id)
    part = f"/workspace/{engagement.public_id}/part/journal/"
    coach = signed_in(alice)
    # The coach assigns a prompt from the section.
    response = coach.post(f"/workspace/{engagement.public_id}/journal/prompts/", {"text": "Next?"})
    assert response.status_code == 302 and response["Location"].startswith("/coach/clients/")
    coach_view = coach.get(part).content.decode()
    assert "Shared words" in coach_view and "Next?" in coach_view
    assert "Insights over shared entries" in coach_view and "#focus" in coach_view
    client = signed_in(bob)
    client_view = client.get(part).content.decode()
    assert "Shared words" in client_view and "Include my mood trend in reports" in client_view
    response = client.post(
        f"/workspace/{engagement.public_id}/journal/mood-in-reports/", {"on": "1"}
    )
    assert response.status_code == 302
    assert Engagement.objects.get(pk=engagement.pk).mood_in_reports
    # The coach cannot flip the client's consent.
    coach.post(f"/workspace/{engagement.public_id}/journal/mood-in-reports/", {"on": "0"})
    assert Engagement.objects.get(pk=engagement.pk).mood_in_reports
    prompt = JournalPrompt.objects.get()
    client.post(f"/workspace/{engagement.public_id}/journal/prompts/{prompt.public_id}/delete/")
    assert JournalPrompt.objects.exists()
    coach.post(f"/workspace/{engagement.public_id}/journal/prompts/{prompt.public_id}/delete/")
    assert not JournalPrompt.objects.exists()


def test_timeline_items(alice, bob, engagement):
    from tandem.workspace.selectors.journal import timeline_items

    entry = write(bob, "Timeline words")
    write(bob, "never on the timeline")
    services.entry_share(author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id)
    services.prompt_assign(coach=alice, engagement_id=engagement.public_id, text="Prompt text")
    for viewer in (alice, bob):
        items = timeline_items(engagement, viewer)
        assert {i.title for i in items} == {"Journal entry shared", "Journal prompt assigned"}
        assert "never" not in " ".join(i.detail for i in items)


def test_insights_page_has_charts_and_tables(bob):
    many(bob, 12)
    page = signed_in(bob).get("/journal/insights/?days=90").content.decode()
    assert 'id="journal-insights-data"' in page and "chart.umd.min.js" in page
    assert "Mood table" in page and "#work" in page and "Longest streak" in page
