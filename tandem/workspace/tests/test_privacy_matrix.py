"""The 404 matrix (issue 17, privacy): every workspace route, every method it declares, as each
outsider — Charlie (a stranger), Dana (Bob's other coach), Olivia (admin of Bob's sponsoring
organisation) and staff — with the ids of Alice and Bob's engagement: 404 every time (the API
in the error shape), exactly as for an id that does not exist, and nothing changed.

Routes are discovered, not listed: pages from tandem.workspace.urls, the API from the OpenAPI
document (paths under /workspace). A path parameter is filled by its name (ID_PARAMS); a route
with a parameter the map does not know fails the test until someone says which object it
takes. A route without any id answers with the caller's own things, not 404: those are listed
in OWN_DATA with why, and checked to hold none of Alice and Bob's markers or ids; a new route
without an id that is not listed fails the test, so a route cannot slip through unexamined.

Then the other ways out: the outsiders' event streams, their calendar feeds, and everything Bob
(the client) can reach — never the private note.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import uuid
from datetime import timedelta
from typing import Any

import pytest
from django.apps import apps
from django.core import mail
from django.db import connection
from django.db.models import Model
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from tandem.booking.models import Booking

from .. import urls as workspace_urls
from ..models import NoteTemplate
from .privacy_world import API, PRIVATE, World, api_routes, body_properties, build_world

pytestmark = pytest.mark.django_db

UNKNOWN = "00000000-0000-4000-8000-000000000000"

# Routes without an object id in the path: they answer with the caller's own things (an
# outsider gets their own, usually empty, list). Called with GET only; a write here would
# create the outsider's own object, which is not about Alice and Bob.
OWN_DATA: dict[str, str] = {
    "GET /workspace/engagements": "the caller's own engagements",
    "GET /workspace/action-items": "the caller's own action items (assigned to them)",
    "GET /workspace/journal/entries": "the caller's own journal",
    "GET /workspace/journal/insights": "insights over the caller's own journal",
    "GET /workspace/search": "search over the caller's own blind index",
    "GET /workspace/note-templates": "the caller's own note templates",
    "GET /workspace/journal/prompts": "the prompt library and prompts assigned to the caller",
    "GET /workspace/invitations": "the caller's own invitations (a coach's)",
    "page /coach/clients/": "the caller's own client list (or the way to become a coach)",
    "page /workspace/": "the caller's own coaches",
    "page /workspace/search/": "search over the caller's own text",
    "page /actions/": "the caller's own action items",
    "page /journal/": "the caller's own journal",
    "page /journal/new/": "a blank form",
    "page /journal/insights/": "insights over the caller's own journal",
    "page /journal/part/": "the live-refresh part of the caller's own journal",
    "page /coach/clients/invite/": "the form to invite a client of one's own",
    "page /coach/note-templates/": "the caller's own note templates",
}


def id_params(world: World) -> dict[str, list[str]]:
    """Path/query parameter name -> the Alice-Bob objects it may take (each is walked)."""
    o = world.objects
    template = NoteTemplate.objects.filter(coach=world.coach).first()
    if template is None:
        template = NoteTemplate.objects.create(coach=world.coach, name="Mine", body="## Goal")
    engagement = [str(world.engagement.public_id)]
    notes = [str(o["private_note"].public_id), str(o["shared_note"].public_id)]
    entries = [str(o["journal_shared"].public_id), str(o["journal_private"].public_id)]
    bookings = [str(world.past.public_id), str(world.future.public_id)]
    values = {
        "engagement": engagement,
        "goal": [str(o["goal"].public_id)],
        "milestone": [str(o["milestone"].public_id)],
        "checkin": [str(o["checkin"].public_id)],
        "note": notes,
        "item": [str(o["action"].public_id)],
        "action": [str(o["action"].public_id)],
        "action_item": [str(o["action"].public_id)],
        "entry": entries,
        "journal_entry": entries,
        "prompt": [str(o["prompt"].public_id)],
        "invitation": [str(o["invitation"].public_id)],
        "booking": bookings,
        "session": bookings,
        "template": [str(template.public_id)],
    }
    names: dict[str, list[str]] = {}
    for key, ids in values.items():
        names[key] = ids
        names[f"{key}_id"] = ids
    names["token"] = [o["invitation_token"]]  # the emailed invitation link
    names["number"] = ["1"]  # a note version
    names["visibility"] = ["private", "shared"]
    names["area"] = ["goals", "notes", "actions", "journal", "engagement"]  # live-refresh parts
    names["name"] = ["executive"]  # an engagement tag
    names["tag"] = ["executive"]
    return names


# --- discovery ------------------------------------------------------------------------------


def page_routes() -> list[str]:
    """Every page route of the workspace as a template: 'coach/clients/<engagement_id>/'."""

    def walk(patterns: list[Any], prefix: str) -> list[str]:
        found = []
        for entry in patterns:
            route = getattr(entry.pattern, "_route", None)
            assert route is not None, f"not a path() route; teach the matrix: {entry.pattern}"
            if isinstance(entry, URLResolver):
                found += walk(entry.url_patterns, prefix + route)
            elif isinstance(entry, URLPattern):
                found.append(prefix + route)
        return found

    return walk(workspace_urls.urlpatterns, "/")


PARAM = re.compile(r"<(?:[^:>]+:)?([^>]+)>|\{([^}]+)\}")


def params_of(template: str) -> list[str]:
    return [a or b for a, b in PARAM.findall(template)]


def _next_value(values: Any, _match: re.Match[str]) -> str:
    return str(next(values))


def fillings(template: str, ids: dict[str, list[str]]) -> list[str]:
    names = params_of(template)
    unknown = [n for n in names if n not in ids]
    assert not unknown, f"{template}: which object does {unknown} take? Add it to id_params."
    paths = []
    for combo in itertools.product(*(ids[n] for n in names)):
        values = iter(combo)
        paths.append(PARAM.sub(functools.partial(_next_value, values), template))
    return paths


def unknown_filling(template: str) -> str:
    return PARAM.sub(lambda m: "1" if (m.group(1) or m.group(2)) == "number" else UNKNOWN, template)


# Values a service accepts for a free-form string field (so validation passes and the access
# check is what answers).
VALID = {"state": "paused", "visibility": "private", "assignee": "client", "progress": 50}


def fake_value(spec: dict[str, Any], name: str, ids: dict[str, list[str]]) -> Any:
    if name in VALID:
        return VALID[name]
    if name in ids:
        return ids[name][0]
    if "enum" in spec:
        return spec["enum"][0]
    for option in spec.get("anyOf", []):
        if option.get("type") != "null":
            return fake_value(option, name, ids)
    kind, fmt = spec.get("type"), spec.get("format")
    if fmt == "date":
        return str(timezone.now().date() + timedelta(days=10))
    if fmt == "date-time":
        return (timezone.now() + timedelta(days=10)).isoformat()
    if fmt == "uuid":
        return UNKNOWN
    text = "outsider"[: spec.get("maxLength", 8)]
    return {"integer": 3, "number": 3, "boolean": True, "array": [], "object": {}}.get(
        str(kind), text
    )


def body_for(op: dict[str, Any], ids: dict[str, list[str]]) -> dict[str, Any] | None:
    """A body that passes validation (so the access check is what answers)."""
    if "requestBody" not in op:
        return None
    properties, required = body_properties(op)
    return {
        name: fake_value(spec, name, ids)
        for name, spec in properties.items()
        if name in required or name in ids
    }


def query_for(op: dict[str, Any], ids: dict[str, list[str]]) -> dict[str, str]:
    query = {}
    for param in op.get("parameters", []):
        if param.get("in") == "query" and param["name"] in ids:
            query[param["name"]] = ids[param["name"]][0]
        elif param.get("in") == "query" and param.get("required"):
            query[param["name"]] = "zz"
    return query


# --- snapshot -------------------------------------------------------------------------------


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every workspace table and of bookings, raw (a re-encrypted token counts
    as a change)."""
    models: list[type[Model]] = [*apps.get_app_config("workspace").get_models(), Booking]
    state = {}
    for model in models:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            state[table] = cursor.fetchall()
    return state


def secrets_in(text: str, world: World, *, only: tuple[str, ...] | None = None) -> list[str]:
    labels = only or tuple(world.markers)
    return [label for label in labels if world.markers[label] in text]


def alice_bob_ids(world: World) -> list[str]:
    ids = [str(world.engagement.public_id), str(world.past.public_id)]
    ids += [str(o.public_id) for o in world.objects.values() if hasattr(o, "public_id")]
    return ids


@pytest.fixture
def world(alice, bob, charlie, staff_user) -> World:
    return build_world(alice=alice, bob=bob, charlie=charlie, staff=staff_user)


# --- the matrix -----------------------------------------------------------------------------


def call(client: Any, method: str, path: str, body: Any, query: dict[str, str]) -> Any:
    if body is None:
        return client.generic(method.upper(), path, QUERY_STRING=urlencode(query))
    return client.generic(
        method.upper(),
        path,
        data=json.dumps(body),
        content_type="application/json",
        QUERY_STRING=urlencode(query),
    )


def urlencode(query: dict[str, str]) -> str:
    from urllib.parse import urlencode as encode

    return encode(query)


def test_every_route_answers_404_to_every_outsider_and_changes_nothing(world):
    ids = id_params(world)
    routes = api_routes()
    pages = page_routes()
    assert routes and pages, "no workspace routes discovered"
    before = snapshot()
    private_ids = alice_bob_ids(world)
    failures: list[str] = []
    walked = 0

    for who, user in world.outsiders.items():
        client = world.client_for(user)
        for template, ops in routes.items():
            for method, op in ops.items():
                key = f"{method.upper()} {template}"
                if not params_of(template):
                    failures += own_data_check(client, key, API + template, world, private_ids)
                    continue
                body, query = body_for(op, ids), query_for(op, ids)
                control = call(client, method, API + unknown_filling(template), body, query)
                for path in fillings(template, ids):
                    walked += 1
                    response = call(client, method, API + path, body, query)
                    failures += expect_404(who, key, path, response, control, api=True)
        for template in pages:
            key = f"page {template}"
            if not params_of(template):
                failures += own_data_check(client, key, template, world, private_ids)
                continue
            for method in ("get", "post"):
                control = call(client, method, unknown_filling(template), None, {})
                for path in fillings(template, ids):
                    walked += 1
                    response = call(client, method, path, None, {})
                    failures += expect_404(who, f"{method.upper()} {key}", path, response, control)

    assert not failures, f"{len(failures)} of {walked} answers were wrong:\n" + "\n".join(failures)
    assert snapshot() == before, "an outsider's request changed workspace or booking rows"


def expect_404(who: str, key: str, path: str, response: Any, control: Any, *, api=False) -> list:
    status = response.status_code
    if status == 404:
        if api and "error" not in response.json():
            return [f"{who}: {key} {path}: 404 not in the error shape: {response.content[:200]!r}"]
        return []
    # A page form posted without its fields may be refused (400/405) before anything is looked
    # up: that says nothing about the object — but only if an unknown id gets exactly the same
    # answer. The API gets a valid body (body_for), so it must say 404.
    same = status == control.status_code and response.content == control.content
    if not api and status in (400, 405) and same:
        return []
    return [
        f"{who}: {key} {path}: {status} (unknown id: {control.status_code}) "
        f"{response.content[:300]!r}"
    ]


def own_data_check(client: Any, key: str, path: str, world: World, ids: list[str]) -> list:
    method = key.split(" ", 1)[0]
    if key.startswith("page "):
        key, method = key, "GET"
    elif method != "GET":
        # A parameterless write creates the outsider's own object (or is refused): not about
        # Alice and Bob, and it would change the snapshot. Listed by its GET twin.
        return []
    if key not in OWN_DATA:
        return [f"{key}: a new route without an object id; list it in OWN_DATA with why"]
    response = client.get(path)
    text = response.content.decode(errors="replace")
    leaked = secrets_in(text, world) + [i for i in ids if i in text]
    if response.status_code >= 500 or leaked:
        return [f"{key}: {response.status_code}, shows {leaked}"]
    return []


# --- the other ways out ---------------------------------------------------------------------


# The long-poll view is async: on PostgreSQL it reads on another thread's connection, which
# cannot see (or open inside) a test's transaction; these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_outsiders_event_streams_hold_nothing_of_alice_and_bob(world):
    from tandem.realtime.models import Event

    ids = alice_bob_ids(world)
    for who, user in world.outsiders.items():
        for event in Event.objects.filter(user=user):
            text = json.dumps(event.data)
            assert not secrets_in(text, world), (who, event.kind, event.data)
            assert not [i for i in ids if i in text], (who, event.kind, event.data)
        response = world.client_for(user).get(f"{API}/events", {"after": 0, "timeout": 0})
        assert response.status_code == 200, response.content
        assert not secrets_in(response.content.decode(), world), who


def test_outsiders_calendar_feeds_hold_no_marker(world, client):
    from tandem.booking.feeds import feed_token_for

    for who, user in world.outsiders.items():
        response = client.get(f"/calendar/{feed_token_for(user).token}.ics")
        assert response.status_code == 200, who
        body = response.content.decode()
        assert not secrets_in(body, world), who
        assert str(world.past.public_id) not in body, who


# The long-poll view is async: on PostgreSQL it reads on another thread's connection, which
# cannot see (or open inside) a test's transaction; these tests commit for real.
@pytest.mark.django_db(transaction=True)
def test_the_client_never_receives_the_private_note(world, client):
    """Bob's pages, every workspace API route he may call, his events, notifications, emails
    and calendar: no private-note text anywhere (the shared note does reach him)."""
    from tandem.booking.feeds import feed_token_for
    from tandem.notifications.models import Notification
    from tandem.realtime.models import Event

    ids = id_params(world)
    bob = world.client_for(world.bob)
    seen: list[str] = []
    for template, ops in api_routes().items():
        if "get" not in ops:
            continue
        paths = fillings(template, ids) if params_of(template) else [template]
        for path in paths:
            response = bob.get(API + path, query_for(ops["get"], ids))
            assert response.status_code < 500, (path, response.status_code)
            seen.append(f"{path}: {response.content.decode(errors='replace')}")
    for template in page_routes():
        paths = fillings(template, ids) if params_of(template) else [template]
        for path in paths:
            response = bob.get(path)
            assert response.status_code < 500, (path, response.status_code)
            seen.append(f"{path}: {response.content.decode(errors='replace')}")
    seen.append(bob.get(f"{API}/events", {"after": 0, "timeout": 0}).content.decode())
    seen += [json.dumps(e.data) for e in Event.objects.filter(user=world.bob)]
    seen += [f"{n.title} {n.body} {n.url}" for n in Notification.objects.filter(user=world.bob)]
    seen += [
        f"{m.subject} {m.body} {[a[0] for a in getattr(m, 'alternatives', [])]}"
        for m in mail.outbox
        if world.bob.email in m.to
    ]
    seen.append(client.get(f"/calendar/{feed_token_for(world.bob).token}.ics").content.decode())

    leaks = [(s[:120], secrets_in(s, world, only=PRIVATE)) for s in seen]
    assert not [leak for leak in leaks if leak[1]], [leak for leak in leaks if leak[1]]
    shared = world.markers["shared_note_v2"]
    if any(shared in s for s in seen):
        return
    pytest.fail("Bob never saw the shared note either: the walk reached nothing (harness bug?)")


def test_unknown_ids_and_outsiders_get_the_same_answer_shape(world):
    """404 for someone else's engagement is indistinguishable from a random id's."""
    client = world.client_for(world.charlie)
    mine = client.get(f"{API}/workspace/engagements/{world.engagement.public_id}")
    random = client.get(f"{API}/workspace/engagements/{uuid.uuid4()}")
    assert mine.status_code == random.status_code == 404
    assert mine.json()["error"]["code"] == random.json()["error"]["code"]
