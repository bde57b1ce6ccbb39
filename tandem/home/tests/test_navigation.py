"""The main navigation: a coach's tools in one "Coach" menu, the staff pages (coach
applications and gift cards included) in one "Staff" menu, and "Become a coach" offered only
to users who are neither a coach nor staff (issue 14, layout)."""

import re

import pytest

from tandem.booking.tests.conftest import make_coach

pytestmark = pytest.mark.django_db

COACH_LINKS = {
    "Clients": "/coach/clients/",
    "Note templates": "/coach/note-templates/",
    "Availability": "/coach/availability/",
    "Session types": "/coach/session-types/",
    "Coach profile": "/coach/profile/",
    "Packages": "/coach/packages/",
    "Earnings": "/coach/earnings/",
    "Book now offers": "/book-now/offers/",
    "Reminders": "/coach/reminders/",
    "Booking policy": "/coach/policy/",
}
STAFF_LINKS = {
    "Coach applications": "/staff/coach-applications/",
    "Payments": "/staff/payments/",
    "Payouts": "/staff/payouts/",
    "Gift cards": "/staff/gift-cards/",
    "Organisations": "/staff/organisations/",
    "Staff admin": "/admin/",
}


def menu(html: str, menu_id: str) -> dict[str, str]:
    """The links of one dropdown of the main navigation: label -> href."""
    found = re.search(rf'id="{menu_id}".*?<ul class="dropdown-menu[^>]*>(.*?)</ul>', html, re.S)
    if not found:
        return {}
    links = re.findall(r'href="([^"]+)"[^>]*>\s*<i [^>]*></i>\s*([^<]+?)\s*</a>', found.group(1))
    return {label: href for href, label in links}


def page(client, user, path: str = "/dashboard/") -> str:
    client.force_login(user)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


def test_a_coach_finds_every_tool_in_one_coach_menu(client, alice):
    html = page(client, alice)
    assert menu(html, "nav-coach") == COACH_LINKS
    assert menu(html, "nav-staff") == {}
    # Earnings is no longer a top-level item of its own.
    assert 'class="nav-link" href="/coach/earnings/"' not in html


def test_the_coach_menu_marks_the_open_tool(client, alice):
    make_coach(alice, slug="alice")
    html = page(client, alice, "/coach/policy/")
    toggle = re.search(
        r'<button class="nav-link dropdown-toggle[^"]*"[^>]*id="nav-coach"[^>]*>', html, re.S
    )
    assert toggle and "active" in toggle.group(0) and 'aria-current="true"' in toggle.group(0)
    assert re.search(r'href="/coach/policy/" aria-current="page"', html)


def test_staff_reach_coach_applications_and_gift_cards(client, staff_user):
    html = page(client, staff_user)
    assert menu(html, "nav-staff") == STAFF_LINKS
    assert menu(html, "nav-coach") == {}


def test_clients_see_neither_menu(client, bob):
    html = page(client, bob)
    assert menu(html, "nav-coach") == {} and menu(html, "nav-staff") == {}


@pytest.mark.parametrize(
    ("who", "offered"), [("bob", True), ("alice", False), ("staff_user", False)]
)
def test_become_a_coach_only_for_users_who_are_neither(client, request, who, offered):
    user = request.getfixturevalue(who)
    for path in ("/dashboard/", "/settings/"):
        assert ("Become a coach" in page(client, user, path)) is offered, (who, path)
