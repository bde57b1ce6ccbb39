"""The organisation's reminder schedule (issue 18): its admins set the lead times of their
members' session reminders, on the notifications service the coach's page uses (same
validation); nobody else reaches it (404) and a refused change changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tandem.notifications.models import ReminderSchedule
from tandem.notifications.services.schedules import offsets_for
from tandem.orgs.models import Membership

pytestmark = pytest.mark.django_db


def schedules() -> list[tuple[Any, ...]]:
    return list(
        ReminderSchedule.objects.values_list("organisation_id", "coach_id", "client_offsets")
    )


def page_of(org: Any) -> str:
    return f"/org/{org.public_id}/reminders/"


def api_of(org: Any) -> str:
    return f"/api/v1/orgs/organisations/{org.public_id}/reminders"


def test_the_admin_sees_the_default_then_sets_own_times(client, northwind, olivia, bob, coach):
    client.force_login(olivia)
    html = client.get(page_of(northwind)).content.decode()
    assert "Session reminders for Northwind Traders" in html
    assert "24 h and 3 h before" in html  # the platform default for clients
    response = client.post(
        page_of(northwind), {"client_choice": "custom", "client_custom": "48 h, 2 h, 15 min"}
    )
    assert response.status_code == 302
    row = ReminderSchedule.objects.get(organisation=northwind)
    assert row.client_offsets == [2880, 120, 15] and row.coach_offsets is None
    # A member's sessions use them, over the coach's default.
    Membership.objects.create(organisation=northwind, user=bob)
    assert offsets_for(coach_id=coach.pk, client_id=bob.pk)["client"] == (2880, 120, 15)
    html = client.get(page_of(northwind)).content.decode()
    assert "2 days, 2 h and 15 min before" in html


@pytest.mark.parametrize(
    ("choice", "expected"), [("ladder", [300, 240, 180, 120, 60]), ("none", []), ("default", None)]
)
def test_presets(client, northwind, olivia, choice, expected):
    client.force_login(olivia)
    assert client.post(page_of(northwind), {"client_choice": choice}).status_code == 302
    assert ReminderSchedule.objects.get(organisation=northwind).client_offsets == expected


@pytest.mark.parametrize(
    ("custom", "message"),
    [
        ("soon", "is not a lead time"),
        ("31 days", "1 minute to 30 days"),
        (", ".join(f"{n} h" for n in range(1, 12)), "at most 10"),
        ("", "at least one lead time"),
    ],
)
def test_bad_times_are_refused_with_the_coach_page_messages(
    client, northwind, olivia, custom, message
):
    client.force_login(olivia)
    before = schedules()
    response = client.post(page_of(northwind), {"client_choice": "custom", "client_custom": custom})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert schedules() == before


@pytest.mark.parametrize("who", ["charlie", "alice", "gus", "staff_user", "bob"])
def test_nobody_but_its_admins(client, request, northwind, olivia, gus, bob, who):
    Membership.objects.create(organisation=northwind, user=bob)  # a member is not an admin
    client.force_login(request.getfixturevalue(who))
    before = schedules()
    assert client.get(page_of(northwind)).status_code == 404
    assert client.post(page_of(northwind), {"client_choice": "none"}).status_code == 404
    assert client.get(api_of(northwind)).status_code == 404
    put = client.put(api_of(northwind), json.dumps({"client_offsets": []}), "application/json")
    assert put.status_code == 404 and put.json()["error"]["code"]
    assert schedules() == before


def test_unknown_and_malformed_ids_are_404(client, olivia):
    client.force_login(olivia)
    for org_id in ("00000000-0000-4000-8000-000000000000", "nope", "x" * 300):
        assert client.get(f"/org/{org_id}/reminders/").status_code == 404
        assert client.get(f"/api/v1/orgs/organisations/{org_id}/reminders").status_code == 404


def test_api_get_and_put(client, northwind, olivia):
    client.force_login(olivia)
    assert client.get(api_of(northwind)).json() == {
        "client_offsets": [1440, 180],
        "client_default": True,
    }
    response = client.put(
        api_of(northwind), json.dumps({"client_offsets": [60, 1440, 60]}), "application/json"
    )
    assert response.json() == {"client_offsets": [1440, 60], "client_default": False}
    response = client.put(
        api_of(northwind), json.dumps({"client_offsets": None}), "application/json"
    )
    assert response.json()["client_default"] is True


@pytest.mark.parametrize(
    "body",
    [
        {"client_offsets": [0]},
        {"client_offsets": [50_000]},
        {"client_offsets": list(range(1, 12))},
        {"client_offsets": ["soon"]},
        {"client_offsets": [1], "coach_offsets": [1]},
        {"client_offsets": "60"},
        [60],
        "\x00",
    ],
)
def test_api_bad_input_is_a_clear_400(client, northwind, olivia, body):
    client.force_login(olivia)
    before = schedules()
    response = client.put(api_of(northwind), json.dumps(body), "application/json")
    assert response.status_code == 400, response.content
    assert set(response.json()["error"]) == {"code", "message", "fields"}
    assert schedules() == before
