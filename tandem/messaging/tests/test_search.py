"""Search runs on the blind index: whole words (and prefixes of 3+ characters), only in
the searcher's own conversations."""

from __future__ import annotations

import pytest

from tandem.booking.tests.conftest import at, book_session, make_type
from tandem.messaging import services
from tandem.messaging.models import SearchToken
from tandem.messaging.tests.conftest import api_json, send

pytestmark = pytest.mark.django_db


def found(client, q: str) -> list[str]:
    response = api_json(client, "get", f"/conversations/search?q={q}")
    assert response.status_code == 200, response.content
    return [m["body"] for m in response.json()["items"]]


@pytest.fixture
def two_conversations(alice, bob, charlie, conversation):
    """Alice and Bob, and Alice and Charlie (Charlie booked her too)."""
    coach = alice.coach_profile
    book_session(charlie, coach, make_type(coach, name="Other"), at(4, 11))
    other, _ = services.conversation_start(user=charlie, other_id=alice.public_id)
    send(bob, conversation, "The Budget review is on Tuesday.")
    send(alice, conversation, "Bring the budget spreadsheet, please")
    send(charlie, other, "My budget is private")
    return conversation, other


def test_whole_words_case_insensitive_in_my_conversations_only(
    two_conversations, alice_api, bob_api, charlie_api
):
    assert found(bob_api, "budget") == [
        "Bring the budget spreadsheet, please",
        "The Budget review is on Tuesday.",
    ]
    assert found(charlie_api, "BUDGET") == ["My budget is private"]
    assert len(found(alice_api, "budget")) == 3
    assert found(bob_api, "private") == []


def test_prefixes_of_three_or_more_and_all_words_must_match(two_conversations, bob_api):
    assert found(bob_api, "spread") == ["Bring the budget spreadsheet, please"]
    assert found(bob_api, "tue") == ["The Budget review is on Tuesday."]
    assert found(bob_api, "sp") == []  # too short for a prefix: whole words only
    assert found(bob_api, "on") == ["The Budget review is on Tuesday."]
    assert found(bob_api, "budget tuesday") == ["The Budget review is on Tuesday."]
    assert found(bob_api, "budget nothing") == []
    assert found(bob_api, "udget") == []  # no infix matching


def test_edits_and_deletes_update_the_index(conversation, bob, bob_api):
    message = send(bob, conversation, "alpha")
    services.message_edit(
        user=bob,
        conversation_id=conversation.public_id,
        message_id=message.public_id,
        body="omega",
    )
    assert found(bob_api, "alpha") == []
    assert found(bob_api, "omega") == ["omega"]
    services.message_delete(
        user=bob, conversation_id=conversation.public_id, message_id=message.public_id
    )
    assert found(bob_api, "omega") == []
    assert not SearchToken.objects.exists()


def test_the_index_stores_keyed_digests_not_words(conversation, bob):
    send(bob, conversation, "pineapple")
    digests = set(SearchToken.objects.values_list("digest", flat=True))
    assert digests and all(len(d) == 32 for d in digests)
    assert not any("pine" in d for d in digests)


def test_search_pages(conversation, bob, bob_api):
    for n in range(3):
        send(bob, conversation, f"note {n}")
    first = api_json(bob_api, "get", "/conversations/search?q=note&limit=2").json()
    assert [m["body"] for m in first["items"]] == ["note 2", "note 1"]
    rest = api_json(
        bob_api, "get", f"/conversations/search?q=note&limit=2&cursor={first['next_cursor']}"
    ).json()
    assert [m["body"] for m in rest["items"]] == ["note 0"]
    assert rest["next_cursor"] is None
