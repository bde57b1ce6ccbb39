"""Joining a programme by email domain: only a verified address whose domain equals the
programme's join domain; look-alike domains never match; seats counted under the lock."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.test import Client
from django.urls import reverse

from conftest import make_user
from tandem.core.errors import ServiceError
from tandem.orgs.models import Participant
from tandem.orgs.participants.join import domain_of, joinable_programmes, programme_join

from .conftest import NOW, make_programme, seat

pytestmark = pytest.mark.django_db


@pytest.fixture
def open_programme(northwind, olivia):
    return make_programme(northwind, name="Open to all", join_domain="northwind.example", seats=2)


def person(email: str, *, verified: bool = True):
    return make_user(email, name=email.split("@")[0].title(), verified=verified)


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_domain_of_takes_the_part_after_the_last_at():
    assert domain_of("Ann@NorthWind.Example") == "northwind.example"
    assert domain_of('"a@b"@northwind.example.') == "northwind.example"
    assert domain_of("no-at-sign") == ""


@pytest.mark.parametrize(
    "email",
    [
        "eve@evilnorthwind.example",
        "eve@northwind.example.evil",
        "eve@hr.northwind.example",
        "eve@northwind.examples",
        "northwind.example@evil.example",
    ],
)
def test_look_alike_domains_never_match(open_programme, email):
    eve = person(email)
    assert joinable_programmes(eve, now=NOW) == []
    with pytest.raises(ServiceError) as caught:
        programme_join(user=eve, programme_id=open_programme.public_id, now=NOW)
    assert caught.value.status == 404
    assert not Participant.objects.exists()


def test_an_unverified_address_never_matches(open_programme):
    ann = person("ann@northwind.example", verified=False)
    assert joinable_programmes(ann, now=NOW) == []
    with pytest.raises(ServiceError) as caught:
        programme_join(user=ann, programme_id=open_programme.public_id, now=NOW)
    assert caught.value.status == 404
    # A second, verified address at the domain does count.
    EmailAddress.objects.create(user=ann, email="Ann.Lee@Northwind.example", verified=True)
    [offer] = joinable_programmes(ann, now=NOW)
    assert offer.email == "ann.lee@northwind.example"


def test_joining_takes_a_seat_once_and_the_page_lists_it(open_programme, northwind):
    invite_only = make_programme(northwind, name="Invite only")  # no join domain
    ann = person("ann@Northwind.Example")
    client = client_for(ann)
    page = client.get(reverse("orgs_join"))
    assert page.status_code == 200
    assert b"Open to all" in page.content and b"Invite only" not in page.content
    response = client.post(reverse("orgs_join"), {"programme": str(open_programme.public_id)})
    row = Participant.objects.get(programme=open_programme)
    assert response.status_code == 302 and response["Location"] == f"/programmes/{row.public_id}/"
    assert (row.user, row.email, row.status, row.source) == (
        ann,
        "ann@northwind.example",
        "active",
        "domain",
    )
    again = programme_join(user=ann, programme_id=open_programme.public_id, now=NOW)
    assert again.pk == row.pk and Participant.objects.count() == 1
    assert b"Open your place" in client.get(reverse("orgs_join")).content
    with pytest.raises(ServiceError) as caught:
        programme_join(user=ann, programme_id=invite_only.public_id, now=NOW)
    assert caught.value.status == 404


def test_a_full_programme_says_so_and_seats_nobody(open_programme, alice, bob):
    seat(open_programme, alice)
    seat(open_programme, bob)
    ann = person("ann@northwind.example")
    [offer] = joinable_programmes(ann, now=NOW)
    assert offer.full
    response = client_for(ann).post(
        reverse("orgs_join"), {"programme": str(open_programme.public_id)}
    )
    assert response.status_code == 409
    assert b"Every seat is taken" in response.content or b"full" in response.content
    assert not Participant.objects.filter(user=ann).exists()


def test_an_open_invitation_is_accepted_instead_of_a_second_row(open_programme):
    invited = Participant.objects.create(
        programme=open_programme, email="ann@northwind.example", token_hash="x" * 64
    )
    ann = person("ann@northwind.example")
    row = programme_join(user=ann, programme_id=open_programme.public_id, now=NOW)
    assert row.pk == invited.pk
    invited.refresh_from_db()
    assert invited.status == "active" and invited.user == ann and invited.token_hash == ""


def test_someone_removed_cannot_come_back_by_the_domain(open_programme):
    ann = person("ann@northwind.example")
    seat(open_programme, ann, status=Participant.Status.REMOVED)
    with pytest.raises(ServiceError) as caught:
        programme_join(user=ann, programme_id=open_programme.public_id, now=NOW)
    assert caught.value.code == "removed_from_programme"
    assert Participant.objects.get().status == "removed"


def test_ended_programmes_are_not_offered(northwind):
    make_programme(northwind, join_domain="northwind.example", status="ended")
    assert joinable_programmes(person("ann@northwind.example"), now=NOW) == []


def test_others_and_bad_ids_get_404_and_nothing_changes(open_programme, charlie):
    client = client_for(charlie)
    for value in (str(open_programme.public_id), "not-a-uuid", "", "\x00"):
        response = client.post(reverse("orgs_join"), {"programme": value})
        assert response.status_code == 404
    assert not Participant.objects.exists()
    assert Client().get(reverse("orgs_join")).status_code == 302


def test_api_lists_and_joins(open_programme, charlie):
    ann = person("ann@northwind.example")
    client = client_for(ann)
    listed = client.get("/api/v1/orgs/joinable").json()["items"]
    assert [(i["name"], i["joined"], i["full"]) for i in listed] == [("Open to all", False, False)]
    joined = client.post(f"/api/v1/orgs/programmes/{open_programme.public_id}/join")
    assert joined.status_code == 200 and joined.json()["status"] == "active"
    assert client.get("/api/v1/orgs/joinable").json()["items"][0]["joined"] is True
    other = client_for(charlie).post(f"/api/v1/orgs/programmes/{open_programme.public_id}/join")
    assert other.status_code == 404
    assert other.json()["error"]["code"] == "programme_not_found"
    assert Participant.objects.count() == 1
