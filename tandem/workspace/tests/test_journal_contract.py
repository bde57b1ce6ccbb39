"""The journal and search API keep their OpenAPI contract under fuzzing (schemathesis,
in-process), as core/tests/test_api_contract.py does for the whole API: no 5xx, every answer as
documented. Each operation is sent by client Bob with generated ids and again with real ones
(his engagement with Alice, an entry shared with it, a prompt Alice assigned)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings

from tandem.booking.tests.conftest import token_client
from tandem.core.tests.test_api_contract import CHECKS
from tandem.workspace.services import journal as services

from .journal_support import *  # noqa: F403

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    path_regex=r"^/api/v1/workspace/(journal/|search|engagements/\{engagement_id\}/(prompts|mood))"
)


@pytest.fixture
def world(alice, bob, engagement) -> dict[str, Any]:
    entry = services.entry_create(author=bob, body="Walked", mood=3, tags=["walks"])
    services.entry_share(author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id)
    prompt = services.prompt_assign(coach=alice, engagement_id=engagement.public_id, text="Why?")
    ids = {
        "engagement_id": str(engagement.public_id),
        "entry_id": str(entry.public_id),
        "prompt_id": str(prompt.public_id),
    }
    auth = {"Authorization": token_client(bob).defaults["HTTP_AUTHORIZATION"]}
    return {"headers": auth, "ids": ids}


@pytest.fixture(autouse=True)
def _one_connection_per_test():
    # As in core's contract test: the WSGI app must not close the test's own connection.
    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def call(case: Any, headers: dict[str, str]) -> None:
    case.call_and_validate(
        headers=headers, checks=CHECKS, environ_base={"REMOTE_ADDR": "127.0.0.1"}
    )


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_journal_operations_keep_their_contract(case: Any, world: dict[str, Any]) -> None:
    call(case, world["headers"])
    real = {k: world["ids"][k] for k in case.path_parameters or {} if k in world["ids"]}
    if real:
        case.path_parameters = {**case.path_parameters, **real}
        call(case, world["headers"])
