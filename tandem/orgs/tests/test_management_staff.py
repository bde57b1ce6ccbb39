"""Staff manage organisations (issue 18): see every organisation with its figures, create one
with its first admin (an existing account), add and remove admins; nobody else reaches any of
it (404), and a refused action changes nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tandem.orgs.models import Membership, Organisation

from .conftest import make_programme, seat

pytestmark = pytest.mark.django_db
API = "/api/v1/orgs/staff/organisations"


def rows() -> list[tuple[Any, ...]]:
    orgs = list(Organisation.objects.order_by("pk").values_list("pk", "name", "slug"))
    members = list(Membership.objects.order_by("pk").values_list("pk", "user_id", "role"))
    return [*orgs, *members]


def signed_in(client: Any, user: Any) -> Any:
    client.force_login(user)
    return client


# --- pages ---------------------------------------------------------------------------------


def test_staff_see_every_organisation_with_counts(
    client, staff_user, northwind, olivia, globex, gus, bob, charlie
):
    Membership.objects.create(organisation=northwind, user=bob)
    Membership.objects.create(organisation=northwind, user=charlie)
    make_programme(northwind)
    make_programme(northwind, name="Second")
    html = signed_in(client, staff_user).get("/staff/organisations/").content.decode()
    assert "Northwind Traders" in html and "Globex" in html
    assert '<td data-label="Members" class="text-end">2</td>' in html
    assert '<td data-label="Programmes" class="text-end">2</td>' in html


def test_the_list_takes_constant_queries(client, staff_user, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(staff_user)
    Organisation.objects.create(name="One", slug="one")
    client.get("/staff/organisations/")
    with CaptureQueriesContext(connection) as few:
        client.get("/staff/organisations/")
    for n in range(15):
        Organisation.objects.create(name=f"Org {n}", slug=f"org-{n}")
    with CaptureQueriesContext(connection) as many:
        assert client.get("/staff/organisations/").status_code == 200
    assert len(many) == len(few)


def test_staff_create_an_organisation_with_its_first_admin(client, staff_user, olivia):
    response = signed_in(client, staff_user).post(
        "/staff/organisations/",
        {"name": "Initech", "slug": "initech", "admin_email": "OLIVIA@example.com"},
    )
    org = Organisation.objects.get(slug="initech")
    assert response.status_code == 302 and response["Location"].endswith(f"/{org.public_id}/")
    assert Membership.objects.get(organisation=org).user == olivia
    assert Membership.objects.get(organisation=org).role == "admin"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "Initech", "slug": "northwind", "admin_email": "olivia@example.com"}, "slug"),
        ({"name": "Initech", "slug": "Not a slug!", "admin_email": "olivia@example.com"}, "slug"),
        ({"name": "Initech", "slug": "initech", "admin_email": "nobody@example.com"}, "email"),
        ({"name": "Initech", "slug": "initech", "admin_email": "not-an-email"}, "email"),
        ({"name": "Ini\x00tech", "slug": "initech", "admin_email": "olivia@example.com"}, "NUL"),
        ({"name": "x" * 5000, "slug": "initech", "admin_email": "olivia@example.com"}, "200"),
    ],
)
def test_bad_input_is_shown_on_the_form_and_changes_nothing(
    client, staff_user, northwind, olivia, data, field
):
    before = rows()
    response = signed_in(client, staff_user).post("/staff/organisations/", data)
    assert response.status_code in (400, 409)
    assert field.lower() in response.content.decode().lower()
    assert rows() == before


def test_staff_add_and_remove_admins_never_the_last(client, staff_user, northwind, olivia, bob):
    client = signed_in(client, staff_user)
    page = f"/staff/organisations/{northwind.public_id}/"
    assert client.post(page, {"email": "bob@example.com"}).status_code == 302
    assert set(northwind.memberships.values_list("user__email", "role")) == {
        ("olivia@example.com", "admin"),
        ("bob@example.com", "admin"),
    }
    remove = f"{page}admins/{olivia.public_id}/remove/"
    assert client.post(remove).status_code == 302
    assert list(northwind.memberships.values_list("user__email", flat=True)) == ["bob@example.com"]
    before = rows()
    response = client.post(f"{page}admins/{bob.public_id}/remove/", follow=True)
    assert "at least one admin" in response.content.decode()
    assert rows() == before
    # Someone who is not an admin there: 404.
    assert client.post(f"{page}admins/{olivia.public_id}/remove/").status_code == 404


def test_a_member_added_as_admin_is_promoted(client, staff_user, northwind, olivia, bob):
    Membership.objects.create(organisation=northwind, user=bob)
    signed_in(client, staff_user).post(
        f"/staff/organisations/{northwind.public_id}/", {"email": "bob@example.com"}
    )
    assert Membership.objects.get(organisation=northwind, user=bob).role == "admin"


@pytest.mark.parametrize("who", ["charlie", "alice", "olivia", "gus"])
def test_nobody_but_staff_reaches_the_pages(client, request, northwind, olivia, gus, who):
    user = request.getfixturevalue(who)
    client = signed_in(client, user)
    before = rows()
    detail = f"/staff/organisations/{northwind.public_id}/"
    assert client.get("/staff/organisations/").status_code == 404
    assert (
        client.post(
            "/staff/organisations/", {"name": "X", "slug": "x", "admin_email": user.email}
        ).status_code
        == 404
    )
    assert client.get(detail).status_code == 404
    assert client.post(detail, {"email": user.email}).status_code == 404
    assert client.post(f"{detail}admins/{olivia.public_id}/remove/").status_code == 404
    assert rows() == before


def test_staff_reach_no_programme_through_their_page(client, staff_user, programme, bob):
    seat(programme, bob)
    html = (
        signed_in(client, staff_user)
        .get(f"/staff/organisations/{programme.organisation.public_id}/")
        .content.decode()
    )
    assert "Leadership 2030" not in html and "bob@example.com" not in html


# --- API -----------------------------------------------------------------------------------


def post(client: Any, path: str, body: Any, **headers: str) -> Any:
    return client.post(
        path, data=json.dumps(body), content_type="application/json", headers=headers
    )


def test_api_create_is_idempotent_and_lists(client, staff_user, olivia):
    client = signed_in(client, staff_user)
    body = {"name": "Initech", "slug": "initech", "admin_email": "olivia@example.com"}
    first = post(client, API, body, **{"Idempotency-Key": "k1"})
    assert first.status_code == 201, first.content
    again = post(client, API, body, **{"Idempotency-Key": "k1"})
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Organisation.objects.filter(slug="initech").count() == 1
    other = post(client, API, {**body, "name": "Other"}, **{"Idempotency-Key": "k1"})
    assert other.status_code == 409
    listed = client.get(API, {"q": "init"}).json()  # (Northwind is Olivia's too)
    assert listed["total"] == 1 and listed["items"][0]["admins"] == 1
    detail = client.get(f"{API}/{first.json()['id']}").json()
    assert detail["admin_list"][0]["email"] == "olivia@example.com"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (
            {"name": "A", "slug": "northwind", "admin_email": "olivia@example.com"},
            409,
            "slug_taken",
        ),
        ({"name": "A", "slug": "a", "admin_email": "nobody@example.com"}, 400, "no_such_account"),
        ({"name": "A\x00", "slug": "a", "admin_email": "olivia@example.com"}, 400, "invalid"),
        ({"name": "A" * 201, "slug": "a", "admin_email": "olivia@example.com"}, 400, None),
        ({"name": 5, "slug": "a", "admin_email": "olivia@example.com"}, 400, None),
        ({"name": "A", "slug": "a", "admin_email": "olivia@example.com", "x": 1}, 400, None),
        (["not", "an", "object"], 400, None),
    ],
)
def test_api_bad_input_is_a_clear_4xx_and_changes_nothing(
    client, staff_user, northwind, olivia, body, status, code
):
    before = rows()
    response = post(signed_in(client, staff_user), API, body)
    assert response.status_code == status, response.content
    assert "error" in response.json()
    if code:
        assert response.json()["error"]["code"] == code
    assert rows() == before


def test_api_malformed_json_is_400(client, staff_user):
    response = signed_in(client, staff_user).post(
        API, data="{not json", content_type="application/json"
    )
    assert response.status_code == 400 and "error" in response.json()


def test_api_admins(client, staff_user, northwind, olivia, bob):
    client = signed_in(client, staff_user)
    base = f"{API}/{northwind.public_id}/admins"
    added = post(client, base, {"email": "bob@example.com"})
    assert added.status_code == 200 and len(added.json()["admin_list"]) == 2
    assert client.delete(f"{base}/{olivia.public_id}").status_code == 204
    last = client.delete(f"{base}/{bob.public_id}")
    assert last.status_code == 409 and last.json()["error"]["code"] == "last_admin"
    assert client.delete(f"{base}/{olivia.public_id}").status_code == 404
    assert client.delete(f"{base}/not-a-uuid").status_code == 404
    assert client.get(f"{API}/00000000-0000-4000-8000-000000000000").status_code == 404


@pytest.mark.parametrize("who", ["charlie", "alice", "olivia", "gus"])
def test_api_nobody_but_staff(client, request, northwind, olivia, gus, who):
    user = request.getfixturevalue(who)
    client = signed_in(client, user)
    before = rows()
    body = {"name": "A", "slug": "a", "admin_email": user.email}
    assert client.get(API).status_code == 404
    assert post(client, API, body).status_code == 404
    assert client.get(f"{API}/{northwind.public_id}").status_code == 404
    added = post(client, f"{API}/{northwind.public_id}/admins", {"email": user.email})
    assert added.status_code == 404 and "error" in added.json()
    assert (
        client.delete(f"{API}/{northwind.public_id}/admins/{olivia.public_id}").status_code == 404
    )
    assert rows() == before


def test_anonymous_visitors_are_sent_to_sign_in(client, northwind, olivia):
    before = rows()
    assert client.get("/staff/organisations/").status_code == 302
    assert client.get(f"/org/{northwind.public_id}/reminders/").status_code == 302
    assert client.get(API).status_code == 401
    assert (
        post(
            client, API, {"name": "A", "slug": "a", "admin_email": "olivia@example.com"}
        ).status_code
        == 401
    )
    assert rows() == before
