"""The Book now API on the real clock: /api/v1/dispatch/... (coaches are open all day, so a
free slot always starts within the hour)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from tandem.booking.models import Booking
from tandem.dispatch.models import DispatchOffer, DispatchRequest
from tandem.dispatch.tests.conftest import new_key, state

pytestmark = pytest.mark.django_db

URL = "/api/v1/dispatch/requests"
OFFERS = "/api/v1/dispatch/offers"
BODY = {"specialty": "leadership", "duration_minutes": 60, "within_minutes": 60}


def post(client: Client, path: str, body: object = None, **headers: str):
    data = "" if body is None else json.dumps(body)
    return client.post(path, data=data, content_type="application/json", headers=headers)


def ask(client: Client, **body: object) -> dict:
    response = post(client, URL, {**BODY, **body}, **{"Idempotency-Key": new_key()})
    assert response.status_code == 201, response.content
    return response.json()


def open_offer() -> DispatchOffer:
    return DispatchOffer.objects.select_related("coach__user").get(status="offered")


def coach_client(offer: DispatchOffer, apis: dict) -> Client:
    return apis[offer.coach.user.email]


@pytest.fixture
def apis(alice, dana, alice_api, dana_api) -> dict:
    return {alice.email: alice_api, dana.email: dana_api}


def test_a_client_asks_and_follows_the_request(bob_api, both_online):
    body = ask(bob_api)
    assert body["status"] == "offered"
    assert body["specialty"] == {"slug": "leadership", "name": "Leadership"}
    assert (body["duration_minutes"], body["within_minutes"]) == (60, 60)
    assert body["candidates"] == 2
    assert body["current"]["rank"] == 1
    assert body["current"]["start"] == DispatchOffer.objects.get().start.isoformat().replace(
        "+00:00", "Z"
    )
    # The window is five minutes, or shorter when the slot starts sooner (time of day).
    window = (DispatchOffer.objects.get().expires_at - timezone.now()).total_seconds()
    assert min(300, window) - 5 <= body["current"]["seconds_left"] <= min(300, window + 1)
    assert body["booking"] is None and body["soonest"] == []
    [step] = body["offers"]
    assert set(step) == {"rank", "status", "offered_at", "expires_at", "answered_at"}  # no coach
    again = bob_api.get(f"{URL}/{body['id']}")
    assert again.status_code == 200
    assert again.json()["id"] == body["id"]


def test_idempotency_key_replays_and_refuses_another_body(bob_api, both_online):
    first = post(bob_api, URL, BODY, **{"Idempotency-Key": "same"})
    assert first.status_code == 201
    replay = post(bob_api, URL, BODY, **{"Idempotency-Key": "same"})
    assert replay.status_code == 200
    assert replay["Idempotent-Replayed"] == "true"
    assert replay.json()["id"] == first.json()["id"]
    before = state()
    other = post(bob_api, URL, {**BODY, "within_minutes": 30}, **{"Idempotency-Key": "same"})
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    bad_key = post(bob_api, URL, BODY, **{"Idempotency-Key": "é"})
    assert (bad_key.status_code, bad_key.json()["error"]["code"]) == (400, "invalid")
    assert state() == before


def test_a_second_request_while_one_runs_is_refused(bob_api, both_online):
    ask(bob_api)
    before = state()
    response = post(bob_api, URL, BODY)
    assert (response.status_code, response.json()["error"]["code"]) == (409, "request_active")
    assert state() == before


def test_the_coach_sees_the_offer_and_accepting_books_it(bob_api, apis, both_online):
    request = ask(bob_api)
    offer = open_offer()
    coach = coach_client(offer, apis)
    listed = coach.get(OFFERS).json()["items"]
    assert [o["id"] for o in listed] == [str(offer.public_id)]
    item = listed[0]
    assert item["client"] == {"name": "Bob Brown"}
    assert item["status"] == "offered" and item["booking"] is None
    assert item["tz"] == offer.coach.user.timezone
    accepted = post(coach, f"{OFFERS}/{offer.public_id}/accept")
    assert accepted.status_code == 200, accepted.content
    result = accepted.json()
    assert result["status"] == "accepted"
    booking = Booking.objects.get()
    assert result["booking"] == {
        "id": str(booking.public_id),
        "url": f"/sessions/{booking.public_id}/",
    }
    seen = bob_api.get(f"{URL}/{request['id']}").json()
    assert seen["status"] == "accepted"
    assert seen["booking"]["id"] == str(booking.public_id)
    assert seen["booking"]["coach"]["slug"] == offer.coach.slug
    assert seen["current"] is None
    assert coach.get(OFFERS).json()["items"] == []
    # Accepting again answers the same; the request can no longer be withdrawn.
    assert post(coach, f"{OFFERS}/{offer.public_id}/accept").json()["booking"]["id"] == str(
        booking.public_id
    )
    closed = post(bob_api, f"{URL}/{request['id']}/withdraw")
    assert (closed.status_code, closed.json()["error"]["code"]) == (409, "request_closed")
    assert Booking.objects.count() == 1


def test_a_late_accept_answers_409_offer_expired_and_the_next_coach_is_asked(
    bob_api, apis, both_online
):
    request = ask(bob_api)
    offer = open_offer()
    now = timezone.now()
    DispatchOffer.objects.filter(pk=offer.pk).update(
        offered_at=now - timedelta(minutes=6), expires_at=now - timedelta(seconds=1)
    )
    response = post(coach_client(offer, apis), f"{OFFERS}/{offer.public_id}/accept")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "offer_expired"
    assert not Booking.objects.exists()
    offer.refresh_from_db()
    assert offer.status == "expired"
    current = bob_api.get(f"{URL}/{request['id']}").json()
    assert current["current"]["rank"] == 2
    assert [s["status"] for s in current["offers"]] == ["expired", "offered"]


def test_declining_passes_the_request_on(bob_api, apis, both_online):
    request = ask(bob_api)
    offer = open_offer()
    response = post(coach_client(offer, apis), f"{OFFERS}/{offer.public_id}/decline")
    assert (response.status_code, response.json()["status"]) == (200, "declined")
    second = open_offer()
    assert second.coach_id != offer.coach_id
    assert bob_api.get(f"{URL}/{request['id']}").json()["current"]["rank"] == 2


def test_withdrawing(bob_api, apis, both_online):
    request = ask(bob_api)
    offer = open_offer()
    response = post(bob_api, f"{URL}/{request['id']}/withdraw")
    assert (response.status_code, response.json()["status"]) == (200, "withdrawn")
    assert post(bob_api, f"{URL}/{request['id']}/withdraw").status_code == 200
    late = post(coach_client(offer, apis), f"{OFFERS}/{offer.public_id}/accept")
    assert (late.status_code, late.json()["error"]["code"]) == (409, "offer_closed")
    assert not Booking.objects.exists()


def test_exhausted_shows_the_soonest_scheduled_sessions(bob_api, alice_coach):
    body = ask(bob_api)  # Alice is offline: nobody to ask now
    assert body["status"] == "exhausted"
    [slot] = body["soonest"]
    assert slot["coach"]["slug"] == "alice"
    assert slot["book_url"].startswith("/book/alice/?session_type=")
    assert "start=" in slot["book_url"]


# --- Charlie, a stranger -----------------------------------------------------------------------


def test_a_stranger_cannot_see_withdraw_or_answer(bob_api, charlie_api, apis, both_online):
    request = ask(bob_api)
    offer = open_offer()
    before = state()
    for response in (
        charlie_api.get(f"{URL}/{request['id']}"),
        post(charlie_api, f"{URL}/{request['id']}/withdraw"),
        post(charlie_api, f"{OFFERS}/{offer.public_id}/accept"),
        post(charlie_api, f"{OFFERS}/{offer.public_id}/decline"),
        # The client cannot answer their own request's offer either, nor the other coach.
        post(bob_api, f"{OFFERS}/{offer.public_id}/accept"),
        post(
            apis["dana@example.com" if offer.coach.slug == "alice" else "alice@example.com"],
            f"{OFFERS}/{offer.public_id}/accept",
        ),
        # A coach cannot read the client's request.
        coach_client(offer, apis).get(f"{URL}/{request['id']}"),
        bob_api.get(f"{URL}/not-a-uuid"),
        post(bob_api, f"{OFFERS}/not-a-uuid/decline"),
    ):
        assert response.status_code == 404, response.content
        assert response.json()["error"]["code"] == "not_found"
    assert charlie_api.get(OFFERS).json() == {"items": []}
    assert state() == before


def test_signed_out_is_401(both_online):
    response = post(Client(), URL, BODY)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthenticated"


# --- Bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({**BODY, "specialty": "astrology"}, "unknown_specialty", "specialty"),
        ({**BODY, "specialty": "lead\x00ership"}, "invalid", "specialty"),
        ({**BODY, "specialty": "x" * 61}, "invalid", "specialty"),
        ({**BODY, "specialty": ["leadership"]}, "invalid", "specialty"),
        ({**BODY, "duration_minutes": "60"}, "invalid", "duration_minutes"),
        ({**BODY, "duration_minutes": True}, "invalid", "duration_minutes"),
        ({**BODY, "duration_minutes": 60.5}, "invalid", "duration_minutes"),
        ({**BODY, "within_minutes": 10**40}, "invalid", "within_minutes"),
        ({**BODY, "within_minutes": 121}, "invalid", "within_minutes"),
        ({**BODY, "within_minutes": -5}, "invalid", "within_minutes"),
        ({**BODY, "within_minutes": None}, "invalid", "within_minutes"),
        ({"specialty": "leadership"}, "invalid", "duration_minutes"),
        ({**BODY, "surprise": 1}, "invalid", "surprise"),
    ],
)
def test_bad_input_is_400_with_a_code_and_creates_nothing(bob_api, both_online, body, code, field):
    before = state()
    response = post(bob_api, URL, body)
    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert field in error["fields"]
    assert state() == before


@pytest.mark.parametrize("raw", ["{", "[]", "null", '"text"', "7"])
def test_a_body_that_is_not_an_object_is_400(bob_api, both_online, raw):
    before = state()
    response = bob_api.post(URL, data=raw, content_type="application/json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] in {"malformed_json", "invalid"}
    assert state() == before
    assert not DispatchRequest.objects.exists()
