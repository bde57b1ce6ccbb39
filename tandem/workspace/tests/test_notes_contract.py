"""The notes API keeps its OpenAPI contract under fuzzing (schemathesis, in-process), as
core/tests/test_api_contract.py does for the whole API: no 5xx, every answer as documented.
Each operation is sent by coach Alice with generated ids and again with real ones (her
engagement with Bob, a session, a saved note with one version, one of her templates)."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, settings

from tandem.booking.tests.conftest import token_client
from tandem.core.tests.test_api_contract import CHECKS
from tandem.workspace.services import notes as services
from tandem.workspace.services import templates

from .notes_support import *  # noqa: F403

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application()).include(
    path_regex=r"^/api/v1/workspace/(notes|note-templates|engagements/\{engagement_id\}/notes)"
)


@pytest.fixture
def world(alice, alice_coach, engagement, booking) -> dict[str, Any]:
    note, _ = services.note_upsert(
        actor=alice,
        engagement_id=engagement.public_id,
        booking_id=booking.public_id,
        visibility="shared",
        body="Plan\n- walk",
    )
    template = templates.note_template_create(actor=alice, name="Mine", body="A")
    ids = {
        "engagement_id": str(engagement.public_id),
        "note_id": str(note.public_id),
        "template_id": str(template.public_id),
        "number": 1,
    }
    auth = {"Authorization": token_client(alice).defaults["HTTP_AUTHORIZATION"]}
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
def test_notes_operations_keep_their_contract(case: Any, world: dict[str, Any]) -> None:
    call(case, world["headers"])
    real = {k: world["ids"][k] for k in case.path_parameters or {} if k in world["ids"]}
    if real:
        case.path_parameters = {**case.path_parameters, **real}
        call(case, world["headers"])
