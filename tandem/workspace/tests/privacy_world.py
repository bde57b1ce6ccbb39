"""A full engagement with a unique marker text in every encrypted field, for the privacy tests
(test_privacy_at_rest.py, test_privacy_matrix.py, test_privacy_rotation.py).

Alice coaches Bob: a future booking (notes), a past session with a private and a shared note
(two versions each, and a draft), a goal with a milestone and a check-in, an action item done
with a reflection, a prompt Alice assigned, two journal entries (one shared with Alice), and an
invitation. Outsiders: Charlie (a stranger), Dana (Bob's other coach, her own engagement with
him), Olivia (admin of an organisation Bob is a member of) and a staff user.

Each object is written through the API when the OpenAPI document declares its route (so the
test follows the routes as they land), else through the area's service, else through models.
`world.via` records which, per marker; the tests print it.
"""

from __future__ import annotations

import functools
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.test import Client
from django.utils import timezone

from tandem.booking.models import Booking
from tandem.booking.tests.conftest import at, make_coach, make_type

from ..models import (
    ActionItem,
    CheckIn,
    Engagement,
    Goal,
    Invitation,
    JournalEntry,
    JournalPrompt,
    JournalShare,
    Milestone,
    SessionNote,
)

API = "/api/v1"


def marker(label: str) -> str:
    """A unique word no code writes by itself: findable by grep, indexable by the blind index."""
    return f"zq{label.replace('_', '')[:10]}{secrets.token_hex(6)}"


@functools.cache
def openapi() -> dict[str, Any]:
    from tandem.api import api

    return api.get_openapi_schema()


def api_routes() -> dict[str, dict[str, Any]]:
    """{path template without /api/v1: {method: operation}} for the workspace."""
    schema = openapi()
    routes: dict[str, dict[str, Any]] = {}
    for path, ops in schema["paths"].items():
        short = path.removeprefix(API)
        if short.startswith("/workspace"):
            routes[short] = {m: op for m, op in ops.items() if m in METHODS}
    return routes


METHODS = ("get", "post", "put", "patch", "delete")


def body_properties(op: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The request body's properties and required names (resolving one $ref)."""
    schema = (
        op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema", {})
    )
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        schema = openapi()["components"]["schemas"][name]
    return schema.get("properties", {}), list(schema.get("required", []))


@dataclass
class World:
    alice: Any
    bob: Any
    charlie: Any
    dana: Any
    olivia: Any
    staff: Any
    coach: Any
    engagement: Engagement
    dana_engagement: Engagement
    past: Booking
    future: Booking
    markers: dict[str, str] = field(default_factory=dict)
    via: dict[str, str] = field(default_factory=dict)
    objects: dict[str, Any] = field(default_factory=dict)

    @property
    def outsiders(self) -> dict[str, Any]:
        return {
            "charlie": self.charlie,
            "dana": self.dana,
            "olivia": self.olivia,
            "staff": self.staff,
        }

    def client_for(self, user: Any) -> Client:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return client


class Writer:
    """Write one thing through the API if it is there, else through `fallback`."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.routes = api_routes()

    def write(
        self,
        label: str,
        user: Any,
        method: str,
        template: str,
        path: str,
        body: dict[str, Any],
        fallback: Callable[[], Any],
    ) -> None:
        op = self.routes.get(template, {}).get(method)
        if op is None:
            fallback()
            self.world.via[label] = "service/model (no API route yet)"
            return
        properties, _ = body_properties(op)
        payload = {k: v for k, v in body.items() if not properties or k in properties}
        response = self.world.client_for(user).generic(
            method.upper(),
            f"{API}{path}",
            data=__import__("json").dumps(payload),
            content_type="application/json",
        )
        assert response.status_code < 300, (
            f"{label}: {method.upper()} {path} {payload} -> {response.status_code} "
            f"{response.content[:500]!r}"
        )
        self.world.via[label] = f"API {method.upper()} {template}"


def _service(call: Callable[[], Any], model: Callable[[], Any]) -> Callable[[], Any]:
    def run() -> Any:
        try:
            return call()
        except (ImportError, AttributeError, TypeError, NotImplementedError):
            return model()

    return run


def build_world(*, alice: Any, bob: Any, charlie: Any, staff: Any) -> World:
    from conftest import make_user
    from tandem.orgs.models import Membership, Organisation

    coach = make_coach(alice, slug="alice")
    session_type = make_type(coach)
    dana = make_user("dana@example.com", name="Dana Diaz")
    dana_coach = make_coach(dana, slug="dana")
    olivia = make_user("olivia@example.com", name="Olivia Org")
    org = Organisation.objects.create(name="Acme", slug="acme")
    Membership.objects.create(organisation=org, user=olivia, role=Membership.Role.ADMIN)
    Membership.objects.create(organisation=org, user=bob, role=Membership.Role.MEMBER)

    from tandem.booking import services as booking_services

    markers = {label: marker(label) for label in LABELS}

    # A past session (notes are written after it) through the booking service at a past "now".
    start = at(-3, 10)
    past = booking_services.booking_create(
        client=bob,
        request=booking_services.BookingRequest(
            coach=coach, session_type=session_type, start=start, notes=markers["booking_past"]
        ),
        now=start - timedelta(days=2),
    ).booking
    # A future one through the booking API (its notes field is encrypted too).
    bob_client = Client()
    bob_client.force_login(bob, backend="django.contrib.auth.backends.ModelBackend")
    response = bob_client.post(
        f"{API}/bookings",
        {
            "coach": str(coach.public_id),
            "session_type": str(session_type.public_id),
            "start": at(4, 11).isoformat(),
            "notes": markers["booking_notes"],
        },
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    future = Booking.objects.get(public_id=response.json()["id"])

    engagement = Engagement.objects.filter(coach=coach, client=bob).first()
    if engagement is None:  # the booking receiver has not landed
        engagement = Engagement.objects.create(coach=coach, client=bob)
    # Dana's own engagement with Bob (a session with her).
    dana_type = make_type(dana_coach)
    booking_services.booking_create(
        client=bob,
        request=booking_services.BookingRequest(
            coach=dana_coach, session_type=dana_type, start=at(5, 12)
        ),
    )
    dana_engagement = Engagement.objects.filter(coach=dana_coach, client=bob).first()
    if dana_engagement is None:
        dana_engagement = Engagement.objects.create(coach=dana_coach, client=bob)

    world = World(
        alice=alice,
        bob=bob,
        charlie=charlie,
        dana=dana,
        olivia=olivia,
        staff=staff,
        coach=coach,
        engagement=engagement,
        dana_engagement=dana_engagement,
        past=past,
        future=future,
        markers=markers,
    )
    world.via["booking_notes"] = "API POST /bookings"
    world.via["booking_past"] = "booking service"
    _fill(world, Writer(world))
    return world


LABELS = (
    "booking_notes",
    "booking_past",
    "goal_title",
    "goal_why",
    "goal_measure",
    "milestone",
    "checkin",
    "private_note",
    "private_note_v2",
    "private_draft",
    "shared_note",
    "shared_note_v2",
    "action_title",
    "action_detail",
    "reflection",
    "journal_shared",
    "journal_private",
    "journal_tag",
    "prompt",
)

# Markers only Alice may ever see (never Bob, anywhere).
PRIVATE = ("private_note", "private_note_v2", "private_draft")


def _fill(world: World, w: Writer) -> None:
    from ..services import actions, goals, journal, notes

    m, e, alice, bob = world.markers, world.engagement, world.alice, world.bob
    eid = str(e.public_id)
    today = timezone.now().date()

    def goal() -> Goal | None:
        return Goal.objects.filter(engagement=e).order_by("-pk").first()

    w.write(
        "goal_title",
        alice,
        "post",
        "/workspace/engagements/{engagement_id}/goals",
        f"/workspace/engagements/{eid}/goals",
        {"title": m["goal_title"], "why": m["goal_why"], "measure": m["goal_measure"]},
        _service(
            lambda: goals.goal_create(
                user=alice,
                engagement_id=eid,
                title=m["goal_title"],
                why=m["goal_why"],
                measure=m["goal_measure"],
            ),
            lambda: Goal.objects.create(
                engagement=e, title=m["goal_title"], why=m["goal_why"], measure=m["goal_measure"]
            ),
        ),
    )
    world.via["goal_why"] = world.via["goal_measure"] = world.via["goal_title"]
    g = goal()
    assert g is not None
    gid = str(g.public_id)
    w.write(
        "milestone",
        alice,
        "post",
        "/workspace/goals/{goal_id}/milestones",
        f"/workspace/goals/{gid}/milestones",
        {"title": m["milestone"], "due_date": str(today + timedelta(days=20))},
        _service(
            lambda: goals.milestone_add(user=alice, goal_id=gid, title=m["milestone"]),
            lambda: Milestone.objects.create(goal=g, title=m["milestone"]),
        ),
    )
    w.write(
        "checkin",
        bob,
        "post",
        "/workspace/goals/{goal_id}/checkins",
        f"/workspace/goals/{gid}/checkins",
        {"progress": 40, "note": m["checkin"]},
        _service(
            lambda: goals.checkin_add(user=bob, goal_id=gid, progress=40, note=m["checkin"]),
            lambda: CheckIn.objects.create(goal=g, author=bob, progress=40, note=m["checkin"]),
        ),
    )

    # Session notes: private and shared, each saved twice (two versions) plus a draft.
    for vis in ("private", "shared"):
        first, second = m[f"{vis}_note"], m[f"{vis}_note_v2"]
        w.write(
            f"{vis}_note",
            alice,
            "post",
            "/workspace/engagements/{engagement_id}/notes",
            f"/workspace/engagements/{eid}/notes",
            {"booking": str(world.past.public_id), "visibility": vis, "body": first},
            _service(
                functools.partial(
                    notes.note_upsert,
                    actor=alice,
                    engagement_id=eid,
                    booking_id=str(world.past.public_id),
                    visibility=vis,
                    body=first,
                ),
                functools.partial(
                    SessionNote.objects.create,
                    engagement=e,
                    booking=world.past,
                    visibility=vis,
                    body=first,
                    version=1,
                ),
            ),
        )
        note = SessionNote.objects.get(booking=world.past, visibility=vis)
        nid = str(note.public_id)
        w.write(
            f"{vis}_note_v2",
            alice,
            "patch",
            "/workspace/notes/{note_id}",
            f"/workspace/notes/{nid}",
            {"body": second},
            _service(
                functools.partial(notes.note_save, actor=alice, note_id=nid, body=second),
                functools.partial(SessionNote.objects.filter(pk=note.pk).update, body=second),
            ),
        )
    note = SessionNote.objects.get(booking=world.past, visibility="private")
    w.write(
        "private_draft",
        alice,
        "patch",
        "/workspace/notes/{note_id}",
        f"/workspace/notes/{note.public_id}",
        {"draft": m["private_draft"]},
        lambda: SessionNote.objects.filter(pk=note.pk).update(draft=m["private_draft"]),
    )

    # An action item for Bob, which he completes with a reflection.
    w.write(
        "action_title",
        alice,
        "post",
        "/workspace/engagements/{engagement_id}/action-items",
        f"/workspace/engagements/{eid}/action-items",
        {
            "title": m["action_title"],
            "detail": m["action_detail"],
            "assignee": str(bob.public_id),
            "due_date": str(today + timedelta(days=7)),
            "goal": gid,
        },
        _service(
            lambda: actions.action_item_create(
                actor=alice,
                engagement=e,
                title=m["action_title"],
                detail=m["action_detail"],
                assignee=bob,
            ),
            lambda: ActionItem.objects.create(
                engagement=e,
                title=m["action_title"],
                detail=m["action_detail"],
                assignee=bob,
                created_by=alice,
            ),
        ),
    )
    world.via["action_detail"] = world.via["action_title"]
    item = ActionItem.objects.filter(engagement=e).order_by("-pk").first()
    assert item is not None
    complete = f"/workspace/action-items/{item.public_id}"
    if "post" in w.routes.get("/workspace/action-items/{item_id}/complete", {}) or (
        "post" in w.routes.get("/workspace/action-items/{action_item_id}/complete", {})
    ):
        template = next(t for t in w.routes if t.endswith("/complete") and "action-items" in t)
        w.write(
            "reflection",
            bob,
            "post",
            template,
            complete + "/complete",
            {"reflection": m["reflection"]},
            lambda: None,
        )
    else:
        template = next((t for t in w.routes if t.startswith("/workspace/action-items/{")), "")
        w.write(
            "reflection",
            bob,
            "patch",
            template,
            complete,
            {"status": "done", "reflection": m["reflection"]},
            _service(
                lambda: actions.action_item_complete(
                    actor=bob, item=item, reflection=m["reflection"]
                ),
                lambda: ActionItem.objects.filter(pk=item.pk).update(
                    status="done", done_at=timezone.now(), reflection=m["reflection"]
                ),
            ),
        )

    # A prompt Alice assigns (the route's path is the journal area's to name).
    prompt_route = next(
        (t for t, ops in w.routes.items() if "prompt" in t and "post" in ops and "{" in t), None
    )
    w.write(
        "prompt",
        alice,
        "post",
        prompt_route or "",
        (prompt_route or "").replace("{engagement_id}", eid),
        {"text": m["prompt"]},
        _service(
            lambda: journal.prompt_assign(coach=alice, engagement_id=eid, text=m["prompt"]),
            lambda: JournalPrompt.objects.create(engagement=e, text=m["prompt"]),
        ),
    )

    # Bob's journal: one entry shared with Alice, one private.
    for label in ("journal_shared", "journal_private"):
        tags = [m["journal_tag"]] if label == "journal_shared" else []
        w.write(
            label,
            bob,
            "post",
            "/workspace/journal/entries",
            "/workspace/journal/entries",
            {"body": m[label], "mood": 4, "tags": tags},
            _service(
                functools.partial(
                    journal.entry_create, author=bob, body=m[label], mood=4, tags=tags
                ),
                functools.partial(
                    JournalEntry.objects.create,
                    author=bob,
                    body=m[label],
                    mood=4,
                    tags=__import__("json").dumps(tags),
                ),
            ),
        )
        world.objects[label] = JournalEntry.objects.filter(author=bob).order_by("-pk").first()
    world.via["journal_tag"] = world.via["journal_shared"]
    shared = world.objects["journal_shared"]
    share_route = next((t for t in w.routes if t.endswith("/shares")), "")
    w.write(
        "journal_share",
        bob,
        "post",
        share_route,
        f"/workspace/journal/entries/{shared.public_id}/shares",
        {"engagement": eid, "engagement_id": eid},
        _service(
            lambda: journal.entry_share(author=bob, entry_id=shared.public_id, engagement_id=eid),
            lambda: JournalShare.objects.create(entry=shared, engagement=e),
        ),
    )

    # An invitation of Alice's (to someone else).
    invite_route = next(
        (t for t, ops in w.routes.items() if "invitation" in t and "post" in ops), ""
    )
    from ..services import invitations

    w.write(
        "invitation",
        alice,
        "post",
        invite_route,
        invite_route,
        {"email": "erin@example.com"},
        _service(
            lambda: invitations.invitation_create(coach_user=alice, email="erin@example.com"),
            lambda: Invitation.objects.create(
                coach=world.coach,
                email="erin@example.com",
                token_digest=secrets.token_hex(32),
                expires_at=timezone.now() + timedelta(days=14),
            ),
        ),
    )

    # The raw invitation token is only in the email: take it from there (an outsider holding
    # the link still must not get in).
    from django.core import mail

    links = [re.search(r"/invitations/([\w-]+)", str(m.body)) for m in mail.outbox]
    world.objects["invitation_token"] = next((x.group(1) for x in links if x), "nosuchtoken")
    world.objects.update(
        goal=goal(),
        milestone=Milestone.objects.filter(goal__engagement=e).first(),
        checkin=CheckIn.objects.filter(goal__engagement=e).first(),
        private_note=SessionNote.objects.get(booking=world.past, visibility="private"),
        shared_note=SessionNote.objects.get(booking=world.past, visibility="shared"),
        action=ActionItem.objects.filter(engagement=e).first(),
        prompt=JournalPrompt.objects.filter(engagement=e).first(),
        invitation=Invitation.objects.filter(coach=world.coach).first(),
    )
