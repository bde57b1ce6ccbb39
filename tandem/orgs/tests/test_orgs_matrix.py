"""The organisations 404 matrix (issue 18): every organisation route, every method it
declares, as each outsider — Charlie (a stranger), Alice (a coach: Bob's coach in the
programme), Gus (admin of another organisation) and staff — with the ids of Northwind's
organisation, programme, participants and jobs: 404 every time (the API in the error shape),
exactly as for an id that does not exist, and no row changed.

Routes are discovered, not listed: pages from tandem.orgs.urls (every /org/..., /programmes/...
and /staff/organisations/... route), the API from the OpenAPI document (paths under /orgs). A
path parameter is filled by its name (id_params); a route with a parameter the map does not
know fails the test until someone says which object it takes. A route without any id answers
with the caller's own things: those are listed in OWN_DATA with why, and checked to show none
of Northwind's ids or names; a new route without an id that is not listed fails the test.
Staff routes (/staff/organisations/...) are staff's: staff are the one outsider who reaches
them (STAFF_ROUTES); every other outsider gets 404 there too.
"""

from __future__ import annotations

import functools
import itertools
import json
import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver
from django.utils import timezone

from conftest import make_user
from tandem.booking.models import Booking
from tandem.notifications.models import ReminderSchedule
from tandem.orgs import urls as orgs_urls
from tandem.orgs.models import Participant, Programme, ProgrammeJob

from .conftest import seat

pytestmark = pytest.mark.django_db

API = "/api/v1"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
METHODS = ("get", "post", "put", "patch", "delete")

# Routes without an object id: they answer with the caller's own things (called with GET
# only; a write would make the outsider's own object, which is not about Northwind).
OWN_DATA: dict[str, str] = {
    "GET /orgs/organisations": "the organisations the caller administers",
    "GET /orgs/seats": "the caller's own places in programmes",
    "GET /orgs/joinable": "programmes the caller's own verified email domain may join",
    "page /org/": "the caller's own organisations (or 404 for someone who administers none)",
    "page /programmes/": "the caller's own places in programmes",
    "page /programmes/join/": "programmes the caller's own email domain may join",
}
# A bearer link: whoever holds the emailed token (outsiders do not) — checked with a token
# nobody was sent, which must answer like any unknown one.
BEARER = {"page /programmes/invitations/<str:token>/"}
# Staff's own pages and API: staff reach them (and only them); every other outsider: 404.
STAFF_ROUTES = ("/staff/organisations", "/orgs/staff/")


def is_staff_route(template: str) -> bool:
    return any(template.startswith(prefix) for prefix in STAFF_ROUTES)


@dataclass
class World:
    olivia: Any
    bob: Any
    programme: Programme
    bob_seat: Participant
    invited: Participant
    jobs: list[ProgrammeJob]
    fundings: list[str]
    outsiders: dict[str, Any]

    def client_for(self, user: Any) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client

    def private(self) -> list[str]:
        """What no outsider may see: Northwind's ids, its programme's and people's names."""
        ids: list[object] = [self.programme.public_id, self.programme.organisation.public_id]
        ids += [self.bob_seat.public_id, self.invited.public_id]
        ids += [job.public_id for job in self.jobs]
        ids += self.fundings
        return [str(i) for i in ids] + ["Leadership 2030", "dave@northwind.example"]


@pytest.fixture
def world(programme, olivia, coach, bob, charlie, alice, gus, staff_user, settings) -> World:
    programme.join_domain = "northwind.example"
    programme.survey_enabled = True
    programme.save(update_fields=["join_domain", "survey_enabled"])
    bob_seat = seat(programme, bob, coach=coach)
    invited = Participant.objects.create(
        programme=programme, email="dave@northwind.example", name="Dave Doe", token_hash="0" * 64
    )
    jobs = [
        ProgrammeJob.objects.create(
            programme=programme, kind=kind, status="done", created_by=olivia
        )
        for kind in (ProgrammeJob.Kind.IMPORT_CSV, ProgrammeJob.Kind.EXPORT_CSV)
    ]
    ReminderSchedule.objects.create(organisation=programme.organisation, client_offsets=[60])
    # A card funding needs a card provider configured (never contacted: outsiders get 404
    # before the page would start the card payment).
    settings.TANDEM_PAYMENT_PROVIDER, settings.STRIPE_SECRET_KEY = "stripe", "sk_test_matrix"
    fundings = fundings_of(programme, olivia)
    assert len(fundings) == 2, "no card funding made: teach fundings_of the card path"
    # Charlie's verified address is not at Northwind's domain; a verified stranger at another
    # company joins nothing either.
    make_user("erin@elsewhere.example", name="Erin Else")
    return World(
        olivia=olivia,
        bob=bob,
        programme=programme,
        bob_seat=bob_seat,
        invited=invited,
        jobs=jobs,
        fundings=fundings,
        outsiders={
            "charlie": charlie,
            "alice (coach)": alice,
            "gus (globex)": gus,
            "staff": staff_user,
        },
    )


def fundings_of(programme: Programme, olivia: Any) -> list[str]:
    """The budget's fundings: by invoice, and by card where a card provider is configured."""
    from tandem.core.errors import ServiceError
    from tandem.payments.sponsors import services as money

    made = []
    for method in ("invoice", "card"):
        try:
            funding = money.fund(
                budget_owner=programme.budget_owner,
                org_owner=f"org:{programme.organisation_id}",
                amount=10_000,
                currency=programme.currency,
                method=method,
                actor=olivia,
                now=timezone.now(),
            )
        except ServiceError:  # no card provider here
            continue
        made.append(str(funding.public_id))
    return made


def id_params(world: World) -> dict[str, list[str]]:
    """Path parameter name -> Northwind's objects it may take (each is walked)."""
    seats = [str(world.bob_seat.public_id), str(world.invited.public_id)]
    import_job, export_job = (str(job.public_id) for job in world.jobs)
    return {
        "org_id": [str(world.programme.organisation.public_id)],
        "programme_id": [str(world.programme.public_id)],
        "participant_id": seats,
        "seat_id": seats,
        "job_id": [import_job, export_job],
        "export_id": [export_job],
        "user_id": [str(world.olivia.public_id)],
        "funding_id": world.fundings,
        "phase": ["start"],
        "action": ["pause", "resume", "remove", "resend", "revoke"],
    }


# --- discovery ------------------------------------------------------------------------------


def page_routes() -> list[str]:
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

    return walk(orgs_urls.urlpatterns, "/")


@functools.cache
def openapi() -> dict[str, Any]:
    from tandem.api import api

    return api.get_openapi_schema()


def api_routes() -> dict[str, dict[str, Any]]:
    routes = {}
    for path, ops in openapi()["paths"].items():
        short = path.removeprefix(API)
        if short.startswith("/orgs"):
            routes[short] = {m: op for m, op in ops.items() if m in METHODS}
    return routes


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


def unknown_filling(template: str, ids: dict[str, list[str]]) -> str:
    # Words (a phase, an action) stay real: only the object ids are unknown.
    words = {"phase", "action"}

    def fill(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        return ids[name][0] if name in words else UNKNOWN

    return PARAM.sub(fill, template)


def resolve(schema: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return openapi()["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def body_properties(op: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    content: dict[str, Any] = op.get("requestBody", {}).get("content", {})
    media: dict[str, Any] = content.get("application/json") or next(iter(content.values()), {})
    schema = resolve(media.get("schema", {}))
    return schema.get("properties", {}), list(schema.get("required", []))


# Values services accept for free-form fields (so validation passes and the access check is
# what answers).
VALID: dict[str, Any] = {
    "email": "erin@elsewhere.example",
    "admin_email": "erin@elsewhere.example",
    "client_offsets": [60],
    "clarity": 3,
    "confidence": 3,
    "wellbeing": 3,
    "format": "csv",
    "kind": "csv",
}


def fake_value(spec: dict[str, Any], name: str, ids: dict[str, list[str]]) -> Any:
    spec = resolve(spec)
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
    today = timezone.now().date()
    if fmt == "date":
        return str(today + timedelta(days=400))
    if fmt == "date-time":
        return (timezone.now() + timedelta(days=10)).isoformat()
    if fmt == "uuid":
        return UNKNOWN
    if fmt == "email":
        return "erin@elsewhere.example"
    if kind == "integer":
        return max(int(spec.get("minimum", 1)), min(3, int(spec.get("maximum", 3))))
    if kind == "array":
        return []
    text = "outsider"[: spec.get("maxLength", 8)]
    return {"number": 3, "boolean": True, "object": {}}.get(str(kind), text)


def body_for(op: dict[str, Any], ids: dict[str, list[str]]) -> dict[str, Any] | None:
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
    return query


def call(client: Client, method: str, path: str, body: Any, query: dict[str, str]) -> Any:
    if body is None:
        return client.generic(method.upper(), path, QUERY_STRING=urlencode(query))
    return client.generic(
        method.upper(),
        path,
        data=json.dumps(body),
        content_type="application/json",
        QUERY_STRING=urlencode(query),
    )


# --- snapshot -------------------------------------------------------------------------------


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every orgs and payments table, bookings and reminder schedules."""
    models: list[type[Model]] = [
        *apps.get_app_config("orgs").get_models(),
        *apps.get_app_config("payments").get_models(),
        Booking,
        ReminderSchedule,
    ]
    state = {}
    for model in models:
        table = model._meta.db_table
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)} ORDER BY 1")
            state[table] = cursor.fetchall()
    return state


# --- the matrix -----------------------------------------------------------------------------


def expect_404(who: str, key: str, path: str, response: Any, control: Any, *, api: bool) -> list:
    status = response.status_code
    if status == 404:
        if api and "error" not in response.json():
            return [f"{who}: {key} {path}: 404 not in the error shape: {response.content[:200]!r}"]
        return []
    # A page form posted without its fields may be refused (400/405) before anything is
    # looked up — only if an unknown id gets exactly the same answer.
    same = status == control.status_code and response.content == control.content
    if not api and status in (400, 405) and same:
        return []
    return [
        f"{who}: {key} {path}: {status} (unknown id: {control.status_code}) "
        f"{response.content[:300]!r}"
    ]


def own_data_check(client: Client, key: str, path: str, world: World) -> list[str]:
    if key not in OWN_DATA:
        return [f"{key}: a new route without an object id; list it in OWN_DATA with why"]
    response = client.get(path)
    text = response.content.decode(errors="replace")
    leaked = [item for item in world.private() if item in text]
    if response.status_code >= 500 or leaked:
        return [f"{key}: {response.status_code}, shows {leaked}"]
    return []


def bearer_check(client: Client, key: str, template: str, world: World) -> list[str]:
    """A token nobody was sent: refused without a 500 and without anything of Northwind's."""
    problems = []
    for method in ("get", "post"):
        response = call(client, method, PARAM.sub("nobody-was-sent-this", template), None, {})
        text = response.content.decode(errors="replace")
        leaked = [item for item in world.private() if item in text]
        if response.status_code >= 500 or leaked or response.status_code in (200, 302):
            if response.status_code == 200 and not leaked and method == "get":
                continue  # "this invitation is not valid" page
            problems.append(f"{method.upper()} {key}: {response.status_code}, shows {leaked}")
    return problems


def test_every_route_answers_404_to_every_outsider_and_changes_nothing(world):
    ids = id_params(world)
    routes, pages = api_routes(), page_routes()
    assert routes and pages, "no organisation routes discovered"
    before = snapshot()
    failures: list[str] = []
    walked = 0
    for who, user in world.outsiders.items():
        client = world.client_for(user)
        for template, ops in routes.items():
            for method, op in ops.items():
                key = f"{method.upper()} {template}"
                if who == "staff" and is_staff_route(template):
                    continue  # staff's own (tested in test_management_staff)
                if not params_of(template) and not is_staff_route(template):
                    if method == "get":
                        failures += own_data_check(client, key, API + template, world)
                    continue
                body, query = body_for(op, ids), query_for(op, ids)
                control = call(client, method, API + unknown_filling(template, ids), body, query)
                for path in fillings(template, ids):
                    walked += 1
                    response = call(client, method, API + path, body, query)
                    failures += expect_404(who, key, path, response, control, api=True)
        for template in pages:
            key = f"page {template}"
            if who == "staff" and is_staff_route(template):
                continue
            if key in BEARER:
                failures += bearer_check(client, key, template, world)
                continue
            if not params_of(template) and not is_staff_route(template):
                failures += own_data_check(client, key, template, world)
                continue
            for method in ("get", "post"):
                control = call(client, method, unknown_filling(template, ids), None, {})
                for path in fillings(template, ids):
                    walked += 1
                    response = call(client, method, path, None, {})
                    named = f"{method.upper()} {key}"
                    failures += expect_404(who, named, path, response, control, api=False)
    assert walked > 100, walked
    assert not failures, f"{len(failures)} of {walked} answers were wrong:\n" + "\n".join(failures)
    assert snapshot() == before, (
        "an outsider's request changed organisation, payment or booking rows"
    )


def test_the_walk_covers_the_areas(world):
    """The matrix sees every area's routes (a mount that went missing would pass silently)."""
    pages = page_routes()
    api = api_routes()
    for prefix in ("/org/programmes/", "/programmes/", "/staff/organisations/", "/org/jobs/"):
        assert any(p.startswith(prefix) for p in pages), prefix
    for prefix in ("/orgs/programmes/", "/orgs/seats/", "/orgs/staff/", "/orgs/organisations/"):
        assert any(p.startswith(prefix) for p in api), prefix


def test_the_admin_does_reach_them(world):
    """The control: Olivia (Northwind's admin) reaches the same ids, so a 404 above is about
    the outsider, not a broken route or a wrong id."""
    client = world.client_for(world.olivia)
    ids = id_params(world)
    reached = []
    for template in page_routes():
        names = params_of(template)
        if names and set(names) <= {"org_id", "programme_id"} and not is_staff_route(template):
            path = fillings(template, ids)[0]
            reached.append((path, client.get(path).status_code))
    for template, ops in api_routes().items():
        names = params_of(template)
        if "get" in ops and names and set(names) <= {"org_id", "programme_id"}:
            if is_staff_route(template):
                continue
            path = API + fillings(template, ids)[0]
            reached.append((path, client.get(path).status_code))
    assert reached and all(status == 200 for _, status in reached), reached
