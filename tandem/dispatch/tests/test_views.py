"""Book now pages: the form, the progress page, withdrawing, the coach's offers page."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.booking.models import Booking
from tandem.dispatch.models import DispatchOffer, DispatchRequest
from tandem.dispatch.tests.conftest import new_key, state

pytestmark = pytest.mark.django_db

FORM = {"specialty": "leadership", "duration_minutes": "60", "within_minutes": "60"}


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def ask(client: Client) -> DispatchRequest:
    response = client.post("/book-now/", {**FORM, "idempotency_key": new_key()})
    assert response.status_code == 302, response.content.decode()
    request = DispatchRequest.objects.get()
    assert response["Location"] == f"/book-now/{request.public_id}/"
    return request


def test_the_form_lists_specialties_and_lengths_and_is_linked_from_nav_and_dashboard(
    bob, both_online
):
    client = signed_in(bob)
    page = client.get("/book-now/").content.decode()
    assert '<label class="form-label" for="id_specialty">' in page
    assert '<option value="leadership">Leadership</option>' in page
    assert '<option value="60">1 hour</option>' in page
    assert 'name="within_minutes" value="15"' in page
    assert 'href="/book-now/" aria-current="page"' in page
    assert 'href="/book-now/"' in client.get("/dashboard/").content.decode()


def test_asking_shows_live_progress_and_withdrawing_stops_it(bob, both_online):
    client = signed_in(bob)
    request = ask(client)
    page = client.get(f"/book-now/{request.public_id}/").content.decode()
    assert "Asking coach 1 of 2" in page
    assert 'data-live-refresh="dispatch.changed"' in page
    assert f'hx-get="/book-now/{request.public_id}/status/"' in page
    assert "data-seconds-left=" in page
    assert "dispatch/request.js" in page
    part = client.get(f"/book-now/{request.public_id}/status/").content.decode()
    assert "Asking coach 1 of 2" in part and "<html" not in part
    # The form then says a request is running.
    assert "You already have a request running" in client.get("/book-now/").content.decode()
    response = client.post(f"/book-now/{request.public_id}/withdraw/")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "You withdrew this request" in page
    assert DispatchOffer.objects.get().status == "withdrawn"


def test_refused_form_input_keeps_the_input_and_creates_nothing(bob, both_online):
    client = signed_in(bob)
    before = state()
    for data, message in (
        ({**FORM, "within_minutes": "500"}, "less than or equal to 120"),
        ({**FORM, "specialty": "astrology"}, "Select a valid choice"),
        ({**FORM, "within_minutes": "soon"}, "Enter a whole number"),
    ):
        response = client.post("/book-now/", {**data, "idempotency_key": new_key()})
        assert response.status_code == 400
        assert message in response.content.decode()
    assert state() == before


def test_a_second_request_shows_the_service_error(bob, both_online):
    client = signed_in(bob)
    ask(client)
    response = client.post("/book-now/", {**FORM, "idempotency_key": new_key()})
    assert response.status_code == 409
    assert "already have a Book now request running" in response.content.decode()


def test_exhausted_offers_the_soonest_scheduled_sessions(bob, alice_coach):
    client = signed_in(bob)
    request = ask(client)  # Alice is offline
    page = client.get(f"/book-now/{request.public_id}/").content.decode()
    assert "No coach could take it right now" in page
    assert 'href="/book/alice/?session_type=' in page
    assert "Book this time" in page


def test_the_coach_accepts_on_the_offers_page(bob, alice, dana, both_online):
    request = ask(signed_in(bob))
    offer = DispatchOffer.objects.select_related("coach__user").get()
    coach = signed_in(offer.coach.user)
    page = coach.get("/book-now/offers/").content.decode()
    assert "Bob Brown would like a session" in page
    assert 'data-live-refresh="dispatch.offer"' in page
    response = coach.post(f"/book-now/offers/{offer.public_id}/accept/")
    booking = Booking.objects.get()
    assert response["Location"] == f"/sessions/{booking.public_id}/"
    request.refresh_from_db()
    assert request.booking == booking
    page = signed_in(bob).get(f"/book-now/{request.public_id}/").content.decode()
    assert "Booked" in page and f'href="/sessions/{booking.public_id}/"' in page
    assert "No offers right now" in coach.get("/book-now/offers/live/").content.decode()


def test_the_coach_declines_on_the_offers_page(bob, alice, dana, both_online):
    ask(signed_in(bob))
    offer = DispatchOffer.objects.select_related("coach__user").get()
    response = signed_in(offer.coach.user).post(f"/book-now/offers/{offer.public_id}/decline/")
    assert response["Location"] == "/book-now/offers/"
    offer.refresh_from_db()
    assert offer.status == "declined"
    assert DispatchOffer.objects.filter(status="offered").count() == 1


def test_a_stranger_gets_404_and_changes_nothing(bob, charlie, alice, dana, both_online):
    request = ask(signed_in(bob))
    offer = DispatchOffer.objects.get()
    stranger = signed_in(charlie)
    before = state()
    for response in (
        stranger.get(f"/book-now/{request.public_id}/"),
        stranger.get(f"/book-now/{request.public_id}/status/"),
        stranger.post(f"/book-now/{request.public_id}/withdraw/"),
        stranger.post(f"/book-now/offers/{offer.public_id}/accept/"),
        stranger.post(f"/book-now/offers/{offer.public_id}/decline/"),
    ):
        assert response.status_code == 404
    assert "No offers right now" in stranger.get("/book-now/offers/").content.decode()
    assert state() == before


def test_signed_out_visitors_are_sent_to_sign_in(db):
    response = Client().get("/book-now/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_staff_can_read_the_record_in_the_admin_but_not_change_it(bob, staff_user, both_online):
    request = ask(signed_in(bob))
    offer = DispatchOffer.objects.get()
    staff = signed_in(staff_user)
    page = staff.get(f"/admin/dispatch/dispatchrequest/{request.pk}/change/")
    assert page.status_code == 200
    assert "Offer" in page.content.decode()
    assert staff.get("/admin/dispatch/dispatchoffer/").status_code == 200
    assert staff.get("/admin/dispatch/dispatchrequest/add/").status_code == 403
    before = state()
    staff.post(f"/admin/dispatch/dispatchoffer/{offer.pk}/delete/", {"post": "yes"})
    assert state() == before
