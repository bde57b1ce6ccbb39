"""The navigation for organisations (issue 18): an "Organisation" menu for org admins (their
programmes, each organisation's reminder schedule), "My programmes" in the Workspace menu for
anyone holding a seat, and the same number of queries whatever a user holds."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse

from tandem.home.tests.test_navigation import menu
from tandem.orgs.models import Membership, Organisation, Participant

from .conftest import seat

pytestmark = pytest.mark.django_db


def resolves(name: str) -> str | None:
    try:
        return reverse(name)
    except NoReverseMatch:
        return None


def html_of(client: Any, user: Any, path: str = "/dashboard/") -> str:
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_an_org_admin_has_the_organisation_menu(client, northwind, olivia):
    links = menu(html_of(client, olivia), "nav-org")
    assert links["Reminder schedule"] == f"/org/{northwind.public_id}/reminders/"
    if resolves("orgs_home"):
        assert links["Programmes"] == resolves("orgs_home")


def test_an_admin_of_several_organisations_has_each_schedule(client, northwind, olivia, globex):
    Membership.objects.create(organisation=globex, user=olivia, role="admin")
    links = menu(html_of(client, olivia), "nav-org")
    assert links["Reminders: Globex"] == f"/org/{globex.public_id}/reminders/"
    assert links["Reminders: Northwind Traders"] == f"/org/{northwind.public_id}/reminders/"


def test_the_open_schedule_is_marked(client, northwind, olivia):
    html = html_of(client, olivia, f"/org/{northwind.public_id}/reminders/")
    assert f'href="/org/{northwind.public_id}/reminders/" aria-current="page"' in html


def test_members_clients_and_staff_have_no_organisation_menu(client, northwind, bob, staff_user):
    Membership.objects.create(organisation=northwind, user=bob)
    assert menu(html_of(client, bob), "nav-org") == {}
    assert menu(html_of(client, staff_user), "nav-org") == {}


def test_my_programmes_for_seat_holders_only(client, programme, bob, charlie):
    url = resolves("orgs_my_programmes")
    if url is None:
        pytest.skip("the sponsorship area has no /programmes/ page yet")
    seat(programme, bob)
    assert menu(html_of(client, bob), "nav-workspace").get("My programmes") == url
    assert "My programmes" not in menu(html_of(client, charlie), "nav-workspace")
    seat(programme, charlie, status=Participant.Status.REMOVED)
    assert "My programmes" not in menu(html_of(client, charlie), "nav-workspace")


def test_my_programmes_for_an_invitation_waiting_at_ones_address(client, programme, charlie):
    url = resolves("orgs_my_programmes")
    if url is None:
        pytest.skip("the sponsorship area has no /programmes/ page yet")
    Participant.objects.create(programme=programme, email="charlie@example.com", token_hash="0")
    assert menu(html_of(client, charlie), "nav-workspace").get("My programmes") == url


def count(client: Any, path: str = "/settings/") -> int:
    client.get(path)  # warm
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def test_the_navigation_costs_the_same_whatever_a_user_holds(
    client, programme, northwind, olivia, bob
):
    client.force_login(bob)
    without = count(client)
    seat(programme, bob)
    assert count(client) == without
    client.force_login(olivia)
    one = count(client)
    for n in range(4):
        org = Organisation.objects.create(name=f"Org {n}", slug=f"org-{n}")
        Membership.objects.create(organisation=org, user=olivia, role="admin")
    seat(programme, olivia)
    assert count(client) == one
