"""axe-core in real Chromium on the main pages: no "serious" or "critical" violations.

axe-core comes from npm (node_modules/axe-core). The pages' CSP allows only same-origin
scripts, so the axe run uses a context with bypass_csp=True to inject it.
"""

from pathlib import Path

import pytest
from django.conf import settings

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(settings.BASE_DIR) / "node_modules" / "axe-core" / "axe.min.js"
FAIL_IMPACTS = {"serious", "critical"}

# name: (path, user fixture or None for a signed-out visitor)
PAGES = {
    "landing": ("/", None),
    "login": ("/accounts/login/", None),
    "signup": ("/accounts/signup/", None),
    "password_reset": ("/accounts/password/reset/", None),
    "dashboard_client": ("/dashboard/", "bob"),
    "dashboard_coach": ("/dashboard/", "alice"),
    "dashboard_staff": ("/dashboard/", "staff_user"),
    "settings_profile": ("/settings/", "bob"),
    "settings_tokens": ("/settings/tokens/", "bob"),
    "settings_coach": ("/settings/coach/", "bob"),
    "two_factor_index": ("/accounts/2fa/", "bob"),
    # Public coach pages (a listed coach with open hours is made first; see _listed_coach).
    # A tz parameter keeps the browser-zone detection from re-rendering the page mid-check.
    "public_directory": ("/coaches/?tz=Europe/Berlin", None),
    "public_directory_signed_in": ("/coaches/", "bob"),
    "public_directory_no_match": ("/coaches/?specialty=nobody&tz=UTC", None),
    "public_directory_bad_filter": ("/coaches/?price_min=abc&tz=UTC", None),
    "public_coach_page": ("/c/alice-adler/?tz=America/New_York", None),
    "public_coach_page_signed_in": ("/c/alice-adler/", "bob"),
}
PUBLIC_COACH_PAGES = {name for name in PAGES if name.startswith("public_")}
EXPECTED_STATUS = {"public_directory_bad_filter": 400}


def _listed_coach(request) -> None:
    """Alice as a listed coach with two session types (one free) and weekday hours."""
    from tandem.availability.services import refresh_next_available
    from tandem.availability.tests.conftest import add_weekly
    from tandem.coaches.models import Language, Specialty
    from tandem.coaches.tests.conftest import LANGUAGES, SPECIALTIES, make_coach

    # Transactional tests flush the lists the migrations seed.
    for slug, label in SPECIALTIES.items():
        Specialty.objects.get_or_create(slug=slug, defaults={"name": label})
    for code, label in LANGUAGES.items():
        Language.objects.get_or_create(code=code, defaults={"name": label})
    coach = make_coach(
        request.getfixturevalue("alice"),
        headline="Leadership coach",
        bio="I help new managers find their feet.",
        specialties=("leadership", "executive"),
        languages=("en", "de"),
        prices=("0", "80"),
        credentials="ICF PCC",
        years_experience=12,
    )
    for day in range(5):
        add_weekly(coach, day, "09:00", "17:00")
    refresh_next_available([coach.pk])


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"]:
            lines.append(f"    {' '.join(map(str, node['target']))}")
    return "\n".join(lines)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_has_no_serious_accessibility_violations(
    name, request, browser_context, live_server, login_as
):
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `npm ci`"
    path, user_fixture = PAGES[name]
    context = browser_context(bypass_csp=True)
    if user_fixture:
        user = request.getfixturevalue(user_fixture)
        login_as(context, user)
        if name == "settings_tokens":
            from tandem.accounts.services import api_token_create

            api_token_create(user=user, name="Calendar sync")
    if name in PUBLIC_COACH_PAGES:
        _listed_coach(request)

    page = context.new_page()
    response = page.goto(f"{live_server.url}{path}")
    expected = EXPECTED_STATUS.get(name, 200)
    assert response is not None and response.status == expected, (
        path,
        response and response.status,
    )
    assert page.url == f"{live_server.url}{path}", f"{path} redirected to {page.url}"
    if name == "settings_tokens":
        assert "Calendar sync" in page.locator("main").inner_text()

    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => await axe.run(document, {resultTypes: ["violations"]})"""
    )
    violations = [v for v in results["violations"] if v["impact"] in FAIL_IMPACTS]
    assert not violations, f"axe on {path} ({name}):\n{_describe(violations)}"


# --- Coach and staff pages (issue 3) --------------------------------------------------------


def _coach_with_rules(alice):
    """Alice as a coach with a session type, weekly hours, a date override and time off."""
    from datetime import UTC, date, datetime

    from tandem.availability import services as availability
    from tandem.availability.validation import OverrideInput, TimeOffInput, WeeklyInput
    from tandem.coaches import services as coaches

    coach = coaches.coach_profile_verify(user=alice, headline="Leadership coach")
    coaches.session_type_create(coach=coach, name="Intro call", duration_minutes=30)
    availability.availability_replace(
        coach=coach,
        weekly=[WeeklyInput(day, 9 * 60, 17 * 60) for day in range(5)],
        overrides=[OverrideInput(date(2030, 12, 25))],
        time_off=[
            TimeOffInput(
                datetime(2030, 8, 1, 8, tzinfo=UTC), datetime(2030, 8, 8, 8, tzinfo=UTC), "Away"
            )
        ],
        daily_cap=4,
        weekly_cap=None,
    )
    return coach


def _applications(bob, charlie, staff_user) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tandem.accounts import services as accounts

    accounts.coach_apply(
        user=bob,
        headline="Career coach",
        credentials="ICF ACC",
        certificate=SimpleUploadedFile("c.pdf", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF\n"),
    )
    rejected = accounts.coach_apply(user=charlie, headline="Mindfulness teacher")
    accounts.coach_application_decide(
        application_id=rejected.public_id, staff_user=staff_user, approve=False, reason="Too new."
    )


def _show_availability_errors(page) -> None:
    """Overlapping Monday hours, saved: the page comes back with its errors."""
    page.get_by_role("button", name="Add hours on Monday").click()
    page.get_by_label("Monday, hours 2: from").fill("10:00")
    page.get_by_label("Monday, hours 2: until").fill("11:00")
    with page.expect_navigation():
        page.get_by_role("button", name="Save availability").click()
    assert "Nothing was saved" in page.locator("main").inner_text()


def _show_reject_errors(page) -> None:
    page.get_by_text("Reject…").first.click()
    with page.expect_navigation():
        page.get_by_role("button", name="Reject application").first.click()
    assert "This field is required." in page.locator("main").inner_text()


# name: (path, user fixture, set-up, action in the page before axe runs)
COACH_PAGES = {
    "coach_profile": ("/coach/profile/", "alice", _coach_with_rules, None),
    "coach_session_types": ("/coach/session-types/", "alice", _coach_with_rules, None),
    "coach_session_type_new": ("/coach/session-types/new/", "alice", _coach_with_rules, None),
    "coach_availability": ("/coach/availability/", "alice", _coach_with_rules, None),
    "coach_availability_errors": (
        "/coach/availability/",
        "alice",
        _coach_with_rules,
        _show_availability_errors,
    ),
    "staff_coach_applications": ("/staff/coach-applications/", "staff_user", None, None),
    "staff_coach_applications_errors": (
        "/staff/coach-applications/",
        "staff_user",
        None,
        _show_reject_errors,
    ),
    "staff_coach_applications_rejected": (
        "/staff/coach-applications/?status=rejected",
        "staff_user",
        None,
        None,
    ),
    "settings_coach_rejected": ("/settings/coach/", "charlie", None, None),
}


@pytest.mark.parametrize("name", list(COACH_PAGES))
def test_coach_and_staff_pages_have_no_serious_accessibility_violations(
    name, request, browser_context, live_server, login_as
):
    assert AXE.is_file(), f"axe-core is missing at {AXE}: run `npm ci`"
    path, user_fixture, set_up, action = COACH_PAGES[name]
    user = request.getfixturevalue(user_fixture)
    if set_up is not None:
        set_up(user)
    if name.startswith("staff_") or name == "settings_coach_rejected":
        _applications(
            request.getfixturevalue("bob"),
            request.getfixturevalue("charlie"),
            request.getfixturevalue("staff_user"),
        )
    context = browser_context(bypass_csp=True)
    login_as(context, user)
    page = context.new_page()
    response = page.goto(f"{live_server.url}{path}")
    assert response is not None and response.status == 200, (path, response and response.status)
    if action is not None:
        action(page)

    page.add_script_tag(path=str(AXE))
    results = page.evaluate(
        """async () => await axe.run(document, {resultTypes: ["violations"]})"""
    )
    violations = [v for v in results["violations"] if v["impact"] in FAIL_IMPACTS]
    assert not violations, f"axe on {path} ({name}):\n{_describe(violations)}"
