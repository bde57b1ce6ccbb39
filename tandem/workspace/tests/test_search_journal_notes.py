"""Search over one's own encrypted text: prefixes, every word must match, never anyone else's
text; note hits only for engagements the searcher coaches; snippets around the first match."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.booking.tests.conftest import at, book_session, make_coach, make_type, token_client
from tandem.workspace.models import Engagement, SessionNote
from tandem.workspace.selectors import search as selectors
from tandem.workspace.selectors.search import snippet
from tandem.workspace.services import search as search_service

from .journal_support import *  # noqa: F403
from .journal_support import MARKER, api_json, coach_profile, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


def ids(hits) -> list[str]:
    return [h.id for h in hits]


def test_prefix_and_every_word(bob):
    river = write(bob, "Walked along the riverbank with Sam")
    meeting = write(bob, "A long meeting about budgets", tags=["work"])
    assert ids(selectors.search(bob, "river")) == [str(river.public_id)]
    assert ids(selectors.search(bob, "RIVERBANK sam")) == [str(river.public_id)]
    assert ids(selectors.search(bob, "riv budg")) == []  # every word must match
    assert ids(selectors.search(bob, "work")) == [str(meeting.public_id)]  # tags
    assert set(ids(selectors.search(bob, "long"))) == {str(meeting.public_id)}
    assert selectors.search(bob, "") == []
    assert selectors.search(bob, "   ") == []


def test_other_peoples_text_is_never_found(alice, bob, charlie, engagement):
    entry = write(bob, f"{MARKER} diary")
    from tandem.workspace.services import journal as services

    services.entry_share(author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id)
    for user in (alice, charlie):
        assert selectors.search(user, "zebracorn") == []
        response = api_json(token_client(user), "get", "/workspace/search?q=zebracorn")
        assert response.status_code == 200 and response.json()["items"] == []


def test_snippet_around_the_first_match():
    text = "Start " + "filler " * 40 + "the Budget talk went well " + "tail " * 40
    cut = snippet(text, "budget", side=30)
    assert "Budget talk" in cut and cut.startswith("… ") and cut.endswith(" …")
    assert len(cut) < 80
    assert snippet("short text", "nothing") == "short text"


def test_bad_queries_are_400(bob):
    api = token_client(bob)
    assert api_json(api, "get", "/workspace/search?q=" + "a" * 201).status_code == 400
    assert api_json(api, "get", "/workspace/search?q=a%00b").status_code == 400
    assert api_json(api, "get", "/workspace/search?q=x&kind=goal").status_code == 400
    client = Client()
    client.force_login(bob)
    assert client.get("/workspace/search/?q=a%00b").status_code == 400


@pytest.fixture
def coached_note(alice, bob):
    """A shared session note of Alice's on Bob's session, indexed as the notes service does."""
    coach = make_coach(alice, slug="alice")
    booking = book_session(bob, coach, make_type(coach), at(3, 10))
    engagement, _ = Engagement.objects.get_or_create(coach=coach, client=bob)
    note = SessionNote.objects.create(
        engagement=engagement,
        booking=booking,
        visibility=SessionNote.Visibility.PRIVATE,
        body="Client mentioned quarterly planning anxiety",
    )
    search_service.index(owner=alice, kind="note", object_id=note.pk, text=note.body)
    return note


def test_coach_finds_own_notes_and_the_client_does_not(alice, bob, coached_note):
    hits = selectors.search(alice, "quarter plan")
    assert ids(hits) == [str(coached_note.public_id)]
    assert hits[0].kind == "note" and "quarterly planning" in hits[0].snippet
    assert f"/sessions/{coached_note.booking.public_id}/notes/" in hits[0].url
    assert selectors.search(bob, "quarterly") == []
    assert ids(selectors.search(alice, "quarter", kind="journal")) == []
    web = Client()
    web.force_login(alice)
    page = web.get("/workspace/search/?q=quarterly&kind=note").content.decode()
    assert "quarterly planning" in page and "1 result" in page
    data = api_json(token_client(alice), "get", "/workspace/search?q=anxiety&kind=note").json()
    assert [h["id"] for h in data["items"]] == [str(coached_note.public_id)]


def test_a_note_of_an_engagement_no_longer_coached_is_not_shown(alice, bob, dora, coached_note):
    # A stale digest: the note now sits in an engagement Alice does not coach.
    other = Engagement.objects.create(coach=coach_profile(dora, "dora"), client=bob)
    SessionNote.objects.filter(pk=coached_note.pk).update(engagement=other)
    assert search_service.find(owner=alice, query="quarterly", kinds=("note",))["note"]
    assert selectors.search(alice, "quarterly") == []
