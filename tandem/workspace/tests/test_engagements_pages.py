"""Pages: the coach's client list (search, filters, sort, paging, invite form, constant query
count), the client file and its mirror, the live part, state and tag forms, the client's
coaches, the invitation link (signed out, then signed in)."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import PASSWORD, make_user
from tandem.workspace.models import Engagement, EngagementTag, Invitation

from .engagements_data import *  # noqa: F403
from .engagements_data import NOW, api, at, book, engagement, snapshot

pytestmark = pytest.mark.django_db

LIST = "/coach/clients/"


def _names(html: str) -> list[str]:
    return re.findall(r'<a class="fw-semibold" href="/coach/clients/[^"]+/">([^<]+)</a>', html)


@pytest.fixture
def clients(alice, coach, session_type, django_capture_on_commit_callbacks):
    """Three clients: Bob (next session in 2 days, tag vip), Erin (paused, last session 3
    days ago), Fay (ended, no session)."""
    bob = make_user("bob2@example.com", name="Bob Brown")
    erin = make_user("erin@example.com", name="Erin Ek")
    fay = make_user("fay@example.com", name="Fay Fox")
    book(bob, coach, session_type, at(2, 10), django_capture_on_commit_callbacks)
    book(erin, coach, session_type, at(-3, 10), django_capture_on_commit_callbacks)
    Engagement.objects.filter(client=erin).update(state="paused")
    engagement(coach, fay, state="ended")
    EngagementTag.objects.create(engagement=Engagement.objects.get(client=bob), name="vip")
    return bob, erin, fay


def test_list_sorts_filters_and_searches(alice, clients):
    client = api(alice)
    assert _names(client.get(LIST).content.decode()) == ["Bob Brown", "Erin Ek", "Fay Fox"]
    assert _names(client.get(LIST + "?sort=last").content.decode())[0] == "Erin Ek"
    assert _names(client.get(LIST + "?sort=name").content.decode()) == [
        "Bob Brown",
        "Erin Ek",
        "Fay Fox",
    ]
    assert _names(client.get(LIST + "?state=paused").content.decode()) == ["Erin Ek"]
    assert _names(client.get(LIST + "?tag=vip").content.decode()) == ["Bob Brown"]
    assert _names(client.get(LIST + "?q=FAY%40").content.decode()) == ["Fay Fox"]
    assert _names(client.get(LIST + "?q=ek").content.decode()) == ["Erin Ek"]
    empty = client.get(LIST + "?q=nobody").content.decode()
    assert "No client matches these filters" in empty
    bad = client.get(LIST + "?state=closed")
    assert bad.status_code == 400 and "were not valid" in bad.content.decode()


def test_list_shows_times_in_the_viewer_zone(alice, clients):
    html = api(alice).get(LIST).content.decode()
    assert "Europe/Berlin" in html  # Alice's zone, named
    assert "No active goals" in html and "None booked" in html


def test_empty_list_says_what_to_do(alice, coach):
    html = api(alice).get(LIST).content.decode()
    assert "No clients yet" in html and "invite them by email" in html


def test_list_is_for_coaches_only(bob):
    assert api(bob).get(LIST).status_code == 404


def test_list_query_count_is_constant(alice, coach, django_assert_num_queries):
    def add(n: int) -> None:
        for i in range(n):
            user = make_user(f"c{Engagement.objects.count()}-{i}@example.com", name=f"C {i}")
            found = engagement(coach, user)
            EngagementTag.objects.create(engagement=found, name=f"t{i}")

    client = api(alice)
    add(2)
    client.get(LIST)  # warm-up (session, caches)
    with CaptureQueriesContext(connection) as two:
        assert client.get(LIST).status_code == 200
    add(10)
    with django_assert_num_queries(len(two)):
        response = client.get(LIST)
    assert len(_names(response.content.decode())) == 12


def test_list_pages(alice, coach):
    for i in range(27):
        engagement(coach, make_user(f"p{i:02}@example.com", name=f"P {i:02}"))
    client = api(alice)
    first = client.get(LIST + "?sort=name").content.decode()
    assert len(_names(first)) == 25 and "Page 1 of 2" in first
    second = client.get(LIST + "?sort=name&page=2").content.decode()
    assert _names(second) == ["P 25", "P 26"]


def test_invite_form(alice, coach, bob, django_capture_on_commit_callbacks):
    client = api(alice)
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(LIST + "invite/", {"email": "new@example.com"}, follow=True)
    assert "Invitation sent to new@example.com" in sent.content.decode()
    assert mail.outbox[0].to == ["new@example.com"]
    bad = client.post(LIST + "invite/", {"email": "not-an-email"})
    assert bad.status_code == 400 and 'value="not-an-email"' in bad.content.decode()
    engagement(coach, bob)
    taken = client.post(LIST + "invite/", {"email": "bob@example.com"})
    assert taken.status_code == 409 and "already your client" in taken.content.decode()
    assert Invitation.objects.count() == 1


# --- The client file -----------------------------------------------------------------------


@pytest.fixture
def pair(alice, bob, coach, session_type, django_capture_on_commit_callbacks):
    book(bob, coach, session_type, at(-3, 10), django_capture_on_commit_callbacks)
    book(bob, coach, session_type, at(4, 10), django_capture_on_commit_callbacks)
    found = Engagement.objects.get()
    EngagementTag.objects.create(engagement=found, name="executive")
    return found


def test_client_file_for_the_coach(alice, pair):
    html = api(alice).get(f"/coach/clients/{pair.public_id}/").content.decode()
    assert "Bob Brown" in html and "executive" in html
    assert 'data-live-refresh="workspace.engagement booking.changed"' in html
    assert f'hx-get="/workspace/{pair.public_id}/part/engagement/"' in html
    assert "Message Bob Brown" in html and "Pause" in html
    assert html.count('class="py-2 session-item"') == 2
    assert "Timeline" in html and f'hx-get="/workspace/{pair.public_id}/part/timeline/"' in html
    # The timeline arrives right after the page (live), or as a page of its own without JS.
    part = api(alice).get(
        f"/workspace/{pair.public_id}/part/timeline/", headers={"HX-Request": "true"}
    )
    assert "Engagement started" in part.content.decode() and "<html" not in part.content.decode()
    page = api(alice).get(f"/workspace/{pair.public_id}/part/timeline/").content.decode()
    assert "Engagement started" in page and "Back to the file" in page


def test_mirror_for_the_client_hides_tags_and_pause(bob, pair):
    html = api(bob).get(f"/workspace/{pair.public_id}/").content.decode()
    assert "Alice Adler" in html and "executive" not in html
    assert "Pause" not in html and "End engagement" in html


def test_each_side_is_sent_to_its_own_view(alice, bob, pair):
    assert api(alice).get(f"/workspace/{pair.public_id}/").url == (
        f"/coach/clients/{pair.public_id}/"
    )
    assert api(bob).get(f"/coach/clients/{pair.public_id}/").url == (
        f"/workspace/{pair.public_id}/"
    )


@pytest.mark.parametrize("who", ["charlie", "dora", "staff_user"])
def test_outsiders_get_404_on_every_page(request, who, pair, dora_coach):
    if who == "dora":
        engagement(dora_coach, pair.client)
    client = api(request.getfixturevalue(who))
    eid = pair.public_id
    before = snapshot(Engagement), snapshot(EngagementTag)
    for url in (
        f"/coach/clients/{eid}/",
        f"/workspace/{eid}/",
        f"/workspace/{eid}/part/engagement/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/workspace/{eid}/state/", {"state": "ended"}).status_code == 404
    assert client.post(f"/workspace/{eid}/tags/", {"name": "x"}).status_code == 404
    assert (snapshot(Engagement), snapshot(EngagementTag)) == before


def test_client_file_query_count_is_constant(
    alice, bob, coach, session_type, django_capture_on_commit_callbacks, django_assert_num_queries
):
    book(bob, coach, session_type, at(2, 9), django_capture_on_commit_callbacks)
    found = Engagement.objects.get()
    client = api(alice)
    url = f"/coach/clients/{found.public_id}/"
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for day in range(3, 12):
        book(bob, coach, session_type, at(day, 9), django_capture_on_commit_callbacks)
        book(bob, coach, session_type, at(-day, 9), django_capture_on_commit_callbacks)
    with django_assert_num_queries(len(few)):
        response = client.get(url)
    assert response.content.decode().count('class="py-2 session-item"') == 19


def test_part_renders_header_and_sessions(bob, pair):
    html = api(bob).get(f"/workspace/{pair.public_id}/part/engagement/").content.decode()
    assert "<html" not in html and "Sessions" in html and "Alice Adler" in html


def test_state_and_tag_forms(alice, bob, pair):
    eid = pair.public_id
    api(alice).post(f"/workspace/{eid}/state/", {"state": "paused"})
    assert Engagement.objects.get().state == "paused"
    refused = api(bob).post(f"/workspace/{eid}/state/", {"state": "active"}, follow=True)
    assert "Only the coach can pause or resume" in refused.content.decode()
    assert Engagement.objects.get().state == "paused"
    api(alice).post(f"/workspace/{eid}/tags/", {"name": "Board"})
    api(alice).post(f"/workspace/{eid}/tags/", {"remove": "executive"})
    assert list(EngagementTag.objects.values_list("name", flat=True)) == ["board"]
    api(bob).post(f"/workspace/{eid}/state/", {"state": "ended"})
    assert Engagement.objects.get().state == "ended"
    html = api(alice).get(f"/coach/clients/{eid}/").content.decode()
    assert "read-only" in html and "End engagement" not in html


def test_my_coaching_lists_the_client_coaches(bob, pair):
    html = api(bob).get("/workspace/").content.decode()
    assert "Alice Adler" in html and f"/workspace/{pair.public_id}/" in html


def _open_items(pair) -> None:
    """Two open items for Bob, one for Alice, one Bob has done."""
    from tandem.workspace.models import ActionItem

    def add(assignee, status=ActionItem.Status.OPEN) -> None:
        ActionItem.objects.create(
            engagement=pair,
            title="Item",
            assignee=assignee,
            created_by=pair.coach.user,
            status=status,
            done_at=NOW if status == ActionItem.Status.DONE else None,
        )

    add(pair.client)
    add(pair.client)
    add(pair.coach.user)
    add(pair.client, ActionItem.Status.DONE)


def test_my_coaching_counts_the_client_own_open_actions(bob, pair):
    """Bob's card says 2, as his dashboard and /actions/ do (Alice's item is not his)."""
    _open_items(pair)
    client = api(bob)
    html = client.get("/workspace/").content.decode()
    assert re.search(r"<dt>Your open actions</dt><dd>2</dd>", html)
    assert "<dt>Open actions</dt>" not in html
    dashboard = client.get("/dashboard/").content.decode()
    assert re.search(r'Action items <span class="badge[^"]*">2<', dashboard)


def test_client_list_says_whose_open_actions_they_are(alice, pair):
    """Alice's row for Bob: his 2 and her own 1 (her dashboard's number), each named."""
    _open_items(pair)
    client = api(alice)
    html = client.get(LIST).content.decode()
    assert '2 client\'s</span> · <span class="text-nowrap">1 yours' in html
    dashboard = client.get("/dashboard/").content.decode()
    assert re.search(r'Action items <span class="badge[^"]*">1<', dashboard)


def test_my_coaching_empty_state(charlie):
    assert "Find a coach" in api(charlie).get("/workspace/").content.decode()


# --- The invitation link -------------------------------------------------------------------


def _token(alice, email, capture) -> str:
    with capture(execute=True):
        api(alice).post(LIST + "invite/", {"email": email})
    return mail.outbox[-1].body.split("/workspace/invitations/")[1].split("/")[0]


def test_signed_out_invitee_signs_in_and_is_linked(
    alice, bob, coach, client, django_capture_on_commit_callbacks
):
    token = _token(alice, "bob@example.com", django_capture_on_commit_callbacks)
    page = client.get(f"/workspace/invitations/{token}/").content.decode()
    assert "Alice Adler invites you" in page
    assert "/accounts/signup/?email=bob%40example.com" in page
    assert not Engagement.objects.exists()
    client.post("/accounts/login/", {"login": "bob@example.com", "password": PASSWORD})
    found = Engagement.objects.get()
    assert (found.client, found.source) == (bob, "invitation")


def test_signed_in_invitee_accepts_with_a_button(
    alice, bob, coach, django_capture_on_commit_callbacks
):
    token = _token(alice, "bob@example.com", django_capture_on_commit_callbacks)
    client = api(bob)
    assert (
        "Accept the invitation" in client.get(f"/workspace/invitations/{token}/").content.decode()
    )
    assert not Engagement.objects.exists()  # opening the link accepts nothing
    accepted = client.post(f"/workspace/invitations/{token}/")
    found = Engagement.objects.get()
    assert accepted.url == f"/workspace/{found.public_id}/"


def test_other_account_cannot_accept(alice, charlie, coach, django_capture_on_commit_callbacks):
    token = _token(alice, "bob@example.com", django_capture_on_commit_callbacks)
    client = api(charlie)
    assert "Sign out and sign in" in client.get(f"/workspace/invitations/{token}/").content.decode()
    assert client.post(f"/workspace/invitations/{token}/").status_code == 400
    assert not Engagement.objects.exists()


def test_unknown_link(client):
    response = client.get("/workspace/invitations/nope/")
    assert response.status_code == 404 and "not valid" in response.content.decode()
