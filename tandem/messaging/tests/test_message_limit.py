"""A message over the length limit is refused with words the sender can act on, and nothing
is posted (issue 14: the page showed only "Request failed (400)")."""

import pytest

from tandem.messaging.models import Message

pytestmark = pytest.mark.django_db

LIMIT_TEXT = "Messages can be at most 10,000 characters."


@pytest.mark.parametrize("length", [10_001, 20_000])
def test_too_long_message_is_refused_with_the_limit(bob, conversation, client, length):
    client.force_login(bob)
    response = client.post(
        f"/api/v1/conversations/{conversation.public_id}/messages", {"body": "a" * length}
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["message"] == LIMIT_TEXT
    assert error["fields"]["body"] == [LIMIT_TEXT]
    assert not Message.objects.exists()


def test_the_composer_has_the_limit_and_a_counter(bob, conversation, client):
    client.force_login(bob)
    page = client.get(f"/messages/{conversation.public_id}/").content.decode()
    assert 'maxlength="10000"' in page
    assert "data-composer-count" in page and 'aria-describedby="composer-count"' in page
