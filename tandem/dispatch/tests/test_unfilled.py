"""Book now that finds nobody says why (a code stored on the request, shown on the page, in
the API and in the event), offers the soonest scheduled sessions, and a way to ask more
widely. Services on the fixed NOW; page and API on the real clock (coaches open all day)."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, transaction
from django.test import Client

from conftest import make_user
from tandem.booking.tests.conftest import book_session
from tandem.coaches.models import Specialty
from tandem.dispatch import services
from tandem.dispatch.models import DispatchOffer, DispatchRequest
from tandem.dispatch.tests.conftest import (
    NOW,
    SLOT,
    ask,
    make_dispatch_coach,
    new_key,
    online,
    state,
)
from tandem.realtime.models import Event

pytestmark = pytest.mark.django_db

Unfilled = DispatchRequest.Unfilled


def told(user) -> list[dict]:
    return [e.data for e in Event.objects.filter(user=user, kind="dispatch.changed")]


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def exhausted_because(request: DispatchRequest, code: str) -> None:
    request.refresh_from_db()
    assert request.status == DispatchRequest.Status.EXHAUSTED
    assert request.unfilled_reason == code


# --- The reason, one test per code --------------------------------------------------------------


def test_no_coach_offers_that_length(bob, alice, alice_coach):
    online(alice)
    request = ask(bob, duration_minutes=45)  # Alice only offers an hour
    exhausted_because(request, Unfilled.NO_MATCHING_SESSIONS)
    assert told(bob)[-1]["reason"] == "no_matching_sessions"


def test_nobody_online_at_all(bob, alice, alice_coach):
    request = ask(bob)  # Alice is offline, and no other coach exists
    exhausted_because(request, Unfilled.NOBODY_ONLINE)
    assert told(bob)[-1] == {**told(bob)[-1], "status": "exhausted", "reason": "nobody_online"}


def test_nobody_of_the_specialty_online_while_other_coaches_are(bob, alice, dana, alice_coach):
    careers = Specialty.objects.create(slug="careers", name="Careers")
    make_dispatch_coach(dana, slug="dana", specialty=careers)
    online(dana)  # online, but not a leadership coach; Alice (leadership) is offline
    request = ask(bob)
    exhausted_because(request, Unfilled.NOBODY_ONLINE_FOR_SPECIALTY)
    assert told(bob)[-1]["reason"] == "nobody_online_for_specialty"


def test_online_coaches_with_nothing_free_within_the_window(bob, alice, alice_coach):
    online(alice)
    request = ask(bob, within=5)  # her next slot is 10 minutes away
    exhausted_because(request, Unfilled.NONE_FREE_IN_WINDOW)
    assert told(bob)[-1]["reason"] == "none_free_in_window"


def test_every_coach_asked_declined_or_let_it_lapse(bob, alice, dana, both_online):
    request = ask(bob)
    first = DispatchOffer.objects.select_related("coach__user").get(status="offered")
    services.dispatch_offer_decline(coach_user=first.coach.user, offer_id=first.public_id, now=NOW)
    second = DispatchOffer.objects.get(status="offered")
    services.dispatch_offer_expire(offer_id=second.pk, now=second.expires_at)
    exhausted_because(request, Unfilled.DECLINED_OR_BUSY)
    assert told(bob)[-1]["reason"] == "declined_or_busy"


def test_a_coach_whose_time_was_taken_before_being_asked_counts_as_busy(
    bob, alice, dana, both_online
):
    from tandem.coaches.models import CoachProfile

    request = ask(bob)
    first = DispatchOffer.objects.get(status="offered")
    [second] = [c["coach"] for c in request.candidates if c["coach"] != first.coach_id]
    coach = CoachProfile.objects.get(pk=second)
    book_session(make_user("y@example.com", name="Y"), coach, coach.session_types.get(), SLOT)
    services.dispatch_offer_expire(offer_id=first.pk, now=first.expires_at)
    exhausted_because(request, Unfilled.DECLINED_OR_BUSY)


def test_a_running_booked_or_withdrawn_request_has_no_reason(bob, alice, dana, both_online):
    request = ask(bob)
    assert request.status == DispatchRequest.Status.OFFERED and request.unfilled_reason == ""
    assert told(bob)[-1]["reason"] is None
    services.dispatch_request_withdraw(client=bob, request_id=request.public_id, now=NOW)
    request.refresh_from_db()
    assert request.unfilled_reason == ""
    # The database refuses a reason on a request that is not exhausted.
    with pytest.raises(IntegrityError), transaction.atomic():
        DispatchRequest.objects.filter(pk=request.pk).update(unfilled_reason="nobody_online")


# --- What the client is offered ----------------------------------------------------------------


def test_the_api_gives_the_reason_the_soonest_slots_and_wider_windows(bob, alice, alice_coach):
    api = Client()
    api.force_login(bob)
    response = api.post(
        "/api/v1/dispatch/requests",
        data=json.dumps({"specialty": "leadership", "duration_minutes": 60, "within_minutes": 0}),
        content_type="application/json",
        headers={"Idempotency-Key": new_key()},
    )
    body = response.json()
    assert body["status"] == "exhausted"
    assert body["unfilled_reason"] == {
        "code": "nobody_online",
        "text": "No coach is online right now, so there was nobody to ask.",
    }
    # Nobody online: waiting longer for a start does not help, so no wider window is offered.
    assert body["widen_within_minutes"] == []
    [slot] = body["soonest"]
    assert slot["coach"]["slug"] == "alice"
    assert slot["book_url"].startswith("/book/alice/?session_type=")


def test_the_page_says_why_offers_soonest_sessions_and_asks_again_more_widely(
    bob, alice, alice_coach
):
    online(alice)
    # Within 0 minutes: nothing starts this instant, though Alice is online and free later.
    request = ask(bob, now=None, within=0)
    assert request.unfilled_reason == Unfilled.NONE_FREE_IN_WINDOW
    client = signed_in(bob)
    page = client.get(f"/book-now/{request.public_id}/").content.decode()
    assert "No coach could take it right now" in page
    assert 'data-unfilled-reason="none_free_in_window"' in page
    assert "have no free 60-minute slot starting right away" in page
    assert 'href="/book/alice/?session_type=' in page and "Book this time" in page
    assert 'data-widen="60"' in page and 'data-widen="120"' in page
    assert 'href="/book-now/?duration_minutes=60&amp;within_minutes=120"' in page
    # The wider button re-asks: a new request within 60 minutes, offered to Alice.
    key = page.split('name="idempotency_key" value="')[1].split('"')[0]
    response = client.post(
        "/book-now/",
        {
            "specialty": "leadership",
            "duration_minutes": "60",
            "within_minutes": "60",
            "idempotency_key": key,
        },
    )
    wider = DispatchRequest.objects.exclude(pk=request.pk).get()
    assert response["Location"] == f"/book-now/{wider.public_id}/"
    assert (wider.window_minutes, wider.status) == (60, DispatchRequest.Status.OFFERED)
    # "Try another topic or length" opens the form with the length and window kept.
    form = client.get("/book-now/?duration_minutes=60&within_minutes=120").content.decode()
    assert 'name="within_minutes" value="120"' in form
    assert '<option value="60" selected>' in form


def test_declined_or_busy_names_how_many_were_asked(bob, alice, alice_coach):
    online(alice)
    request = ask(bob, now=None, within=60)
    offer = DispatchOffer.objects.get(status="offered")
    services.dispatch_offer_decline(coach_user=alice, offer_id=offer.public_id)
    page = signed_in(bob).get(f"/book-now/{request.public_id}/status/").content.decode()
    assert "We asked 1 coach who was free; nobody could take it" in page
    assert 'data-widen="120"' in page and 'data-widen="60"' not in page


def test_a_refused_wider_ask_changes_nothing(bob, alice, dana, both_online):
    ask(bob)  # still running
    before = state()
    response = signed_in(bob).post(
        "/book-now/",
        {
            "specialty": "leadership",
            "duration_minutes": "60",
            "within_minutes": "120",
            "idempotency_key": new_key(),
        },
    )
    assert response.status_code == 409
    assert state() == before


def test_the_soonest_slot_is_the_next_bookable_one(bob, alice, alice_coach):
    from tandem.dispatch import selectors

    # Someone else took Alice's 10:00, so her soonest bookable session is 10:30.
    book_session(make_user("y@example.com", name="Y"), *alice_coach, SLOT)
    request = ask(bob)
    [soonest] = selectors.soonest_slots(request, now=NOW)
    assert soonest.start > SLOT
