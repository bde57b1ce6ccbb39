"""Dashboard cards show real data or are absent (issue 14: "No messages yet" with unread
conversations, "No clients yet" for a coach with clients, an org admin's "Nothing to report
yet" with members' sessions), and nothing claims a feature that does not exist."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from conftest import make_user
from tandem.availability.tests.conftest import book
from tandem.booking.models import Booking
from tandem.coaches.models import SessionType
from tandem.coaches.tests.conftest import make_coach
from tandem.messaging.services.conversations import conversation_start
from tandem.messaging.services.messages import message_send
from tandem.orgs.models import Membership, Organisation

# Monday 7 January 2030, 12:00 UTC.
NOW = datetime(2030, 1, 7, 12, 0, tzinfo=UTC)
# Before any booking row is made (their created_at is the real clock: a model default)
JOINED = datetime(2020, 6, 1, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen(monkeypatch):
    monkeypatch.setattr(timezone, "now", lambda: NOW)


def page(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/dashboard/")
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def alice_coach(alice):
    return make_coach(alice, headline="Leadership coach", bio="Hello.", prices=("80",))


@pytest.fixture
def session_type(alice_coach) -> SessionType:
    return SessionType.objects.get(coach=alice_coach)


# --- Messages -----------------------------------------------------------------------------------


def test_messages_card_shows_unread_conversations_for_client_and_coach(
    alice_coach, session_type, bob
):
    book(session_type, bob, NOW + timedelta(days=3))
    conversation, _ = conversation_start(user=bob, other_id=alice_coach.user.public_id)
    for text in ("Hello Alice", "Are you free on Thursday?"):
        message_send(user=bob, conversation_id=conversation.public_id, body=text)

    alice_page = page(alice_coach.user)
    assert "2 unread messages in 1 conversation." in alice_page
    assert f'href="/messages/{conversation.public_id}/">Bob Brown</a>' in alice_page
    bob_page = page(bob)
    assert "all caught up" in bob_page  # his own messages are not unread for him
    assert f'href="/messages/{conversation.public_id}/">Alice Adler</a>' in bob_page
    for html in (alice_page, bob_page):
        assert "No messages yet" not in html and "No conversations yet" not in html
        assert "Conversations with your coaches" not in html
        # The card's data must not shadow Django's flash messages (the page once showed the
        # card's keys, "unread" and "conversations", as two alerts).
        assert 'class="alert' not in html


def test_without_conversations_the_empty_state_fits_the_role(alice_coach, bob):
    assert "You can message a coach once you have booked a session with them." in page(bob)
    assert "Your clients and coaches can message you" in page(alice_coach.user)


def test_without_conversations_the_card_offers_whom_the_user_may_message(
    alice_coach, session_type, bob, charlie
):
    """Charlie has a session with Alice but no conversation: the card says so plainly and
    offers to message her (the same POST as the session page's button), never "once you
    have booked". Alice sees Charlie; Bob, who booked no one, still gets the booking hint."""
    book(session_type, charlie, NOW - timedelta(days=2), status=Booking.Status.COMPLETED)

    charlie_page = page(charlie)
    assert "No conversations yet." in charlie_page
    assert "once you have booked" not in charlie_page
    card = charlie_page.split('id="dashboard-messages-start"')[1]
    assert 'action="/messages/start/"' in card
    assert f'name="user" value="{alice_coach.user.public_id}"' in card
    assert "Message Alice Adler</button>" in card and 'href="/sessions/"' in card

    alice_page = page(alice_coach.user)
    assert "Message Charlie Chen</button>" in alice_page
    assert "can message you once you share a booked session" not in alice_page
    assert "You can message a coach once you have booked a session with them." in page(bob)


def test_the_offered_button_starts_the_conversation(alice_coach, session_type, charlie):
    book(session_type, charlie, NOW + timedelta(days=2))
    client = Client()
    client.force_login(charlie)
    response = client.post("/messages/start/", {"user": str(alice_coach.user.public_id)})
    assert response.status_code == 302 and response.url.startswith("/messages/")
    assert "Message Alice Adler" not in page(charlie)  # the conversation is now listed


def test_staff_without_conversations_are_told_where_support_comes_in(staff_user):
    html = page(staff_user)
    assert "Support conversations that people start will appear here." in html
    assert "once you have booked" not in html


# --- Clients and set-up (coaches) ---------------------------------------------------------------


def test_clients_card_counts_the_coachs_clients_with_their_next_session(
    alice_coach, session_type, bob, charlie
):
    book(session_type, bob, NOW + timedelta(days=3))  # Thursday 10 January, 12:00 UTC
    book(session_type, bob, NOW - timedelta(days=7), status=Booking.Status.COMPLETED)
    book(session_type, charlie, NOW - timedelta(days=2), status=Booking.Status.COMPLETED)
    dora = make_user("dora@example.com", name="Dora Diaz")
    book(session_type, dora, NOW + timedelta(days=4), status=Booking.Status.CANCELLED)

    html = page(alice_coach.user)
    card = html.split('id="dashboard-clients"')[1].split('id="dashboard-')[0]
    assert "<strong>2</strong> clients booked with you." in card
    assert "Bob Brown" in card and "Charlie Chen" in card and "Dora Diaz" not in card
    assert card.index("Bob Brown") < card.index("Charlie Chen")  # next session first
    assert "Next session" in card and "2 sessions" in card
    assert "No upcoming session" in card  # Charlie
    assert "No clients yet" not in html


def test_a_coach_without_clients_is_told_so(alice_coach):
    assert "No clients yet" in page(alice_coach.user)


def test_a_coach_who_is_not_bookable_sees_the_setup_checklist(alice):
    coach = make_coach(alice, headline="Leadership coach", hours=False)
    html = page(alice)
    assert "Clients cannot find or book you yet." in html
    assert 'data-step="session_type" data-done="false"' in html
    assert 'data-step="hours" data-done="false"' in html
    assert 'href="/coach/session-types/"' in html and 'href="/coach/availability/"' in html
    # set up: listed, and the page says where
    from tandem.coaches import services
    from tandem.coaches.tests.conftest import give_hours

    services.session_type_create(coach=coach, name="Intro", duration_minutes=30, price="20")
    give_hours(coach)
    html = page(alice)
    assert f'Clients can find and book you at <a href="/c/{coach.slug}/">' in html
    assert 'data-step="hours" data-done="true"' in html


def test_clients_see_no_coach_cards(bob):
    html = page(bob)
    assert 'id="dashboard-clients"' not in html and 'id="dashboard-setup"' not in html


# --- Usage (organisation admins) ----------------------------------------------------------------


def org_with_members(admin, n: int, session_type: SessionType) -> Organisation:
    org = Organisation.objects.create(name="Acme", slug="acme")
    Membership.objects.create(
        organisation=org, user=admin, role=Membership.Role.ADMIN, created_at=JOINED
    )
    for i in range(n):
        member = make_user(f"member{i}@example.com", name=f"Member Number{i}")
        Membership.objects.create(organisation=org, user=member, created_at=JOINED)
        book(session_type, member, NOW - timedelta(days=10 + i), status=Booking.Status.COMPLETED)
        book(session_type, member, NOW + timedelta(days=2 + i))
    return org


def test_usage_shows_member_aggregates_and_never_names(session_type, charlie):
    org_with_members(charlie, 6, session_type)
    # a booking made before the member joined is not the organisation's business
    Booking.objects.filter(
        client__email="member0@example.com", status=Booking.Status.COMPLETED
    ).update(created_at=JOINED - timedelta(days=1))
    html = page(charlie)
    card = html.split('id="dashboard-usage"')[1]
    assert 'Members</dt><dd class="col-4 mb-1 text-end">6<' in card
    assert 'Sessions held since they joined</dt><dd class="col-4 mb-1 text-end">5<' in card
    assert 'Sessions booked, still to come</dt><dd class="col-4 mb-0 text-end">6<' in card
    assert "Member Number" not in html and "member0@" not in html
    assert "Nothing to report yet" not in html


def test_usage_of_fewer_than_five_members_is_not_shown(session_type, charlie):
    org_with_members(charlie, 4, session_type)
    card = page(charlie).split('id="dashboard-usage"')[1]
    assert "Figures about Acme's members (outside programmes) appear once it has at least 5" in card
    assert "Sessions held" not in card


# --- No claims of features that do not exist ----------------------------------------------------

UNBUILT = re.compile(
    # Goals, journals, notes and the workspace exist since issue 17, sponsored programmes
    # since issue 18; these do not (yet).
    r"\b(analytics|coming soon)\b|"
    r"will (appear|show|be listed) here|Nothing to report",
    re.IGNORECASE,
)


def test_no_page_claims_a_feature_that_does_not_exist(alice_coach, bob, session_type, charlie):
    org_with_members(charlie, 5, session_type)
    landing = re.sub(r"\s+", " ", Client().get("/").content.decode())
    pages = {"landing": landing, "coach": page(alice_coach.user), "client": page(bob)}
    pages["org admin"] = page(charlie)
    client = Client()
    client.force_login(bob)
    pages["notification settings"] = client.get("/settings/notifications/").content.decode()
    for name, html in pages.items():
        assert not UNBUILT.search(html), (name, UNBUILT.search(html))
    assert "Reviews" not in pages["notification settings"]


def test_there_is_no_review_notification_kind():
    from tandem.notifications.kinds import KINDS

    assert "review" not in KINDS
