"""The 410 `resync_required` answer reads as one sentence, not as a docstring with the source's
line breaks and indentation."""

import pytest
from django.test import Client

from tandem.accounts.services import api_token_create
from tandem.core.errors import ServiceError
from tandem.realtime.tests.conftest import publish

EXPECTED = (
    "That resume point is older than the stream keeps (or unknown): load the page afresh and "
    "resume from the position it gives."
)


# The long-poll view is async: its database work runs on another thread, which cannot see an
# open test transaction (on PostgreSQL's pool it may not even connect inside one).
@pytest.mark.django_db(transaction=True)
def test_the_resync_answer_is_one_plain_sentence(bob):
    publish([bob.pk], 1)
    client = Client(HTTP_AUTHORIZATION=f"Bearer {api_token_create(user=bob, name='t')[1]}")
    response = client.get("/api/v1/events", {"after": 5, "timeout": 0})
    assert response.status_code == 410
    assert response.json()["error"] == {
        "code": "resync_required",
        "message": EXPECTED,
        "fields": {},
    }


def test_every_default_service_message_is_single_spaced():
    def subclasses(cls: type[ServiceError]) -> list[type[ServiceError]]:
        return [cls, *(s for sub in cls.__subclasses__() for s in subclasses(sub))]

    for cls in subclasses(ServiceError):
        message = cls().message
        assert "\n" not in message and "  " not in message, cls
        assert message == message.strip(), cls
