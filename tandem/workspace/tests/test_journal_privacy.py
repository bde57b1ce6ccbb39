"""An unshared journal entry never reaches anyone but its author: not the coach (pages, API,
events, search, insights), not Bob's second coach, not a stranger, not staff. Sharing shows it
to that engagement's coach only; withdrawing hides it again."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.booking.tests.conftest import token_client
from tandem.realtime.models import Event
from tandem.workspace.services import journal as services

from .journal_support import *  # noqa: F403
from .journal_support import MARKER, api_json, snapshot, write

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

TAG_MARKER = "quokkatag"


def page_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def coach_views(engagement, entry) -> list[str]:
    eid = engagement.public_id
    return [
        "/journal/",
        f"/workspace/{eid}/part/journal/",
        f"/journal/insights/?engagement={eid}&days=365",
        "/workspace/search/?q=zebracorn+marker",
        f"/coach/clients/{eid}/",
    ]


def coach_api(engagement) -> list[str]:
    eid = engagement.public_id
    return [
        "/workspace/journal/entries",
        f"/workspace/journal/insights?engagement={eid}&days=365",
        "/workspace/search?q=zebracorn",
        f"/workspace/engagements/{eid}/prompts",
        "/workspace/journal/prompts",
    ]


def everything_alice_sees(alice, engagement, entry) -> str:
    web, api = page_client(alice), token_client(alice)
    texts = [web.get(path).content.decode() for path in coach_views(engagement, entry)]
    texts += [api_json(api, "get", path).content.decode() for path in coach_api(engagement)]
    texts += [str(e.data) for e in Event.objects.filter(user=alice)]
    return "\n".join(texts)


def test_unshared_entry_never_reaches_the_coach(
    alice, bob, engagement, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        entry = write(bob, f"Today {MARKER} happened", mood=1, tags=[TAG_MARKER])
        services.entry_update(author=bob, entry_id=entry.public_id, body=f"More {MARKER}")
    seen = everything_alice_sees(alice, engagement, entry)
    assert MARKER not in seen
    assert TAG_MARKER not in seen
    assert not Event.objects.filter(user=alice, kind="workspace.journal").exists()
    assert page_client(alice).get(f"/journal/{entry.public_id}/").status_code == 404
    assert (
        api_json(
            token_client(alice), "get", f"/workspace/journal/entries/{entry.public_id}"
        ).status_code
        == 404
    )


def test_shared_then_withdrawn(alice, bob, engagement, dora, dora_engagement):
    entry = write(bob, f"Today {MARKER} happened", tags=[TAG_MARKER])
    services.entry_share(author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id)
    web = page_client(alice)
    assert MARKER in web.get(f"/workspace/{engagement.public_id}/part/journal/").content.decode()
    page = web.get(f"/journal/{entry.public_id}/")
    assert page.status_code == 200 and MARKER in page.content.decode()
    body = api_json(token_client(alice), "get", f"/workspace/journal/entries/{entry.public_id}")
    assert body.status_code == 200
    assert body.json()["shared_with"] == [str(engagement.public_id)]
    insights = web.get(f"/journal/insights/?engagement={engagement.public_id}").content.decode()
    assert TAG_MARKER in insights
    # Bob's other coach sees none of it.
    assert MARKER not in everything_alice_sees(dora, dora_engagement, entry)
    assert page_client(dora).get(f"/journal/{entry.public_id}/").status_code == 404

    services.entry_withdraw(
        author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id
    )
    seen = everything_alice_sees(alice, engagement, entry)
    assert MARKER not in seen and TAG_MARKER not in seen
    assert web.get(f"/journal/{entry.public_id}/").status_code == 404


@pytest.mark.parametrize("who", ["charlie", "dora", "staff_user", "alice"])
def test_every_route_answers_404_and_changes_nothing(request, who, bob, engagement):
    entry = write(bob, MARKER)
    services.entry_share(author=bob, entry_id=entry.public_id, engagement_id=engagement.public_id)
    private = write(bob, MARKER + " private")
    if who == "dora":
        request.getfixturevalue("dora_engagement")
    user = request.getfixturevalue(who)
    api, web = token_client(user), page_client(user)
    before = snapshot()
    targets = [private] if who == "alice" else [entry, private]
    for target in targets:
        eid, path = target.public_id, f"/workspace/journal/entries/{target.public_id}"
        calls = [
            ("get", path, None),
            ("patch", path, {"body": "changed"}),
            ("delete", path, None),
            ("get", f"{path}/shares", None),
            ("post", f"{path}/shares/{engagement.public_id}", None),
            ("delete", f"{path}/shares/{engagement.public_id}", None),
        ]
        for method, url, payload in calls:
            response = api_json(api, method, url, payload)
            assert response.status_code == 404, (who, method, url, response.content)
            assert MARKER not in response.content.decode()
        assert web.get(f"/journal/{eid}/").status_code == 404
        assert web.post(f"/journal/{eid}/", {"body": "changed"}).status_code == 404
        assert web.post(f"/journal/{eid}/delete/").status_code == 404
        assert (
            web.post(
                f"/journal/{eid}/shares/",
                {"engagement": str(engagement.public_id), "action": "withdraw"},
            ).status_code
            == 404
        )
    if who != "alice":
        eid = engagement.public_id
        assert (
            api_json(api, "get", f"/workspace/journal/insights?engagement={eid}").status_code == 404
        )
        assert api_json(api, "get", f"/workspace/engagements/{eid}/prompts").status_code == 404
        response = api_json(api, "post", f"/workspace/engagements/{eid}/prompts", {"text": "x"})
        assert response.status_code == 404
        response = api_json(
            api, "put", f"/workspace/engagements/{eid}/mood-in-reports", {"on": True}
        )
        assert response.status_code == 404
        assert web.get(f"/workspace/{eid}/part/journal/").status_code == 404
        assert web.get(f"/journal/insights/?engagement={eid}").status_code == 404
        assert web.post(f"/workspace/{eid}/journal/prompts/", {"text": "x"}).status_code == 404
        assert (
            web.post(f"/workspace/{eid}/journal/mood-in-reports/", {"on": "1"}).status_code == 404
        )
    assert snapshot() == before


def test_the_client_cannot_read_coach_insights_of_their_own_engagement(bob, engagement):
    api = token_client(bob)
    response = api_json(
        api, "get", f"/workspace/journal/insights?engagement={engagement.public_id}"
    )
    assert response.status_code == 404
