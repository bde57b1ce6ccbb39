"""The sponsor admin's programme pages: organisations, new programme, settings, end, budget;
and who gets 404."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from django.urls import reverse

from tandem.orgs.models import Participant, Programme
from tandem.payments.sponsors import selectors as budget_selectors

from .conftest import NOW, make_programme, seat


@pytest.fixture(autouse=True)
def _now(monkeypatch):
    """The pages read timezone.now(): fixed at NOW."""
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)


FORM = {
    "name": "Managers 2030",
    "starts_on": "2030-04-01",
    "ends_on": "2030-12-31",
    "seats": "10",
    "sessions_per_participant": "6",
    "currency": "EUR",
    "coach_rule": "all",
    "location": "any",
    "max_session_minutes": "",
    "join_domain": "Northwind.example",
    "survey_enabled": "on",
}


def test_home_goes_straight_to_the_only_organisation(client, olivia, northwind):
    client.force_login(olivia)
    response = client.get(reverse("orgs_home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("orgs_organisation", args=[northwind.public_id])


def test_home_lists_several_and_says_what_to_do_with_none(client, olivia, globex, charlie):
    from tandem.orgs.models import Membership

    Membership.objects.create(organisation=globex, user=olivia, role="admin")
    client.force_login(olivia)
    body = client.get(reverse("orgs_home")).content.decode()
    assert "Globex" in body and "Northwind Traders" in body
    client.force_login(charlie)
    body = client.get(reverse("orgs_home")).content.decode()
    assert "You do not administer any organisation" in body


def test_organisation_page_lists_programmes_with_seats_and_budget(
    client, olivia, northwind, programme, bob, django_assert_max_num_queries
):
    seat(programme, bob)
    client.force_login(olivia)
    url = reverse("orgs_organisation", args=[northwind.public_id])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    body = response.content.decode()
    assert "Leadership 2030" in body and "1 / 20" in body and "0.00" in body
    assert "/reminders/" in body and "New programme" in body
    for i in range(5):
        make_programme(northwind, name=f"P{i}", currency="GBP" if i % 2 else "EUR")
    with django_assert_max_num_queries(14):
        assert client.get(url).status_code == 200


def test_organisation_without_programmes_says_what_to_do(client, olivia, northwind):
    client.force_login(olivia)
    body = client.get(reverse("orgs_organisation", args=[northwind.public_id])).content.decode()
    assert "No programmes yet" in body


def test_create_a_programme(client, olivia, northwind):
    client.force_login(olivia)
    url = reverse("orgs_programme_new", args=[northwind.public_id])
    assert client.get(url).status_code == 200
    response = client.post(url, FORM)
    assert response.status_code == 302, response.content.decode()[:3000]
    made = Programme.objects.get(name="Managers 2030")
    assert made.join_domain == "northwind.example" and made.survey_enabled
    assert made.created_by == olivia and made.organisation == northwind
    assert response["Location"] == reverse("orgs_budget", args=[made.public_id])


def test_create_keeps_input_and_shows_errors(client, olivia, northwind):
    client.force_login(olivia)
    url = reverse("orgs_programme_new", args=[northwind.public_id])
    bad = {**FORM, "ends_on": "2030-03-01", "coach_rule": "listed", "join_domain": "not a domain"}
    response = client.post(url, bad)
    assert response.status_code == 400
    body = response.content.decode()
    assert "on or after the start date" in body
    assert "Choose at least one coach" in body
    assert "Managers 2030" in body
    assert not Programme.objects.filter(name="Managers 2030").exists()


def test_settings_extend_and_add_seats_but_never_shorten(client, olivia, programme):
    client.force_login(olivia)
    url = reverse("orgs_programme_settings", args=[programme.public_id])
    assert client.get(url).status_code == 200
    data = {
        **FORM,
        "name": programme.name,
        "starts_on": "2030-01-01",
        "ends_on": "2031-06-30",
        "seats": "30",
        "join_domain": "",
    }
    assert client.post(url, data).status_code == 302
    programme.refresh_from_db()
    assert (programme.ends_on, programme.seats) == (date(2031, 6, 30), 30)
    response = client.post(url, {**data, "ends_on": "2030-06-30"})
    assert response.status_code == 400
    assert "only move later" in response.content.decode()
    programme.refresh_from_db()
    assert programme.ends_on == date(2031, 6, 30)


def test_end_a_programme(client, olivia, programme, northwind):
    client.force_login(olivia)
    url = reverse("orgs_programme_end", args=[programme.public_id])
    assert "End this programme?" in client.get(url).content.decode()
    response = client.post(url)
    assert response.status_code == 302
    programme.refresh_from_db()
    assert programme.status == Programme.Status.ENDED and programme.ended_at == NOW
    assert client.post(url).status_code == 409


def test_budget_page_adds_funds_by_invoice(client, olivia, programme):
    client.force_login(olivia)
    url = reverse("orgs_budget", args=[programme.public_id])
    assert "No funds yet" in client.get(url).content.decode()
    response = client.post(url, {"amount": "1500.50", "method": "invoice"})
    assert response.status_code == 302, response.content.decode()[:2000]
    figures = budget_selectors.budget(programme.budget_owner, "EUR")
    assert figures.funded == 150050 and figures.balance == 150050
    body = client.get(url).content.decode()
    assert "1,500.50" in body and "Invoice" in body


def test_budget_refuses_more_than_the_credit(client, olivia, programme):
    client.force_login(olivia)
    url = reverse("orgs_budget", args=[programme.public_id])
    response = client.post(url, {"amount": "10", "method": "org_credit"})
    assert response.status_code == 409
    assert budget_selectors.budget(programme.budget_owner, "EUR").funded == 0


def _routes(programme: Programme, participant: Participant) -> list[tuple[str, str]]:
    org = programme.organisation.public_id
    return [
        ("get", reverse("orgs_organisation", args=[org])),
        ("get", reverse("orgs_programme_new", args=[org])),
        ("post", reverse("orgs_programme_new", args=[org])),
        ("get", reverse("orgs_programme_settings", args=[programme.public_id])),
        ("post", reverse("orgs_programme_settings", args=[programme.public_id])),
        ("get", reverse("orgs_programme_end", args=[programme.public_id])),
        ("post", reverse("orgs_programme_end", args=[programme.public_id])),
        ("get", reverse("orgs_budget", args=[programme.public_id])),
        ("post", reverse("orgs_budget", args=[programme.public_id])),
        ("get", reverse("orgs_participants", args=[programme.public_id])),
        ("post", reverse("orgs_participants", args=[programme.public_id])),
        ("get", reverse("orgs_participant_move", args=[participant.public_id])),
        ("post", reverse("orgs_participant_move", args=[participant.public_id])),
        *[
            ("post", reverse("orgs_participant_action", args=[participant.public_id, a]))
            for a in ("resend", "revoke", "pause", "resume", "remove")
        ],
    ]


@pytest.mark.parametrize("who", ["charlie", "alice", "gus", "staff_user", "bob"])
def test_everyone_else_gets_404_and_nothing_changes(client, who, request, programme, bob, coach):
    held = seat(programme, bob)
    user: Any = request.getfixturevalue(who)
    client.force_login(user)
    before = (
        list(Programme.objects.values_list("status", "seats", "ends_on")),
        list(Participant.objects.values_list("status", "email")),
    )
    for method, url in _routes(programme, held):
        data = {**FORM, "email": "x@example.com", "amount": "10", "method": "invoice"}
        response = client.get(url) if method == "get" else client.post(url, data)
        assert response.status_code == 404, (who, method, url)
    assert before == (
        list(Programme.objects.values_list("status", "seats", "ends_on")),
        list(Participant.objects.values_list("status", "email")),
    )


def test_signed_out_is_sent_to_sign_in(client, programme):
    response = client.get(reverse("orgs_budget", args=[programme.public_id]))
    assert response.status_code == 302 and "login" in response["Location"]
