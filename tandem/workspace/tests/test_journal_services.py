"""Journal services: entries, tags, moods, prompts, shares and the mood-in-reports consent.
Every refused action changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tandem.core.errors import ServiceError
from tandem.realtime.models import Event
from tandem.workspace.models import Engagement, JournalEntry, JournalPrompt, JournalShare
from tandem.workspace.services import journal as services
from tandem.workspace.services import search

from .journal_support import *  # noqa: F403
from .journal_support import NOW, snapshot, write

pytestmark = pytest.mark.django_db


def found(user, query: str) -> set[int]:
    return search.find(owner=user, query=query, kinds=("journal",))["journal"]


def test_an_entry_is_written_with_mood_tags_and_is_searchable(bob):
    entry = write(bob, "Walked by the river", mood=4, tags=["Work", " Sleep ", "work"])
    entry.refresh_from_db()
    assert entry.body == "Walked by the river"
    assert entry.mood == 4
    assert services.tags_of(entry) == ["work", "sleep"]
    assert entry.written_at == NOW
    assert found(bob, "river") == {entry.pk}
    assert found(bob, "slee") == {entry.pk}  # tags are indexed too


@pytest.mark.parametrize(
    ("field", "values"),
    [
        ("body", {"body": ""}),
        ("body", {"body": "x" * 20_001}),
        ("body", {"body": "bad\x00text"}),
        ("body", {"body": 42}),
        ("mood", {"mood": 0}),
        ("mood", {"mood": 6}),
        ("mood", {"mood": True}),
        ("mood", {"mood": "high"}),
        ("tags", {"tags": [f"t{i}" for i in range(11)]}),
        ("tags", {"tags": ["x" * 31]}),
        ("tags", {"tags": ["a\x00"]}),
        ("tags", {"tags": [1, 2]}),
        ("prompt", {"prompt": "builtin:nope"}),
        ("prompt", {"prompt": "00000000-0000-0000-0000-000000000000"}),
        ("prompt", {"prompt": 7}),
    ],
)
def test_bad_input_is_refused_and_nothing_is_written(bob, field, values):
    before = snapshot()
    kwargs = {"body": "fine", **values}
    with pytest.raises(ServiceError) as caught:
        services.entry_create(author=bob, now=NOW, **kwargs)
    assert caught.value.status == 400
    assert field in caught.value.fields
    assert snapshot() == before


def test_builtin_prompt_is_kept_by_key(bob):
    entry = write(bob, prompt="builtin:gratitude")
    assert entry.builtin_prompt == "builtin:gratitude"
    assert entry.prompt is None


def test_answering_an_assigned_prompt_marks_it_answered_privately(
    alice, bob, engagement, django_capture_on_commit_callbacks
):
    prompt = services.prompt_assign(coach=alice, engagement_id=engagement.public_id, text="Why?")
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        entry = write(bob, "Because", prompt=str(prompt.public_id), now=NOW + timedelta(hours=1))
    prompt.refresh_from_db()
    assert prompt.answered_at == NOW + timedelta(hours=1)
    assert entry.prompt == prompt
    # The coach is not told: the entry is private.
    assert not Event.objects.filter(user=alice).exists()
    assert Event.objects.filter(user=bob, kind="workspace.journal").count() == 1


def test_someone_elses_prompt_cannot_be_answered(alice, bob, charlie, engagement):
    prompt = services.prompt_assign(coach=alice, engagement_id=engagement.public_id, text="Why?")
    before = snapshot()
    with pytest.raises(ServiceError):
        write(charlie, prompt=str(prompt.public_id))
    assert snapshot() == before


def test_edit_and_delete_own_entry_reindexes(bob):
    entry = write(bob, "apples", tags=["fruit"])
    services.entry_update(author=bob, entry_id=entry.public_id, body="pears", tags=["veg"])
    assert found(bob, "apples") == set()
    assert found(bob, "pears") == {entry.pk}
    assert found(bob, "veg") == {entry.pk}
    services.entry_update(author=bob, entry_id=entry.public_id, mood=2)
    entry.refresh_from_db()
    assert (entry.body, entry.mood, services.tags_of(entry)) == ("pears", 2, ["veg"])
    services.entry_delete(author=bob, entry_id=entry.public_id)
    assert not JournalEntry.objects.exists()
    assert found(bob, "pears") == set()


def test_others_cannot_edit_delete_or_share(alice, bob, charlie, engagement):
    entry = write(bob, "mine")
    services.entry_share(author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id)
    before = snapshot()
    for user in (alice, charlie):
        with pytest.raises(services.EntryNotFound):
            services.entry_update(author=user, entry_id=entry.public_id, body="hacked")
        with pytest.raises(services.EntryNotFound):
            services.entry_delete(author=user, entry_id=entry.public_id)
        with pytest.raises(services.EntryNotFound):
            services.entry_withdraw(
                author=user, entry_id=entry.public_id, engagement_id=engagement.public_id
            )
    assert snapshot() == before


def test_share_and_withdraw_tell_both_sides(
    alice, bob, engagement, django_capture_on_commit_callbacks
):
    entry = write(bob)
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        share = services.entry_share(
            author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id
        )
        again = services.entry_share(
            author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id
        )
    assert again.pk == share.pk
    assert Event.objects.filter(user=alice, kind="workspace.journal").count() == 1
    assert Event.objects.filter(user=bob, kind="workspace.journal").count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert services.entry_withdraw(
            author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id
        )
        assert not services.entry_withdraw(
            author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id
        )
    assert not JournalShare.objects.exists()
    data = Event.objects.filter(user=alice).order_by("seq").last().data
    assert data == {
        "engagement": str(engagement.public_id),
        "action": "withdrawn",
        "id": str(entry.public_id),
    }


def test_editing_a_shared_entry_tells_the_coach_a_private_one_does_not(
    alice, bob, engagement, django_capture_on_commit_callbacks
):
    shared, private = write(bob, "one"), write(bob, "two")
    services.entry_share(author=bob, entry_id=shared.public_id, engagement_id=engagement.public_id)
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_update(author=bob, entry_id=private.public_id, body="two!")
    assert not Event.objects.filter(user=alice).exists()
    with django_capture_on_commit_callbacks(execute=True):
        services.entry_update(author=bob, entry_id=shared.public_id, body="one!")
    assert Event.objects.filter(user=alice, kind="workspace.journal").count() == 1


def test_share_only_with_own_engagement_as_client(alice, bob, charlie, engagement):
    alices_entry = write(alice, "coach's own journal")
    bobs_entry = write(bob)
    before = snapshot()
    # Alice is the coach of that engagement, not its client.
    with pytest.raises(services.EngagementNotFound):
        services.entry_share(
            author=alice, entry_id=alices_entry.public_id, engagement_id=engagement.public_id
        )
    with pytest.raises(services.EngagementNotFound):
        services.entry_share(author=bob, entry_id=bobs_entry.public_id, engagement_id="junk")
    with pytest.raises(services.EntryNotFound):
        services.entry_share(
            author=charlie, entry_id=bobs_entry.public_id, engagement_id=engagement.public_id
        )
    assert snapshot() == before


def test_no_new_share_with_an_ended_engagement_but_withdraw_works(bob, engagement):
    entry, other = write(bob), write(bob)
    services.entry_share(author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id)
    Engagement.objects.filter(pk=engagement.pk).update(state=Engagement.State.ENDED)
    before = snapshot()
    with pytest.raises(services.EngagementEnded):
        services.entry_share(
            author=bob, entry_id=other.public_id, engagement_id=engagement.public_id
        )
    assert snapshot() == before
    assert services.entry_withdraw(
        author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id
    )


def test_prompts_are_the_coachs(
    alice, bob, charlie, engagement, django_capture_on_commit_callbacks
):
    Event.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        prompt = services.prompt_assign(
            coach=alice, engagement_id=engagement.public_id, text="  What matters?  "
        )
    assert prompt.text == "What matters?"
    assert Event.objects.filter(user=bob, kind="workspace.journal").count() == 1
    assert Event.objects.filter(user=alice, kind="workspace.journal").count() == 1
    before = snapshot()
    with pytest.raises(services.NotAllowed):
        services.prompt_assign(coach=bob, engagement_id=engagement.public_id, text="x")
    with pytest.raises(services.EngagementNotFound):
        services.prompt_assign(coach=charlie, engagement_id=engagement.public_id, text="x")
    with pytest.raises(ServiceError):
        services.prompt_assign(coach=alice, engagement_id=engagement.public_id, text="x" * 501)
    with pytest.raises(ServiceError):
        services.prompt_assign(coach=alice, engagement_id=engagement.public_id, text="")
    with pytest.raises(services.NotAllowed):
        services.prompt_delete(coach=bob, prompt_id=prompt.public_id)
    with pytest.raises(services.PromptNotFound):
        services.prompt_delete(coach=charlie, prompt_id=prompt.public_id)
    assert snapshot() == before
    services.prompt_delete(coach=alice, prompt_id=prompt.public_id)
    assert not JournalPrompt.objects.exists()


def test_mood_in_reports_is_the_clients_choice(alice, bob, charlie, engagement):
    assert services.set_mood_in_reports(client=bob, engagement=engagement, on=True).mood_in_reports
    engagement.refresh_from_db()
    assert engagement.mood_in_reports
    before = snapshot()
    with pytest.raises(services.NotAllowed):
        services.set_mood_in_reports(client=alice, engagement=engagement.public_id, on=False)
    with pytest.raises(services.EngagementNotFound):
        services.set_mood_in_reports(client=charlie, engagement=engagement.public_id, on=False)
    with pytest.raises(ServiceError):
        services.set_mood_in_reports(client=bob, engagement=engagement.public_id, on="yes")
    assert snapshot() == before
    services.set_mood_in_reports(client=bob, engagement=engagement.public_id, on=False)
    engagement.refresh_from_db()
    assert not engagement.mood_in_reports
