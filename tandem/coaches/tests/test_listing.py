"""A coach is public only with something to book: an active session type and weekly hours.

Before, a newly approved coach appeared in the directory with "No sessions offered yet".
Until set up, the coach is absent everywhere the public looks (directory page and API, text
search, the coach's page and its API) and sees a checklist on the dashboard.
"""

import pytest
from django.test import Client

from conftest import make_user
from tandem.availability.models import WeeklyInterval
from tandem.coaches import selectors, services
from tandem.coaches.models import CoachProfile
from tandem.coaches.tests.conftest import give_hours, make_coach


@pytest.fixture
def newcomer(lists) -> CoachProfile:
    """Nina, just approved: verified, active, nothing bookable yet."""
    nina = make_user("nina@example.com", name="Nina Novak")
    return make_coach(nina, headline="Sleep coach", hours=False)


def public_answers(coach: CoachProfile) -> dict[str, object]:
    anyone = Client()
    return {
        "directory_api": [i["slug"] for i in anyone.get("/api/v1/coaches").json()["items"]],
        "directory_page": "Nina Novak" in anyone.get("/coaches/").content.decode(),
        "search": [i["slug"] for i in anyone.get("/api/v1/coaches?q=sleep").json()["items"]],
        "page": anyone.get(f"/c/{coach.slug}/").status_code,
        "detail_api": anyone.get(f"/api/v1/coaches/{coach.slug}").status_code,
    }


HIDDEN = {
    "directory_api": [],
    "directory_page": False,
    "search": [],
    "page": 404,
    "detail_api": 404,
}


def test_a_verified_coach_with_nothing_bookable_is_not_public(newcomer):
    assert public_answers(newcomer) == HIDDEN


def test_a_session_type_alone_or_hours_alone_is_not_enough(newcomer):
    session_type = services.session_type_create(
        coach=newcomer, name="Intro", duration_minutes=30, price="20"
    )
    assert public_answers(newcomer) == HIDDEN
    give_hours(newcomer)
    services.session_type_deactivate(coach=newcomer, session_type_id=session_type.public_id)
    assert public_answers(newcomer) == HIDDEN


def test_with_a_session_type_and_hours_the_coach_is_listed(newcomer):
    services.session_type_create(coach=newcomer, name="Intro", duration_minutes=30, price="20")
    give_hours(newcomer)
    answers = public_answers(newcomer)
    assert answers["directory_api"] == ["nina-novak"] == answers["search"]
    assert answers["directory_page"] is True
    assert answers["page"] == answers["detail_api"] == 200
    # removing every weekly hour unlists her again
    WeeklyInterval.objects.filter(coach=newcomer).delete()
    assert public_answers(newcomer) == HIDDEN


def test_the_checklist_says_what_is_missing(newcomer):
    steps = selectors.setup_checklist(newcomer, payment_settings_done=False)
    assert {s.code: s.done for s in steps.steps} == {
        "profile": False,  # no bio yet
        "photo": False,
        "session_type": False,
        "hours": False,
        "payments": False,
    }
    assert not steps.listed
    services.session_type_create(coach=newcomer, name="Intro", duration_minutes=30, price="20")
    give_hours(newcomer)
    steps = selectors.setup_checklist(newcomer, payment_settings_done=True)
    assert {s.code for s in steps.steps if s.done} == {"session_type", "hours", "payments"}
    assert steps.listed  # the photo, bio and payment settings are not required
