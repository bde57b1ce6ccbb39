"""A private note never reaches the client: a marker written in a private note (its body, its
versions, its draft) and in a shared note's draft appears in nothing Bob receives — API, pages,
the section part, the client-file section and timeline, his event rows and event stream.
Also: the reads' query counts do not grow with the number of sessions and notes."""

from __future__ import annotations

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext

from tandem.realtime.models import Event
from tandem.workspace.selectors import notes as selectors
from tandem.workspace.services import notes as services

from .notes_support import *  # noqa: F403
from .notes_support import MARKER, NOW, api_json, logged_in, session

pytestmark = pytest.mark.django_db(transaction=True)  # events are written on commit

DRAFT_MARKER = "wombatlantern-draft-marker"


def write(alice, engagement, booking, visibility, **kw):
    note, _ = services.note_upsert(
        actor=alice,
        engagement_id=engagement.public_id,
        booking_id=booking.public_id,
        visibility=visibility,
        now=NOW,
        **kw,
    )
    return note


@pytest.fixture
def notes(alice, engagement, booking):
    private = write(alice, engagement, booking, "private", body=f"Worry: {MARKER}")
    services.note_save(actor=alice, note_id=private.public_id, body=f"Still {MARKER}\nok")
    services.note_save_draft(actor=alice, note_id=private.public_id, draft=f"draft {MARKER}")
    shared = write(alice, engagement, booking, "shared", body="Plan: walk every day")
    services.note_save_draft(actor=alice, note_id=shared.public_id, draft=DRAFT_MARKER)
    services.note_raise_action_item(
        actor=alice, note_id=shared.public_id, line="Plan: walk every day"
    )
    return {"private": private, "shared": shared}


def assert_clean(text: str, where: str) -> None:
    assert MARKER not in text, f"private marker in {where}"
    assert DRAFT_MARKER not in text, f"draft marker in {where}"


def test_marker_reaches_nothing_bob_gets(bob, alice, engagement, booking, notes):
    api = logged_in(bob)
    eid, bid = engagement.public_id, booking.public_id
    responses = {
        "api list": api_json(api, "get", f"/workspace/engagements/{eid}/notes"),
        "api shared": api_json(api, "get", f"/workspace/notes/{notes['shared'].public_id}"),
        "api private": api_json(api, "get", f"/workspace/notes/{notes['private'].public_id}"),
        "api private versions": api_json(
            api, "get", f"/workspace/notes/{notes['private'].public_id}/versions/1"
        ),
        "notes page": api.get(f"/workspace/{eid}/sessions/{bid}/notes/"),
        "notes part": api.get(f"/workspace/{eid}/sessions/{bid}/notes/part/"),
        "section part": api.get(f"/workspace/{eid}/part/notes/"),
        "versions page": api.get(f"/workspace/{eid}/notes/{notes['private'].public_id}/versions/"),
        "event poll": api.get("/api/v1/events?after=0"),
    }
    for where, response in responses.items():
        assert response.status_code in (200, 404), (where, response.status_code)
        assert_clean(response.content.decode(), where)
    assert responses["notes page"].status_code == 200
    assert "Plan: walk every day" in responses["notes page"].content.decode()
    assert "Plan: walk every day" in responses["section part"].content.decode()

    section = selectors.file_section(engagement, bob, now=NOW)
    assert_clean(str(section), "file_section")
    assert_clean(render_to_string("workspace/notes/_section.html", {"section": section}), "html")
    items = selectors.timeline_items(engagement, bob)
    assert [i.title for i in items] == ["Shared session note"]
    assert_clean(str(items), "timeline")

    bob_events = Event.objects.filter(user=bob)
    assert bob_events.exists()
    for event in bob_events:
        assert_clean(str(event.data), "event row")
        assert str(notes["private"].public_id) not in str(event.data)
    # Every row of every user's stream: ids only, never text.
    for event in Event.objects.all():
        assert_clean(str(event.data), "any event row")

    # The coach, of course, sees it all.
    coach_page = logged_in(alice).get(f"/workspace/{eid}/sessions/{bid}/notes/")
    assert MARKER in coach_page.content.decode()
    assert MARKER in str(selectors.file_section(engagement, alice, now=NOW))


def fill(alice, engagement, sessions: int) -> None:
    for days in range(1, sessions + 1):
        booking = session(engagement.coach, engagement.client, days_ago=days)
        write(alice, engagement, booking, "private", body=f"p{days}", draft="d")
        write(alice, engagement, booking, "shared", body=f"s{days}")


def count_queries(call) -> int:
    with CaptureQueriesContext(connection) as captured:
        call()
    return len(captured)


@pytest.mark.parametrize("viewer", ["alice", "bob"])
def test_query_counts_do_not_grow(request, viewer, alice, engagement, dora_engagement):
    user = request.getfixturevalue(viewer)
    api = logged_in(user)
    eid = engagement.public_id

    def measure() -> list[int]:
        return [
            count_queries(lambda: selectors.file_section(engagement, user, now=NOW)),
            count_queries(lambda: selectors.timeline_items(engagement, user)),
            count_queries(lambda: api_json(api, "get", f"/workspace/engagements/{eid}/notes")),
            count_queries(lambda: api.get(f"/workspace/{eid}/part/notes/")),
        ]

    fill(alice, engagement, 3)
    small = measure()
    fill(alice, engagement, 30)
    assert measure() == small
