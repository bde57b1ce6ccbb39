"""The participant's pages: my programmes, my seat, choosing a coach, the survey and what my
sponsor sees. Bob holds a seat in Northwind's programme; Charlie (a stranger), Alice (a
coach, even Bob's), Olivia (Bob's sponsor), Gus (another organisation) and staff get 404 on
every page of his seat, and their attempts change nothing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_user
from tandem.booking.tests.conftest import make_coach, make_type
from tandem.coaches.models import CoachProfile
from tandem.orgs.models import Participant, Programme, SurveyResponse
from tandem.orgs.tests.conftest import NOW, make_programme, seat
from tandem.orgs.tests.test_sponsorship_port import claim, fund

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "now", lambda: NOW)


@pytest.fixture
def other_coaches(db) -> list[CoachProfile]:
    out = []
    for i, name in enumerate(["Dana Diaz", "Evan Evans", "Fay Fox", "Gil Grey"]):
        user = make_user(f"coach{i}@example.com", name=name, zone="Europe/London")
        coach = make_coach(user, slug=f"coach{i}", headline=f"{name.split()[0]} coaches")
        make_type(coach)
        out.append(coach)
    return out


@pytest.fixture
def bob_seat(programme: Programme, bob: Any) -> Participant:
    return seat(programme, bob)


def login(client: Client, user: Any) -> Client:
    client.force_login(user)
    return client


def urls(p: Participant) -> list[str]:
    base = f"/programmes/{p.public_id}/"
    return [
        base,
        base + "coach/",
        base + "survey/start/",
        base + "survey/end/",
        base + "what-my-sponsor-sees/",
    ]


# --- my programmes ------------------------------------------------------------------------------


def test_my_programmes_lists_seats_and_invitations(client, bob, bob_seat, coach, session_type,
                                                   northwind, programme):  # fmt: skip
    fund(programme, 50_000)
    Participant.objects.filter(pk=bob_seat.pk).update(coach=coach, matched_at=NOW)
    assert claim(bob, session_type) is not None
    other = make_programme(northwind, name="Wellbeing 2030")
    Participant.objects.create(programme=other, email="bob@example.com", status="invited")
    page = login(client, bob).get("/programmes/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Leadership 2030" in html and "Northwind Traders" in html
    assert "1 of 6" in html  # sessions used
    assert "Alice Adler" in html
    assert "Wellbeing 2030" in html and "invitation email" in html


def test_my_programmes_empty_state(client, charlie):
    html = login(client, charlie).get("/programmes/").content.decode()
    assert "No programmes yet" in html


def test_my_programmes_queries_do_not_grow(client, bob, northwind, django_assert_max_num_queries):
    login(client, bob)
    seat(make_programme(northwind, name="P0"), bob)
    with django_assert_max_num_queries(12) as few:
        client.get("/programmes/")
    for i in range(1, 8):
        seat(make_programme(northwind, name=f"P{i}"), bob)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/programmes/").status_code == 200


def test_signed_out_is_sent_to_sign_in(client, bob_seat):
    for url in ["/programmes/", *urls(bob_seat)]:
        assert client.get(url).status_code == 302


# --- the seat -----------------------------------------------------------------------------------


def test_seat_page_says_who_covers_and_links_to_booking(client, bob, bob_seat, coach, session_type):
    Participant.objects.filter(pk=bob_seat.pk).update(coach=coach, matched_at=NOW)
    html = login(client, bob).get(f"/programmes/{bob_seat.public_id}/").content.decode()
    assert "Covered by Northwind Traders" in html
    assert "6 of 6" in html
    assert "31 December 2030" in html
    assert f'href="/book/{coach.slug}/"' in html
    assert "Change coach" in html


def test_seat_without_a_coach_asks_to_choose(client, bob, bob_seat):
    html = login(client, bob).get(f"/programmes/{bob_seat.public_id}/").content.decode()
    assert "Choose your coach" in html
    assert "/book/" not in html


def test_a_paused_seat_offers_no_booking(client, bob, bob_seat, coach):
    Participant.objects.filter(pk=bob_seat.pk).update(coach=coach, status="paused")
    html = login(client, bob).get(f"/programmes/{bob_seat.public_id}/").content.decode()
    assert "paused" in html and "/book/" not in html


@pytest.mark.parametrize("who", ["charlie", "alice", "olivia", "gus", "staff_user"])
def test_other_people_get_404_on_every_seat_page(client, request, bob_seat, coach, who):
    Participant.objects.filter(pk=bob_seat.pk).update(coach=coach)  # Alice is Bob's coach
    login(client, request.getfixturevalue(who))
    before = list(Participant.objects.values_list("coach_id", "status", "matched_at"))
    for url in urls(bob_seat):
        assert client.get(url).status_code == 404, url
    assert client.post(urls(bob_seat)[1], {"coach": str(coach.public_id)}).status_code == 404
    scores = {"clarity": "3", "confidence": "3", "wellbeing": "3"}
    assert client.post(urls(bob_seat)[2], scores).status_code == 404
    assert list(Participant.objects.values_list("coach_id", "status", "matched_at")) == before
    assert SurveyResponse.objects.count() == 0


def test_unknown_and_removed_seats_are_404(client, bob, bob_seat):
    login(client, bob)
    assert client.get("/programmes/00000000-0000-0000-0000-000000000000/").status_code == 404
    Participant.objects.filter(pk=bob_seat.pk).update(status="removed")
    assert client.get(f"/programmes/{bob_seat.public_id}/").status_code == 404


# --- matching -----------------------------------------------------------------------------------


def test_three_suggestions_with_reasons_and_a_choice(client, bob, bob_seat, coach, session_type,
                                                     other_coaches):  # fmt: skip
    login(client, bob)
    page = client.get(f"/programmes/{bob_seat.public_id}/coach/")
    assert page.status_code == 200
    suggestions = page.context["suggestions"]
    assert len(suggestions) == 3
    assert all(s.reasons for s in suggestions)
    assert all(s.next_start is not None for s in suggestions)
    chosen = suggestions[0].coach
    answer = client.post(
        f"/programmes/{bob_seat.public_id}/coach/", {"coach": str(chosen.public_id)}
    )
    assert answer.status_code == 302
    bob_seat.refresh_from_db()
    assert (bob_seat.coach_id, bob_seat.matched_at) == (chosen.pk, NOW)
    # Change later, from the full list.
    other = next(c for c in other_coaches if c.pk != chosen.pk)
    client.post(f"/programmes/{bob_seat.public_id}/coach/", {"coach": str(other.public_id)})
    bob_seat.refresh_from_db()
    assert bob_seat.coach_id == other.pk


def test_suggestions_only_from_eligible_coaches(client, bob, bob_seat, programme, coach,
                                                session_type, other_coaches):  # fmt: skip
    Programme.objects.filter(pk=programme.pk).update(coach_rule="listed")
    programme.coaches.add(other_coaches[1])
    page = login(client, bob).get(f"/programmes/{bob_seat.public_id}/coach/")
    assert [s.coach.pk for s in page.context["suggestions"]] == [other_coaches[1].pk]
    before = Participant.objects.get(pk=bob_seat.pk).coach_id
    refused = client.post(
        f"/programmes/{bob_seat.public_id}/coach/", {"coach": str(coach.public_id)}
    )
    assert refused.status_code == 400
    assert "not one your programme covers" in refused.content.decode()
    assert Participant.objects.get(pk=bob_seat.pk).coach_id == before


def test_coaches_without_a_covered_session_type_are_not_offered(client, bob, bob_seat, programme,
                                                                coach, session_type):  # fmt: skip
    Programme.objects.filter(pk=programme.pk).update(max_session_minutes=30)
    page = login(client, bob).get(f"/programmes/{bob_seat.public_id}/coach/")
    assert page.context["suggestions"] == []
    assert "No coach available yet" in page.content.decode()
    make_type(coach, name="Short", duration_minutes=30)
    page = client.get(f"/programmes/{bob_seat.public_id}/coach/")
    assert [s.coach.pk for s in page.context["suggestions"]] == [coach.pk]


def test_a_coach_is_never_suggested_to_themselves(client, alice, programme, coach, session_type):
    alice_seat = seat(programme, alice)
    page = login(client, alice).get(f"/programmes/{alice_seat.public_id}/coach/")
    assert page.context["suggestions"] == []


def test_bad_coach_input_is_a_400_and_changes_nothing(client, bob, bob_seat):
    login(client, bob)
    for value in ["", "not-a-uuid", "\x00", "x" * 5000, "00000000-0000-0000-0000-000000000000"]:
        answer = client.post(f"/programmes/{bob_seat.public_id}/coach/", {"coach": value})
        assert answer.status_code == 400, value
    assert Participant.objects.get(pk=bob_seat.pk).coach_id is None


def test_a_paused_participant_cannot_choose(client, bob, bob_seat, coach, session_type):
    Participant.objects.filter(pk=bob_seat.pk).update(status="paused")
    answer = login(client, bob).post(
        f"/programmes/{bob_seat.public_id}/coach/", {"coach": str(coach.public_id)}
    )
    assert answer.status_code == 409
    assert Participant.objects.get(pk=bob_seat.pk).coach_id is None


# --- the survey ---------------------------------------------------------------------------------


def test_the_start_survey_once(client, bob, bob_seat, programme):
    Programme.objects.filter(pk=programme.pk).update(survey_enabled=True)
    login(client, bob)
    seat_page = client.get(f"/programmes/{bob_seat.public_id}/").content.decode()
    assert "survey/start/" in seat_page and "survey/end/" not in seat_page
    url = f"/programmes/{bob_seat.public_id}/survey/start/"
    assert client.get(url).context["is_open"]
    bad = client.post(url, {"clarity": "6", "confidence": "3", "wellbeing": "3"})
    assert bad.status_code == 400 and SurveyResponse.objects.count() == 0
    done = client.post(url, {"clarity": "2", "confidence": "3", "wellbeing": "4"})
    assert done.status_code == 302
    answer = SurveyResponse.objects.get()
    assert (answer.phase, answer.clarity, answer.confidence, answer.wellbeing) == ("start", 2, 3, 4)
    again = client.post(url, {"clarity": "5", "confidence": "5", "wellbeing": "5"})
    assert again.status_code == 409
    assert SurveyResponse.objects.get().clarity == 2
    assert "survey/start/" not in client.get(f"/programmes/{bob_seat.public_id}/").content.decode()


def test_the_end_survey_opens_in_the_last_30_days(client, bob, bob_seat, programme):
    Programme.objects.filter(pk=programme.pk).update(
        survey_enabled=True, ends_on=NOW.date() + timedelta(days=30)
    )
    login(client, bob)
    url = f"/programmes/{bob_seat.public_id}/survey/end/"
    assert (
        client.post(url, {"clarity": "3", "confidence": "3", "wellbeing": "3"}).status_code == 409
    )
    Programme.objects.filter(pk=programme.pk).update(ends_on=NOW.date() + timedelta(days=29))
    assert (
        client.post(url, {"clarity": "3", "confidence": "3", "wellbeing": "3"}).status_code == 302
    )
    assert SurveyResponse.objects.get().phase == "end"


def test_the_end_survey_after_the_programme_ended(client, bob, bob_seat, programme):
    Programme.objects.filter(pk=programme.pk).update(
        survey_enabled=True, status="ended", starts_on=date(2029, 1, 1), ends_on=date(2029, 12, 31)
    )
    login(client, bob)
    start = f"/programmes/{bob_seat.public_id}/survey/start/"
    end = f"/programmes/{bob_seat.public_id}/survey/end/"
    scores = {"clarity": "3", "confidence": "3", "wellbeing": "3"}
    assert client.post(start, scores).status_code == 409
    assert client.post(end, scores).status_code == 302


def test_no_survey_unless_the_programme_enables_it(client, bob, bob_seat):
    login(client, bob)
    url = f"/programmes/{bob_seat.public_id}/survey/start/"
    assert client.get(url).context["is_open"] is False
    assert (
        client.post(url, {"clarity": "3", "confidence": "3", "wellbeing": "3"}).status_code == 409
    )
    assert client.get(f"/programmes/{bob_seat.public_id}/survey/middle/").status_code == 404
    assert SurveyResponse.objects.count() == 0


# --- what my sponsor sees -----------------------------------------------------------------------


def test_what_my_sponsor_sees(client, bob, bob_seat, coach):
    Participant.objects.filter(pk=bob_seat.pk).update(coach=coach, matched_at=NOW, source="csv")
    html = login(client, bob).get(f"/programmes/{bob_seat.public_id}/what-my-sponsor-sees/")
    text = html.content.decode()
    assert "Bob Brown" in text and "bob@example.com" in text and "Active" in text
    assert "Matched with a coach" in text and ">Yes<" in text
    assert "at least 5 people" in text
    assert "CSV import" in text  # how Bob joined, as the roster says
    assert "Alice" not in text.split('id="sponsor-sees"')[1].split("</dl>")[0]


def test_seat_page_queries_do_not_grow_with_sessions(client, bob, bob_seat, programme, coach,
                                                     session_type,
                                                     django_assert_max_num_queries):  # fmt: skip
    fund(programme, 100_000)
    Participant.objects.filter(pk=bob_seat.pk).update(coach=coach, matched_at=NOW)
    assert claim(bob, session_type) is not None
    login(client, bob)
    url = f"/programmes/{bob_seat.public_id}/"
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for day in range(1, 5):
        assert claim(bob, session_type, start=NOW + timedelta(days=2 + day)) is not None
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "1 of 6" in client.get(url).content.decode()
