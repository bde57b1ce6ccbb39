"""A retried send racing itself posts once: many threads, one Idempotency-Key.

Threads use their own connections on a real database (PostgreSQL, or a file-backed SQLite
copy: the booking concurrency tests' `file_database` fixture explains why)."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.accounts.services import api_token_create
from tandem.booking.tests.test_concurrency import Answer, file_database, run_together
from tandem.messaging.models import Message, SendIdempotency

__all__ = ["file_database"]

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("file_database"),
]

THREADS = 12


def test_concurrent_duplicate_sends_post_once(conversation, bob):
    _, token = api_token_create(user=bob, name="retries")
    path = f"/api/v1/conversations/{conversation.public_id}/messages"

    def work(index: int) -> Answer:
        body = "same message" if index % 4 else "a different message"
        response = Client().post(
            path,
            {"body": body},
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "retry-1"},
        )
        return Answer(response.status_code, response.json())

    outcome = run_together(THREADS, work)
    outcome.check_clean()
    assert Message.objects.count() == 1
    assert SendIdempotency.objects.count() == 1
    message = Message.objects.get()
    answers = [a for a in outcome.answers if a is not None]
    created = [a for a in answers if a.status == 201]
    assert len(created) == 1
    winner_body = created[0].body["body"]
    for answer in answers:
        if answer.status in (200, 201):
            assert answer.body["id"] == str(message.public_id)
            assert answer.body["body"] == winner_body
        else:
            assert (answer.status, answer.code) == (409, "idempotency_key_reused")
    assert message.seq == 1
