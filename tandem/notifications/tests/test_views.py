"""The notification pages: the bell on every signed-in page, the centre (newest first,
unread marked, opened = read, "Mark all read", "Load more", its live fragment) and the Web
Push worker at /sw.js. Charlie never opens or marks Bob's; queries stay constant."""

from __future__ import annotations

import re
import uuid

import pytest
from asgiref.sync import async_to_sync
from django.db import connection
from django.test import AsyncClient, Client
from django.test.utils import CaptureQueriesContext

from tandem.notifications.models import Notification, NotificationSettings
from tandem.notifications.services import notification_add

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def html_of(response, status: int = 200) -> str:
    assert response.status_code == status, (response.status_code, response.content[:300])
    return response.content.decode()


def add(user, n: int = 1, **extra) -> list[Notification]:
    made = []
    for i in range(n):
        fields = {"kind": "booking_made", "title": f"Note {i}", "url": "/sessions/", **extra}
        note = notification_add(user_id=user.pk, **fields)
        assert note is not None  # None only for a repeated dedupe_key
        made.append(note)
    return made


def row_count(html: str) -> int:
    return html.count('class="card shadow-sm notification-row')


def badge(html: str) -> re.Match[str] | None:
    return re.search(r"<span[^>]*data-unread-badge[^>]*>.*?data-unread-count>([^<]*)<", html, re.S)


# --- The bell --------------------------------------------------------------------------------


def test_the_bell_shows_the_unread_count_on_signed_in_pages(bob, charlie):
    add(bob, 3)
    add(charlie, 1)
    html = html_of(signed_in(bob).get("/settings/"))
    found = badge(html)
    assert found and found.group(1) == "3"  # Bob's, not Charlie's
    assert "hidden" not in found.group(0)
    assert 'href="/notifications/"' in html and ">Notifications</span>" in html
    assert "data-sound" not in re.search(r"<body[^>]*>", html, re.S).group(0)


def test_the_bell_is_hidden_at_zero_and_absent_when_signed_out(bob):
    found = badge(html_of(signed_in(bob).get("/settings/")))
    assert found and "data-unread-badge hidden" in found.group(0)
    assert "data-unread-badge" not in html_of(Client().get("/"))


def test_a_hundred_shows_as_99_plus(bob):
    Notification.objects.bulk_create(
        Notification(user=bob, kind="payment", title=f"N{i}") for i in range(100)
    )
    assert badge(html_of(signed_in(bob).get("/settings/"))).group(1) == "99+"


def test_sound_off_is_rendered_on_body(bob):
    NotificationSettings.objects.create(user=bob, sound=False)
    body = re.search(r"<body[^>]*>", html_of(signed_in(bob).get("/settings/")), re.S)
    assert body and 'data-sound="off"' in body.group(0)


def test_the_bell_and_sound_cost_one_query_per_page(bob):
    add(bob, 2)
    NotificationSettings.objects.create(user=bob, sound=False)
    with CaptureQueriesContext(connection) as queries:
        html_of(signed_in(bob).get("/settings/"))
    ours = [q["sql"] for q in queries.captured_queries if "notifications_" in q["sql"]]
    assert len(ours) == 1, ours  # rendered twice (narrow and wide menus), read once


@pytest.mark.parametrize("path", ["/settings/", "/notifications/", "/dashboard/"])
def test_live_pages_read_the_count_after_their_stream_position(bob, path):
    # A notification committed between the two reads then reaches the page as an event
    # carrying the new count; read the other way round, the bell could stay one behind.
    add(bob)
    client = AsyncClient()
    client.force_login(bob)
    with CaptureQueriesContext(connection) as queries:
        html = html_of(async_to_sync(client.get)(path))
    assert "data-events-after=" in html
    sql = [q["sql"] for q in queries.captured_queries]
    stream = next(n for n, q in enumerate(sql) if "realtime_stream" in q)
    bell = [n for n, q in enumerate(sql) if "notifications_notificationsettings" in q]
    assert len(bell) == 1 and stream < bell[0]


# --- The centre ------------------------------------------------------------------------------


def test_the_centre_lists_newest_first_with_unread_marked(bob):
    old, _ = add(bob, 2)
    notification_add(user_id=bob.pk, kind="reminder", title="Soon", body="In 1 hour")
    client = signed_in(bob)
    client.post(f"/notifications/{old.public_id}/open/")
    html = html_of(client.get("/notifications/"))
    titles = re.findall(
        r'class="btn btn-link notification-open">(?:<span[^>]*>Unread: </span>)?([^<]+)<', html
    )
    assert titles == ["Soon", "Note 1", "Note 0"]
    assert html.count("notification-row is-unread") == 2
    assert html.count(">Unread: </span>") == 2
    assert "<strong>2</strong> unread" in html and "Mark all read" in html
    assert "In 1 hour" in html and "Times in <strong>America/New_York</strong>" in html
    assert 'data-live-refresh="notification.new notification.read"' in html


def test_an_empty_centre_says_what_to_expect(bob):
    html = html_of(signed_in(bob).get("/notifications/"))
    assert "No notifications yet" in html and "Reminders before your sessions" in html
    assert 'href="/settings/notifications/"' in html and "Mark all read" not in html


def test_opening_marks_read_and_goes_to_its_page(bob):
    (note,) = add(bob, url="/sessions/")
    response = signed_in(bob).post(f"/notifications/{note.public_id}/open/")
    assert response.status_code == 302 and response["Location"] == "/sessions/"
    note.refresh_from_db()
    assert note.read_at is not None


@pytest.mark.parametrize(
    "url", ["https://evil.example/", "//evil.example/x", "javascript:alert(1)", "", "x/y"]
)
def test_opening_never_leaves_the_site(bob, url):
    (note,) = add(bob, url=url)
    response = signed_in(bob).post(f"/notifications/{note.public_id}/open/")
    assert response.status_code == 302 and response["Location"] == "/notifications/"


def test_charlie_cannot_open_or_mark_bobs_notification(bob, charlie):
    (note,) = add(bob)
    client = signed_in(charlie)
    assert client.post(f"/notifications/{note.public_id}/open/").status_code == 404
    assert client.post(f"/notifications/{uuid.uuid4()}/open/").status_code == 404
    assert client.post("/notifications/read-all/").status_code == 302  # his own: none
    assert "Note 0" not in html_of(client.get("/notifications/"))
    assert "Note 0" not in html_of(client.get("/notifications/live/"))
    note.refresh_from_db()
    assert note.read_at is None


def test_opening_and_marking_need_a_post_and_a_session(bob):
    (note,) = add(bob)
    assert signed_in(bob).get(f"/notifications/{note.public_id}/open/").status_code == 405
    assert signed_in(bob).get("/notifications/read-all/").status_code == 405
    assert Client().post(f"/notifications/{note.public_id}/open/").status_code == 302  # login
    assert Client().get("/notifications/").status_code == 302
    assert Client().get("/notifications/live/").status_code == 401
    note.refresh_from_db()
    assert note.read_at is None


def test_mark_all_read(bob):
    add(bob, 3)
    response = signed_in(bob).post("/notifications/read-all/", follow=True)
    assert response.redirect_chain == [("/notifications/", 302)]
    html = html_of(response)
    assert "All notifications are marked read." in html and "All read." in html
    assert not Notification.objects.filter(read_at__isnull=True).exists()
    assert "data-unread-badge hidden" in html


def test_load_more_pages_by_cursor_with_and_without_js(bob):
    add(bob, 25)
    client = signed_in(bob)
    html = html_of(client.get("/notifications/"))
    assert row_count(html) == 20
    more = re.search(r'href="/notifications/\?cursor=([^"]+)"', html)
    assert more and "Load more notifications" in html
    # Without JS: the older page, with a way back.
    older = html_of(client.get(f"/notifications/?cursor={more.group(1)}"))
    assert row_count(older) == 5 and "Back to the newest" in older
    assert "Note 0" in older and "Note 24" not in older
    # With htmx: just the rows (the first marked for focus) and the next "Load more" oob.
    rows = html_of(
        client.get(
            f"/notifications/?cursor={more.group(1)}",
            HTTP_HX_REQUEST="true",
            HTTP_HX_TARGET="notification-list",
        )
    )
    assert "<main" not in rows and row_count(rows) == 5
    assert rows.count("data-first-new") == 1 and 'hx-swap-oob="outerHTML"' in rows


def test_a_doctored_cursor_is_a_400_with_a_way_back(bob):
    html = html_of(signed_in(bob).get("/notifications/?cursor=nonsense"), status=400)
    assert "no longer available" in html and "Back to the newest" in html


def test_the_live_fragment_keeps_a_lengthened_list_long(bob):
    add(bob, 30)
    client = signed_in(bob)

    def rows(query: str) -> int:
        return row_count(html_of(client.get(f"/notifications/live/{query}")))

    assert rows("") == 20
    assert rows("?shown=25") == 25
    assert rows("?shown=abc") == 20 and rows("?shown=3") == 20
    assert rows("?shown=100000") == 30
    assert "<main" not in html_of(client.get("/notifications/live/"))


def test_the_centre_makes_as_many_queries_for_1_as_for_30(bob):
    client = signed_in(bob)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            html_of(client.get("/notifications/"))
        return len(queries)

    add(bob, 1)
    one = count()
    add(bob, 29)
    assert count() == one


# --- The Web Push worker ---------------------------------------------------------------------


def test_the_service_worker_is_served_from_the_root():
    response = Client().get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/javascript; charset=utf-8"
    assert response["Service-Worker-Allowed"] == "/"
    assert response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    for part in ('addEventListener("push"', "showNotification(", '"notificationclick"'):
        assert part in script
    assert Client().post("/sw.js").status_code == 405
