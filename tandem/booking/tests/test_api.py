"""The booking API end to end: holds, booking, lists, changes, permissions and bad input."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from tandem.booking.models import Booking, BookingEvent, Hold, IdempotencyRecord
from tandem.booking.tests.conftest import at, make_type, token_client

pytestmark = pytest.mark.django_db


def post(client, path: str, body: object, **headers):
    return client.post(
        f"/api/v1{path}", data=json.dumps(body), content_type="application/json", **headers
    )


def book(client, coach, session_type, start, **headers):
    return post(
        client,
        "/bookings",
        {
            "coach": coach.slug,
            "session_type": str(session_type.public_id),
            "start": start.isoformat(),
        },
        **headers,
    )


def snapshot() -> tuple:
    return (
        list(Booking.objects.order_by("pk").values()),
        BookingEvent.objects.count(),
        Hold.objects.count(),
        IdempotencyRecord.objects.count(),
    )


def slots(client, coach, session_type, start):
    response = client.get(
        f"/api/v1/coaches/{coach.slug}/slots",
        {
            "session_type": str(session_type.public_id),
            "start": (start - timedelta(hours=2)).isoformat(),
            "end": (start + timedelta(hours=3)).isoformat(),
            "tz": "UTC",
        },
    )
    assert response.status_code == 200
    return [s["start"] for s in response.json()["slots"]]


def iso(dt) -> str:
    return dt.isoformat().replace("+00:00", "Z")


def test_book_then_list_and_detail(coach, session_type, bob):
    api = token_client(bob)
    # Two local days ahead at 10:00 is always 34 to 58 hours away: medium impact.
    response = book(api, coach, session_type, at(2, 10), HTTP_IDEMPOTENCY_KEY="one")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["status"] == "confirmed"
    assert data["role"] == "client"
    assert data["meeting_url"].startswith("https://meet.jit.si/tandem-")
    assert data["policy"]["impact"] == "medium"

    listed = api.get("/api/v1/bookings?scope=upcoming").json()
    assert [b["id"] for b in listed["items"]] == [data["id"]]
    assert api.get("/api/v1/bookings?scope=past").json()["items"] == []
    detail = api.get(f"/api/v1/bookings/{data['id']}").json()
    assert [e["kind"] for e in detail["history"]] == ["booked"]
    assert detail["history"][0]["by"] == "client"

    alice_view = token_client(coach.user).get(f"/api/v1/bookings/{data['id']}").json()
    assert alice_view["role"] == "coach"
    assert alice_view["meeting_url"] == data["meeting_url"]


def test_same_idempotency_key_gives_the_same_booking(coach, session_type, bob):
    api = token_client(bob)
    first = book(api, coach, session_type, at(3, 10), HTTP_IDEMPOTENCY_KEY="abc")
    second = book(api, coach, session_type, at(3, 10), HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == 201 and second.status_code == 200
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert Booking.objects.count() == 1
    before = snapshot()
    other = book(api, coach, session_type, at(3, 12), HTTP_IDEMPOTENCY_KEY="abc")
    assert other.status_code == 409
    assert other.json()["error"]["code"] == "idempotency_key_reused"
    assert snapshot() == before


def test_taken_slot_answers_409(coach, session_type, bob, charlie):
    assert book(token_client(bob), coach, session_type, at(3, 10)).status_code == 201
    before = snapshot()
    response = book(token_client(charlie), coach, session_type, at(3, 10, 30))
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "slot_unavailable"
    assert snapshot() == before


def test_back_to_back_allowed_and_buffers_respected(coach, bob, charlie):
    buffered = make_type(coach, name="Buffered", buffer_after_minutes=15, slot_step_minutes=15)
    assert book(token_client(bob), coach, buffered, at(3, 10)).status_code == 201
    # 11:00 starts inside the 15-minute buffer after the first session.
    assert book(token_client(charlie), coach, buffered, at(3, 11)).status_code == 409
    assert book(token_client(charlie), coach, buffered, at(3, 11, 15)).status_code == 201
    plain = make_type(coach, name="Plain")
    assert book(token_client(charlie), coach, plain, at(4, 10)).status_code == 201
    assert book(token_client(bob), coach, plain, at(4, 11)).status_code == 201


def test_hold_hides_the_slot_from_others_until_it_expires(
    coach, session_type, bob, charlie, settings
):
    bob_api, charlie_api = token_client(bob), token_client(charlie)
    start = at(3, 10)
    response = post(
        bob_api,
        "/holds",
        {"coach": coach.slug, "session_type": str(session_type.public_id), "start": iso(start)},
    )
    assert response.status_code == 201, response.content
    hold = response.json()
    charlie_slots = slots(charlie_api, coach, session_type, start)
    bob_slots = slots(bob_api, coach, session_type, start)
    assert iso(start) not in charlie_slots
    assert iso(start) in bob_slots
    assert book(charlie_api, coach, session_type, start).status_code == 409
    # A second hold by Bob with the same coach replaces the first.
    second = post(
        bob_api,
        "/holds",
        {"coach": coach.slug, "session_type": str(session_type.public_id), "start": iso(at(3, 14))},
    )
    assert second.status_code == 201
    assert Hold.objects.filter(client=bob).count() == 1
    assert iso(start) in slots(charlie_api, coach, session_type, start)
    # The replaced hold's id no longer books anything.
    stale = post(bob_api, "/bookings", {"hold": hold["id"]})
    assert stale.status_code == 404
    booked = post(bob_api, "/bookings", {"hold": second.json()["id"], "notes": "Career change"})
    assert booked.status_code == 201
    assert booked.json()["notes"] == "Career change"
    assert Hold.objects.count() == 0


def test_expired_hold_frees_the_slot(coach, session_type, bob, charlie):
    start = at(3, 10)
    hold = post(
        token_client(bob),
        "/holds",
        {"coach": coach.slug, "session_type": str(session_type.public_id), "start": iso(start)},
    ).json()
    Hold.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    assert iso(start) in slots(token_client(charlie), coach, session_type, start)
    response = post(token_client(bob), "/bookings", {"hold": hold["id"]})
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "hold_expired"
    assert book(token_client(charlie), coach, session_type, start).status_code == 201


def test_charlie_cannot_touch_alice_and_bobs_booking(coach, session_type, bob, charlie):
    booking_id = book(token_client(bob), coach, session_type, at(3, 10)).json()["id"]
    api = token_client(charlie)
    before = snapshot()
    assert api.get(f"/api/v1/bookings/{booking_id}").status_code == 404
    for path, body in [
        ("reschedule", {"start": iso(at(3, 14))}),
        ("cancel", {"reason_code": "illness"}),
        ("accept", {}),
        ("decline", {}),
        ("complete", {}),
        ("no-show", {}),
    ]:
        response = post(api, f"/bookings/{booking_id}/{path}", body)
        assert response.status_code == 404, (path, response.content)
        assert response.json()["error"]["code"] == "not_found"
    assert api.get("/api/v1/bookings").json()["items"] == []
    hold = post(
        token_client(bob),
        "/holds",
        {"coach": coach.slug, "session_type": str(session_type.public_id), "start": iso(at(4, 10))},
    ).json()
    before = snapshot()
    assert post(api, "/bookings", {"hold": hold["id"]}).status_code == 404
    assert api.delete(f"/api/v1/holds/{hold['id']}").status_code == 404
    assert snapshot() == before


@pytest.mark.parametrize(
    "body",
    [
        {"coach": "alice", "session_type": "nope", "start": "2030-01-01T10:00:00Z"},
        {"coach": "alice", "start": "2030-01-01T10:00:00Z"},
        {"coach": "alice\x00", "session_type": None, "start": "2030-01-01T10:00:00Z"},
        {"hold": "not-a-uuid"},
        {"hold": None, "notes": "x" * 3000},
        {"notes": 12},
        {"unknown": 1},
        [],
        "text",
    ],
)
def test_bad_booking_bodies_answer_400_and_change_nothing(coach, session_type, bob, body):
    api = token_client(bob)
    before = snapshot()
    response = post(api, "/bookings", body)
    assert response.status_code == 400, response.content
    assert "code" in response.json()["error"]
    assert snapshot() == before


def test_bad_times_answer_400(coach, session_type, bob):
    api = token_client(bob)
    before = snapshot()
    for start, code in [
        ("2020-01-01T10:00:00Z", "in_past"),
        ("2030-01-01T10:00:00", "naive_datetime"),
    ]:
        response = post(
            api,
            "/bookings",
            {"coach": coach.slug, "session_type": str(session_type.public_id), "start": start},
        )
        assert response.status_code == 400, response.content
        assert response.json()["error"]["fields"]["start"] == [code]
    malformed = api.post("/api/v1/bookings", data="{bad", content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.json()["error"]["code"] == "malformed_json"
    long_key = book(api, coach, session_type, at(3, 10), HTTP_IDEMPOTENCY_KEY="k" * 300)
    assert long_key.status_code == 400
    assert snapshot() == before


def test_unknown_ids_answer_404(coach, session_type, bob):
    api = token_client(bob)
    assert api.get("/api/v1/bookings/not-a-uuid").status_code == 404
    assert api.get("/api/v1/bookings/7d2c2b9e-3a55-4b8e-9a43-1c6a0d6c8f00").status_code == 404
    response = post(
        api,
        "/bookings",
        {"coach": "nobody", "session_type": str(session_type.public_id), "start": iso(at(3, 10))},
    )
    assert response.status_code == 404


def test_booking_yourself_is_refused(coach, session_type):
    response = book(token_client(coach.user), coach, session_type, at(3, 10))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "own_booking"
    assert Booking.objects.count() == 0


def test_anonymous_cannot_book(coach, session_type, client):
    response = book(client, coach, session_type, at(3, 10))
    assert response.status_code == 401
    assert Booking.objects.count() == 0


def test_pending_request_accept_and_decline(coach, bob, charlie):
    needs_ok = make_type(coach, name="Intro", requires_confirmation=True)
    bob_booking = book(token_client(bob), coach, needs_ok, at(3, 10)).json()
    assert bob_booking["status"] == "pending"
    assert bob_booking["pending_expires_at"] is not None
    # The pending request holds the slot.
    assert book(token_client(charlie), coach, needs_ok, at(3, 10)).status_code == 409
    # Bob cannot accept his own request.
    refused = post(token_client(bob), f"/bookings/{bob_booking['id']}/accept", {})
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "coach_only"
    alice = token_client(coach.user)
    accepted = post(alice, f"/bookings/{bob_booking['id']}/accept", {})
    assert accepted.status_code == 200
    assert accepted.json()["status"] == "confirmed"
    assert [e["kind"] for e in accepted.json()["history"]] == ["requested", "accepted"]
    again = post(alice, f"/bookings/{bob_booking['id']}/accept", {})
    assert again.status_code == 409

    charlie_booking = book(token_client(charlie), coach, needs_ok, at(3, 14)).json()
    declined = post(
        alice, f"/bookings/{charlie_booking['id']}/decline", {"message": "Fully booked"}
    )
    assert declined.json()["status"] == "declined"
    listed = token_client(charlie).get("/api/v1/bookings?scope=cancelled").json()["items"]
    assert [b["id"] for b in listed] == [charlie_booking["id"]]


def test_reschedule_moves_atomically_and_keeps_history(coach, session_type, bob, charlie):
    bob_id = book(token_client(bob), coach, session_type, at(3, 10)).json()["id"]
    book(token_client(charlie), coach, session_type, at(3, 14))
    api = token_client(bob)
    before = snapshot()
    taken = post(api, f"/bookings/{bob_id}/reschedule", {"start": iso(at(3, 14))})
    assert taken.status_code == 409
    assert taken.json()["error"]["code"] == "slot_unavailable"
    assert snapshot() == before
    # Overlapping its own old time is fine: it does not block itself.
    moved = post(
        api, f"/bookings/{bob_id}/reschedule", {"start": iso(at(3, 10, 30)), "reason": "Train"}
    )
    assert moved.status_code == 200, moved.content
    data = moved.json()
    assert data["start"].startswith(at(3, 10, 30).strftime("%Y-%m-%dT%H:%M"))
    assert data["sequence"] == 1
    event = data["history"][-1]
    assert event["kind"] == "rescheduled" and event["message"] == "Train"
    assert event["from_start"] is not None and event["to_start"] is not None
    # The old 10:00 slot is free for someone else now (10:00-10:30 only if 60 min fits: no).
    assert book(token_client(charlie), coach, session_type, at(3, 9)).status_code == 201


def test_client_reschedule_window_closes(coach, session_type, bob):
    coach.reschedule_min_hours = 48
    coach.save()
    booking_id = book(token_client(bob), coach, session_type, at(1, 12)).json()["id"]
    response = post(
        token_client(bob), f"/bookings/{booking_id}/reschedule", {"start": iso(at(5, 12))}
    )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "reschedule_window_closed"
    # The coach may still move it.
    moved = post(
        token_client(coach.user), f"/bookings/{booking_id}/reschedule", {"start": iso(at(5, 12))}
    )
    assert moved.status_code == 200


def test_cancel_late_and_impact(coach, session_type, bob):
    api = token_client(bob)
    far = book(api, coach, session_type, at(10, 10)).json()
    response = post(api, f"/bookings/{far['id']}/cancel", {"reason_code": "travel"})
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["late"] is False and data["impact"] == "low"
    assert data["booking"]["status"] == "cancelled"
    assert data["booking"]["cancellation"]["reason"] == "Travel"
    assert isinstance(data["alternatives"], list)
    # Cancelling again is refused.
    assert post(api, f"/bookings/{far['id']}/cancel", {"reason_code": "travel"}).status_code == 409


def test_cancel_reasons_are_checked(coach, session_type, bob):
    api = token_client(bob)
    booking_id = book(api, coach, session_type, at(3, 10)).json()["id"]
    before = snapshot()
    bad = post(api, f"/bookings/{booking_id}/cancel", {"reason_code": "bored"})
    assert bad.status_code == 400 and bad.json()["error"]["fields"] == {"reason_code": ["invalid"]}
    other = post(api, f"/bookings/{booking_id}/cancel", {"reason_code": "other"})
    assert other.status_code == 400 and other.json()["error"]["fields"] == {"message": ["required"]}
    assert snapshot() == before
    ok = post(api, f"/bookings/{booking_id}/cancel", {"reason_code": "other", "message": "Moving"})
    assert ok.status_code == 200


def test_list_query_count_is_constant(coach, session_type, bob, django_assert_max_num_queries):
    api = token_client(bob)
    book(api, coach, session_type, at(3, 10))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        assert len(api.get("/api/v1/bookings").json()["items"]) == 1
    for day in range(4, 14):
        book(api, coach, session_type, at(day, 10))
    with CaptureQueriesContext(connection) as many:
        assert len(api.get("/api/v1/bookings").json()["items"]) == 11
    assert len(many) == len(one)


def test_list_paginates_with_cursor(coach, session_type, bob):
    api = token_client(bob)
    for day in range(3, 8):
        book(api, coach, session_type, at(day, 10))
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = api.get("/api/v1/bookings", params).json()
        seen += [b["start"] for b in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(seen) and len(seen) == 5
    assert api.get("/api/v1/bookings", {"cursor": "garbage!"}).status_code == 400
    assert api.get("/api/v1/bookings", {"scope": "everything"}).status_code == 400


def test_nul_in_a_coach_reference_is_404_not_500(coach, session_type, bob):
    api = token_client(bob)
    assert api.get("/api/v1/coaches/a%00b/slots").status_code == 404
    response = post(
        api,
        "/holds",
        {"coach": "a\x00b", "session_type": str(session_type.public_id), "start": iso(at(3, 10))},
    )
    assert response.status_code in (400, 404)
    assert Hold.objects.count() == 0


def test_coach_sets_the_policy_through_the_api(coach, session_type, bob):
    api = token_client(coach.user)
    response = api.patch(
        "/api/v1/me/coach",
        data=json.dumps({"cancel_free_hours": 48, "reschedule_min_hours": 6}),
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["cancel_free_hours"] == 48
    coach.refresh_from_db()
    assert (coach.cancel_free_hours, coach.reschedule_min_hours) == (48, 6)
    for bad in (
        {"cancel_free_hours": 721},
        {"reschedule_min_hours": -1},
        {"cancel_free_hours": None},
    ):
        refused = api.patch(
            "/api/v1/me/coach", data=json.dumps(bad), content_type="application/json"
        )
        assert refused.status_code == 400, bad
    coach.refresh_from_db()
    assert (coach.cancel_free_hours, coach.reschedule_min_hours) == (48, 6)
    # The booking's policy follows: free cancellation until 48 hours before.
    booking = book(token_client(bob), coach, session_type, at(5, 10)).json()
    assert booking["policy"]["free_cancel_until"].startswith(
        (at(5, 10) - timedelta(hours=48)).strftime("%Y-%m-%dT%H:%M")
    )


def test_replaying_a_booking_made_from_a_hold_returns_it(coach, session_type, bob):
    api = token_client(bob)
    hold = post(
        api,
        "/holds",
        {"coach": coach.slug, "session_type": str(session_type.public_id), "start": iso(at(3, 10))},
    ).json()
    first = post(api, "/bookings", {"hold": hold["id"]}, HTTP_IDEMPOTENCY_KEY="h1")
    # The hold became the booking and is gone; the retry still gets the same booking.
    again = post(api, "/bookings", {"hold": hold["id"]}, HTTP_IDEMPOTENCY_KEY="h1")
    assert first.status_code == 201 and again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert Booking.objects.count() == 1
