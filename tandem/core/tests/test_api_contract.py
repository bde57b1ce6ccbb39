"""The API keeps its OpenAPI contract: schemathesis fuzzes every operation in-process.

A bounded, derandomized run (a few examples per operation, on the test database): no answer
may be a 5xx, and every answer must match what the document says for its status (the body's
schema, including the error shape of each 4xx, and the status itself being documented).

Each operation is called (with an API token) by the user it is for: a coach's own things and a
coach's answers to a booking by coach Alice, staff operations by a staff user, the rest by
client Bob. The world they touch: Alice with a session type, Bob's booking with her, their
conversation and a message. A generated path id is almost never a real one, so each case is
sent twice: as generated, and with its path ids swapped for the world's (so the bodies and
queries also reach real rows). Who may NOT do what is tested per app (Charlie's 404s).

Not covered here: the event stream (SSE, `/api/v1/events/stream`) and long-poll
(`/api/v1/events`) are plain Django views outside the OpenAPI document (they hold the
connection open, which a fuzzer cannot judge); tandem/realtime/tests cover them.
"""

from __future__ import annotations

import os
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tandem.booking.tests.conftest import at, book_session, make_coach, make_type, token_client

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


COACH_PATHS = ("/api/v1/me/coach", "/api/v1/me/session-types", "/api/v1/me/availability")
COACH_ACTIONS = ("/accept", "/decline", "/complete", "/no-show", "/mark-paid")
STAFF_PATHS = (
    "/api/v1/staff/",
    "/api/v1/gift-cards/issue",
    "/api/v1/payments/{payment_id}/refunds",
)


def caller(path: str) -> str:
    """Who the operation is for."""
    if path.startswith(STAFF_PATHS):
        return "staff"
    if path.startswith(COACH_PATHS) or path.endswith(COACH_ACTIONS):
        return "alice"
    return "bob"


@pytest.fixture
def world(alice, bob, staff_user) -> dict[str, Any]:
    from tandem.messaging import services as messaging

    coach = make_coach(alice, slug="alice")
    session_type = make_type(coach)
    booking = book_session(bob, coach, session_type, at(3, 10))
    conversation, _ = messaging.conversation_start(user=bob, other_id=alice.public_id)
    message = messaging.message_send(
        user=bob, conversation_id=conversation.public_id, body="See you Tuesday."
    ).message
    headers = {
        name: {"Authorization": token_client(user).defaults["HTTP_AUTHORIZATION"]}
        for name, user in (("alice", alice), ("bob", bob), ("staff", staff_user))
    }
    ids = {
        "coach_id": coach.public_id,
        "session_type_id": session_type.public_id,
        "booking_id": booking.public_id,
        "conversation_id": conversation.public_id,
        "message_id": message.public_id,
        "user_id": alice.public_id,
    }
    return {"headers": headers, "ids": {name: str(value) for name, value in ids.items()}}


@pytest.fixture(autouse=True)
def _one_connection_per_test():
    """Schemathesis calls the WSGI app directly, so Django's request signals close "old"
    connections, which in a test transaction is the test's own (on PostgreSQL's pool the next
    query then refuses to connect inside the atomic block). Django's test client disconnects
    them the same way."""
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def call(case, headers: dict[str, str]) -> None:
    # Any real server sets REMOTE_ADDR (allauth's rate limits need it); werkzeug's client does not.
    case.call_and_validate(
        headers=headers, checks=CHECKS, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )


# Bounded for CI (~1 minute of CPU on SQLite): 8 generated cases per operation, each sent once
# or twice; no example database and derandomized, so every run sends the same requests.
# Schemathesis' "coverage" phase (its boundary-value tables) is left out: it multiplies the
# run time by ten or so. For a deeper run by hand: TANDEM_CONTRACT_EXAMPLES=50 pytest ...
@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("TANDEM_CONTRACT_EXAMPLES", "8")),
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_keeps_its_contract(case, world) -> None:
    headers = world["headers"][caller(case.operation.path)]
    call(case, headers)
    real = {name: world["ids"][name] for name in case.path_parameters or {} if name in world["ids"]}
    if real:
        case.path_parameters = {**case.path_parameters, **real}
        call(case, headers)
