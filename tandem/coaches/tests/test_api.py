"""The coaches API: public directory and pages, a coach's own profile and session types.

Refused requests answer {"error": {"code", "message", "fields"}} and change nothing; another
coach's rows answer 404 as if they did not exist.
"""

import json
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from conftest import make_user
from tandem.accounts.tests.test_api import assert_error
from tandem.coaches import services
from tandem.coaches.models import CoachProfile, SessionType
from tandem.coaches.tests.conftest import image_bytes, make_coach
from tandem.coaches.tests.test_services import profile_state

BIG = "x" * 100_000


def patch(client: Client, path: str, body: object):
    return client.patch(path, json.dumps(body), content_type="application/json")


def post(client: Client, path: str, body: object):
    return client.post(path, json.dumps(body), content_type="application/json")


# --- The public directory ------------------------------------------------------------------------


def test_anyone_can_browse_the_directory(alice_coach):
    response = Client().get("/api/v1/coaches")
    assert response.status_code == 200
    body = response.json()
    assert body["next_cursor"] is None
    [item] = body["items"]
    session_type = SessionType.objects.get(coach=alice_coach)
    assert item == {
        "id": str(alice_coach.public_id),
        "slug": "alice-adler",
        "display_name": "Alice Adler",
        "headline": "Leadership coach",
        "specialties": [
            {"slug": "executive", "name": "Executive"},
            {"slug": "leadership", "name": "Leadership"},
        ],
        "languages": [{"code": "en", "name": "English"}, {"code": "de", "name": "German"}],
        "timezone": "Europe/Berlin",
        "currency": "EUR",
        "min_price": "80.00",
        "photo_url": None,
        "next_available": item["next_available"],
        "next_available_session_type": item["next_available_session_type"],
    }
    assert item["next_available_session_type"] in (None, str(session_type.public_id))


def test_unlisted_coaches_are_not_in_the_directory(alice_coach, dora_coach, staff_user, lists):
    # given Dora paused, Eve never verified, Finn suspended, Gus's account deactivated
    services.coach_profile_update(coach=dora_coach, is_active=False)
    eve = make_user("eve@example.com", name="Eve")
    CoachProfile.objects.create(user=eve, slug="eve", headline="Unverified")
    finn = make_coach(make_user("finn@example.com", name="Finn"))
    services.coach_profile_set_verified(coach_id=finn.pk, staff_user=staff_user, is_verified=False)
    gus = make_coach(make_user("gus@example.com", name="Gus"))
    gus.user.is_active = False
    gus.user.save()
    # then only Alice is listed, and the others' pages are 404
    items = Client().get("/api/v1/coaches").json()["items"]
    assert [i["slug"] for i in items] == ["alice-adler"]
    for coach in (dora_coach, finn, gus):
        for ident in (coach.slug, str(coach.public_id)):
            assert_error(Client().get(f"/api/v1/coaches/{ident}"), 404, "not_found")
            assert_error(Client().get(f"/api/v1/coaches/{ident}/session-types"), 404)
    assert_error(Client().get("/api/v1/coaches/eve"), 404)


def test_a_coach_page_by_id_or_slug(alice_coach):
    services.session_type_create(
        coach=alice_coach, name="Hidden", duration_minutes=30, price="10", is_active=False
    )
    for ident in (str(alice_coach.public_id), "alice-adler", "Alice-Adler"):
        response = Client().get(f"/api/v1/coaches/{ident}")
        assert response.status_code == 200, ident
        body = response.json()
        assert body["id"] == str(alice_coach.public_id)
        assert body["bio"] == "I help new managers find their feet."
        assert body["years_experience"] == 12
        assert [t["name"] for t in body["session_types"]] == ["Session 1"]
        assert body["session_types"][0]["price"] == "80.00"
        assert "location_detail" not in body["session_types"][0]
    types = Client().get("/api/v1/coaches/alice-adler/session-types").json()
    assert [t["name"] for t in types] == ["Session 1"]


@pytest.mark.parametrize(
    "ident", ["nobody", "00000000-0000-0000-0000-000000000000", "x" * 300, "%00", "..%2F"]
)
def test_unknown_coaches_are_404(alice_coach, ident):
    assert_error(Client().get(f"/api/v1/coaches/{ident}"), 404)


def test_the_managed_lists_are_public(lists):
    specialties = Client().get("/api/v1/coaches/specialties").json()
    assert {"slug": "leadership", "name": "Leadership"} in specialties
    languages = Client().get("/api/v1/coaches/languages").json()
    assert {"code": "de", "name": "German"} in languages


@pytest.mark.parametrize(
    "query",
    [
        "limit=0",
        "limit=51",
        "limit=abc",
        "sort=cheapest",
        "price_min=abc",
        "price_min=-1",
        "price_min=50&price_max=10",
        "available_from=yesterday",
        "available_from=2030-01-02T00:00:00Z&available_to=2030-01-01T00:00:00Z",
        "cursor=not-a-cursor",
        "cursor=" + "A" * 600,
        "q=" + "x" * 201,
        "q=%00",
    ],
)
def test_bad_directory_queries_answer_400(alice_coach, query):
    error = assert_error(Client().get(f"/api/v1/coaches?{query}"), 400, "invalid")
    assert error["fields"], error


def test_the_directory_costs_the_same_for_5_or_20_coaches(db, lists):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = Client().get("/api/v1/coaches?limit=50")
        assert response.status_code == 200
        return len(ctx.captured_queries)

    for n in range(5):
        make_coach(
            make_user(f"c{n}@example.com", name=f"Coach {n}"),
            specialties=("leadership", "career"),
            languages=("en", "de"),
            prices=("50", "70"),
        )
    with_five = count()
    for n in range(5, 20):
        make_coach(
            make_user(f"c{n}@example.com", name=f"Coach {n}"),
            specialties=("leadership", "career"),
            languages=("en", "de"),
            prices=("50", "70"),
        )
    assert count() == with_five


def test_the_openapi_document_describes_every_field():
    schema = Client().get("/api/v1/openapi.json").json()
    components = schema["components"]["schemas"]
    for name in ("CoachCardOut", "MyCoachOut", "SessionTypeOut", "MyCoachUpdateIn"):
        for field, spec in components[name]["properties"].items():
            assert spec.get("description"), f"{name}.{field} has no description"
    params = schema["paths"]["/api/v1/coaches"]["get"]["parameters"]
    assert {p["name"] for p in params} >= {
        "q",
        "specialty",
        "language",
        "price_min",
        "price_max",
        "available_from",
        "available_to",
        "sort",
        "cursor",
        "limit",
    }
    assert all(p.get("description") for p in params)


# --- The coach's own profile ---------------------------------------------------------------------


def test_alice_reads_her_coach_profile(alice_coach, alice_api):
    body = alice_api.get("/api/v1/me/coach").json()
    assert body["slug"] == "alice-adler"
    assert body["is_verified"] is True
    assert body["listed"] is True
    assert body["min_price"] == "80.00"


@pytest.mark.parametrize("who", ["bob", "charlie", "alice"])
def test_someone_without_a_coach_profile_gets_404(request, lists, who):
    # Alice here has an approved application but (in this test) no profile yet
    user = request.getfixturevalue(who)
    from tandem.coaches.tests.conftest import token_client

    client = token_client(user)
    assert_error(client.get("/api/v1/me/coach"), 404, "not_found")
    assert_error(patch(client, "/api/v1/me/coach", {"headline": "x"}), 404)
    assert_error(client.get("/api/v1/me/session-types"), 404)
    assert_error(
        post(client, "/api/v1/me/session-types", {"name": "x", "duration_minutes": 30}), 404
    )
    assert not CoachProfile.objects.exists()
    assert not SessionType.objects.exists()


def test_anonymous_requests_to_me_are_401(alice_coach):
    assert_error(Client().get("/api/v1/me/coach"), 401, "unauthenticated")
    assert_error(Client().get("/api/v1/me/session-types"), 401)


def test_alice_updates_her_profile(alice_coach, alice_api):
    response = patch(
        alice_api,
        "/api/v1/me/coach",
        {
            "headline": "Coach for new managers",
            "specialties": ["career", "leadership"],
            "languages": ["fr"],
            "timezone": "America/Toronto",
            "currency": "CAD",
            "years_experience": 14,
            "daily_cap": None,
            "weekly_cap": 10,
            "slug": "alice-coaching",
        },
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["headline"] == "Coach for new managers"
    assert [s["slug"] for s in body["specialties"]] == ["career", "leadership"]
    assert [lang["code"] for lang in body["languages"]] == ["fr"]
    assert body["currency"] == "CAD"
    assert body["weekly_cap"] == 10
    assert body["slug"] == "alice-coaching"
    assert Client().get("/api/v1/coaches/alice-coaching").json()["currency"] == "CAD"


def test_alice_deactivates_herself_and_leaves_the_directory(alice_coach, alice_api):
    assert patch(alice_api, "/api/v1/me/coach", {"is_active": False}).json()["listed"] is False
    assert Client().get("/api/v1/coaches").json()["items"] == []
    assert_error(Client().get("/api/v1/coaches/alice-adler"), 404)


@pytest.mark.parametrize(
    "body",
    [
        {"headline": "Coach\x00"},
        {"headline": BIG},
        {"bio": BIG},
        {"headline": ""},
        {"headline": None},
        {"headline": 5},
        {"years_experience": "5"},
        {"years_experience": 5.5},
        {"years_experience": -1},
        {"is_active": "no"},
        {"is_active": 0},
        {"specialties": "leadership"},
        {"specialties": ["leadership", "astrology"]},
        {"specialties": ["x"] * 51},
        {"languages": ["klingon"]},
        {"timezone": "Mars/Olympus"},
        {"currency": "XYZ"},
        {"currency": "euro"},
        {"slug": "admin"},
        {"slug": "Not A Slug"},
        {"daily_cap": -1},
        {"weekly_cap": 100000},
        {"time_zone": "UTC"},  # unknown field
        ["headline"],  # not an object
        None,
    ],
)
def test_bad_profile_updates_answer_400_and_change_nothing(alice_coach, alice_api, body):
    before = profile_state(alice_coach)
    error = assert_error(patch(alice_api, "/api/v1/me/coach", body), 400, None)
    assert error["code"] in ("invalid", "slug_taken")
    assert profile_state(alice_coach) == before


def test_malformed_json_answers_400(alice_coach, alice_api):
    response = alice_api.patch("/api/v1/me/coach", "{nope", content_type="application/json")
    assert_error(response, 400, "malformed_json")


def test_a_session_write_without_csrf_is_refused(alice_coach, alice):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    before = profile_state(alice_coach)
    assert_error(patch(client, "/api/v1/me/coach", {"headline": "Hacked"}), 403)
    assert_error(
        post(client, "/api/v1/me/session-types", {"name": "x", "duration_minutes": 30}), 403
    )
    assert profile_state(alice_coach) == before


# --- Photo ---------------------------------------------------------------------------------------


def test_alice_uploads_a_photo(alice_coach, alice_api, settings):
    settings.TANDEM_SITE_URL = "https://tandem.example:8443"
    upload = SimpleUploadedFile("me.jpg", image_bytes("JPEG", (40, 40)), "image/jpeg")
    response = alice_api.post("/api/v1/me/coach/photo", {"photo": upload})
    assert response.status_code == 200, response.content
    url = response.json()["photo_url"]
    assert url.startswith("https://tandem.example:8443/media/coaches/photos/")
    assert url.endswith(".jpg")
    card = Client().get("/api/v1/coaches/alice-adler").json()
    assert card["photo_url"] == url
    removed = alice_api.delete("/api/v1/me/coach/photo")
    assert removed.json()["photo_url"] is None


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("me.png", b"<?php echo 1; ?>", "image/png"),
        SimpleUploadedFile("me.gif", image_bytes("GIF"), "image/gif"),
        SimpleUploadedFile("big.png", image_bytes("PNG", (4100, 4100)), "image/png"),
    ],
    ids=["php-as-png", "gif", "too-many-pixels"],
)
def test_bad_photos_answer_400(alice_coach, alice_api, upload):
    before = profile_state(alice_coach)
    error = assert_error(alice_api.post("/api/v1/me/coach/photo", {"photo": upload}), 400)
    assert "photo" in error["fields"]
    assert profile_state(alice_coach) == before


def test_a_photo_upload_without_a_file_answers_400(alice_coach, alice_api):
    assert_error(alice_api.post("/api/v1/me/coach/photo", {}), 400)


# --- Session types -------------------------------------------------------------------------------


def test_alice_manages_her_session_types(alice_coach, alice_api):
    # create
    response = post(
        alice_api,
        "/api/v1/me/session-types",
        {"name": "Intro call", "duration_minutes": 20, "price": "0", "min_notice_minutes": 60},
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["price"] == "0.00"
    assert created["currency"] == "EUR"
    assert created["slot_step_minutes"] == 30  # the default
    # the cheapest PAID session (80.00): a free intro call does not make her cost 0
    assert alice_api.get("/api/v1/me/coach").json()["min_price"] == "80.00"
    # list and read
    names = [t["name"] for t in alice_api.get("/api/v1/me/session-types").json()]
    assert names == ["Intro call", "Session 1"]
    path = f"/api/v1/me/session-types/{created['id']}"
    assert alice_api.get(path).json()["name"] == "Intro call"
    # update (a JSON number price works too)
    updated = patch(alice_api, path, {"price": 99.5, "daily_cap": 2, "description": "Hi"})
    assert updated.status_code == 200, updated.content
    assert updated.json()["price"] == "99.50"
    assert updated.json()["daily_cap"] == 2
    # deactivate, then delete
    assert patch(alice_api, path, {"is_active": False}).json()["is_active"] is False
    assert alice_api.delete(path).status_code == 204
    assert_error(alice_api.get(path), 404)
    assert alice_api.get("/api/v1/me/coach").json()["min_price"] == "80.00"


@pytest.mark.parametrize(
    "body",
    [
        {"duration_minutes": 30},  # no name
        {"name": "x"},  # no duration
        {"name": "", "duration_minutes": 30},
        {"name": "x\x00", "duration_minutes": 30},
        {"name": BIG, "duration_minutes": 30},
        {"name": "x", "duration_minutes": "thirty"},
        {"name": "x", "duration_minutes": 2},
        {"name": "x", "duration_minutes": 30, "price": "79.999"},
        {"name": "x", "duration_minutes": 30, "price": 79.999},
        {"name": "x", "duration_minutes": 30, "price": "-5"},
        {"name": "x", "duration_minutes": 30, "price": "NaN"},
        {"name": "x", "duration_minutes": 30, "price": [1]},
        {"name": "x", "duration_minutes": 30, "daily_cap": -1},
        {"name": "x", "duration_minutes": 30, "weekly_cap": -1},
        {"name": "x", "duration_minutes": 30, "booking_window_days": 0},
        {"name": "x", "duration_minutes": 30, "buffer_after_minutes": 10_000},
        {"name": "x", "duration_minutes": 30, "min_notice_minutes": 10**12},
        {"name": "x", "duration_minutes": 30, "location_kind": "moon"},
        {"name": "x", "duration_minutes": 30, "location_kind": "in_person"},
        {"name": "x", "duration_minutes": 30, "requires_confirmation": "yes"},
        {"name": "x", "duration_minutes": 30, "currency": "USD"},  # unknown field
        "just a string",
    ],
)
def test_bad_session_types_answer_400_and_nothing_is_saved(alice_coach, alice_api, body):
    before = profile_state(alice_coach)
    error = assert_error(post(alice_api, "/api/v1/me/session-types", body), 400, "invalid")
    assert error["fields"], error
    assert profile_state(alice_coach) == before


@pytest.mark.parametrize(
    "body",
    [
        {"price": "1.001"},
        {"daily_cap": -2},
        {"name": None},
        {"duration_minutes": None},
        {"name": "ok", "slot_step_minutes": 0},
        {"is_active": "false"},
    ],
)
def test_bad_session_type_updates_answer_400(alice_coach, alice_api, body):
    session_type = SessionType.objects.get(coach=alice_coach)
    before = profile_state(alice_coach)
    response = patch(alice_api, f"/api/v1/me/session-types/{session_type.public_id}", body)
    assert_error(response, 400, "invalid")
    assert profile_state(alice_coach) == before


@pytest.mark.parametrize("stranger", ["charlie", "dora"])
def test_no_one_else_can_touch_alices_session_types(request, alice_coach, dora_coach, stranger):
    from tandem.coaches.tests.conftest import token_client

    client = token_client(
        request.getfixturevalue("charlie") if stranger == "charlie" else dora_coach.user
    )
    session_type = SessionType.objects.get(coach=alice_coach)
    path = f"/api/v1/me/session-types/{session_type.public_id}"
    before = profile_state(alice_coach)
    assert_error(client.get(path), 404, "not_found")
    assert_error(patch(client, path, {"name": "Mine now", "price": "1"}), 404, "not_found")
    assert_error(client.delete(path), 404, "not_found")
    assert profile_state(alice_coach) == before
    assert SessionType.objects.get(pk=session_type.pk).name == "Session 1"


def test_made_up_session_type_ids_are_404(alice_coach, alice_api):
    for ident in ("nope", "00000000-0000-0000-0000-000000000000"):
        assert_error(alice_api.get(f"/api/v1/me/session-types/{ident}"), 404)
        assert_error(patch(alice_api, f"/api/v1/me/session-types/{ident}", {"name": "x"}), 404)


def test_deleting_a_booked_session_type_answers_409(alice_coach, alice_api, bob):
    from datetime import timedelta

    from django.utils import timezone

    from tandem.booking.models import Booking

    session_type = SessionType.objects.get(coach=alice_coach)
    start = timezone.now() + timedelta(days=1)
    Booking.objects.create(
        coach=alice_coach,
        client=bob,
        session_type=session_type,
        start=start,
        end=start + timedelta(hours=1),
        blocked_start=start,
        blocked_end=start + timedelta(hours=1),
    )
    response = alice_api.delete(f"/api/v1/me/session-types/{session_type.public_id}")
    assert_error(response, 409, "session_type_booked")
    assert SessionType.objects.filter(pk=session_type.pk).exists()


def test_prices_are_decimal_strings_never_floats(alice_coach, alice_api):
    post(
        alice_api,
        "/api/v1/me/session-types",
        {"name": "Odd", "duration_minutes": 30, "price": "0.10"},
    )
    prices = [t["price"] for t in alice_api.get("/api/v1/me/session-types").json()]
    assert prices == ["0.10", "80.00"]
    assert CoachProfile.objects.get(pk=alice_coach.pk).min_price == Decimal("0.10")
