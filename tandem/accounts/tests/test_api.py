"""The accounts API: /api/v1/me, users, tokens, coach applications, and the error shape.

Every refused request answers {"error": {"code", "message", "fields"}} and changes nothing.
"""

import json
import uuid

import pytest
from django.test import Client

from tandem.accounts import services
from tandem.accounts.models import ApiToken, CoachApplication, User

BIG = "x" * 100_000


def bearer(raw: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {raw}"}


def token_for(user: User, name: str = "cli") -> tuple[ApiToken, str]:
    return services.api_token_create(user=user, name=name)


def assert_error(response, status: int, code: str | None = None) -> dict:
    """The response is `status` in the API's error shape; returns the error object."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}, error
    assert isinstance(error["code"], str)
    assert isinstance(error["message"], str)
    assert error["message"]
    assert isinstance(error["fields"], dict)
    if code is not None:
        assert error["code"] == code, error
    return error


def snapshot(user: User) -> dict:
    """Everything about a user that an API request could change."""
    fresh = User.objects.get(pk=user.pk)
    return {
        "profile": (fresh.email, fresh.display_name, fresh.timezone, fresh.locale),
        "tokens": sorted(
            ApiToken.objects.filter(user=user).values_list("name", "digest", "revoked_at")
        ),
        "applications": sorted(
            CoachApplication.objects.filter(user=user).values_list("headline", "status")
        ),
    }


@pytest.fixture
def bob_api(bob) -> Client:
    """A client that speaks to the API as Bob, with his personal token."""
    _, raw = token_for(bob)
    return Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {raw}"})


# --- Authentication ---------------------------------------------------------------------------


def test_bob_reads_his_profile_with_a_bearer_token(bob, bob_api):
    response = bob_api.get("/api/v1/me")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == str(bob.public_id)
    assert body["email"] == "bob@example.com"
    assert body["display_name"] == "Bob Brown"
    assert body["timezone"] == "America/New_York"
    assert body["locale"] == "en"
    assert body["roles"] == ["client"]
    assert "date_joined" in body
    assert "password" not in body


def test_alice_sees_her_coach_role(alice):
    _, raw = token_for(alice)
    assert Client(enforce_csrf_checks=True, **bearer(raw)).get("/api/v1/me").json()["roles"] == [
        "client",
        "coach",
    ]


def test_a_revoked_token_is_refused(bob):
    # given a revoked token
    token, raw = token_for(bob)
    services.api_token_revoke(user=bob, token_id=token.public_id)
    # when
    response = Client(enforce_csrf_checks=True, **bearer(raw)).get("/api/v1/me")
    # then
    assert_error(response, 401, "unauthenticated")


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "Bearer garbage",
        "Bearer tdm_" + "A" * 43,
        "Bearer ",
        "Basic Ym9iOnNlY3JldA==",
        "tdm_nothing-before-me",
        "Bearer " + "tdm_" + "a" * 5000,
    ],
    ids=["missing", "garbage", "unknown", "empty", "basic", "no-scheme", "huge"],
)
def test_no_valid_token_answers_401_json_never_a_login_redirect(bob, authorization):
    headers = {"HTTP_AUTHORIZATION": authorization} if authorization is not None else {}
    response = Client(**headers).get("/api/v1/me")
    assert_error(response, 401, "unauthenticated")


def test_the_browser_session_works_for_reading(bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["email"] == "bob@example.com"


def test_a_session_write_without_the_csrf_token_is_refused(bob):
    # given Bob signed in with a browser session
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    before = snapshot(bob)
    # when he writes without the CSRF token
    responses = [
        client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json"),
        client.patch("/api/v1/me", {"display_name": "Hacked"}, content_type="application/json"),
        client.post(
            "/api/v1/coach-applications", {"headline": "x"}, content_type="application/json"
        ),
    ]
    # then every write is refused in the error shape and nothing changed
    for response in responses:
        assert_error(response, 403, "forbidden")
    assert snapshot(bob) == before


def test_a_session_write_with_the_csrf_token_works(bob):
    # given a CSRF cookie, as a page would have set it
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    client.get("/api/v1/docs")  # renders a CSRF token and sets the cookie
    csrf = client.cookies["csrftoken"].value
    # when
    response = client.patch(
        "/api/v1/me",
        {"display_name": "Robert"},
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    # then
    assert response.status_code == 200, response.content
    assert User.objects.get(pk=bob.pk).display_name == "Robert"


# --- Tokens -------------------------------------------------------------------------------------


def test_bob_creates_a_token_and_sees_it_once(bob, bob_api):
    # when
    response = bob_api.post("/api/v1/tokens", {"name": "calendar"}, content_type="application/json")
    # then the token is shown in the answer ...
    assert response.status_code == 201
    created = response.json()
    raw = created["token"]
    assert raw.startswith("tdm_")
    assert created["name"] == "calendar"
    # ... and works ...
    assert (
        Client(enforce_csrf_checks=True, **bearer(raw)).get("/api/v1/me").json()["email"]
        == "bob@example.com"
    )
    # ... but the list never shows it again
    listed = bob_api.get("/api/v1/tokens")
    assert listed.status_code == 200
    assert {t["name"] for t in listed.json()} == {"cli", "calendar"}
    assert raw not in listed.content.decode()
    assert all("token" not in t for t in listed.json())
    # nor does the database keep it
    assert not ApiToken.objects.filter(digest=raw).exists()


def test_the_token_list_shows_only_bobs_active_tokens(bob, charlie, bob_api):
    token_for(charlie, "charlie's")
    revoked, _ = token_for(bob, "old")
    services.api_token_revoke(user=bob, token_id=revoked.public_id)
    names = [t["name"] for t in bob_api.get("/api/v1/tokens").json()]
    assert names == ["cli"]


def test_bob_revokes_a_token_and_it_then_gets_401(bob, bob_api):
    # given a second token
    token, raw = token_for(bob, "laptop")
    assert Client(enforce_csrf_checks=True, **bearer(raw)).get("/api/v1/me").status_code == 200
    # when
    response = bob_api.delete(f"/api/v1/tokens/{token.public_id}")
    # then
    assert response.status_code == 204
    assert response.content == b""
    assert_error(
        Client(enforce_csrf_checks=True, **bearer(raw)).get("/api/v1/me"), 401, "unauthenticated"
    )
    # and the token used for the request is untouched
    assert bob_api.get("/api/v1/me").status_code == 200


def test_charlie_cannot_revoke_bobs_token(bob, charlie):
    # given Bob's token
    token, raw = token_for(bob)
    _, charlie_raw = token_for(charlie)
    # when Charlie deletes it by id
    response = Client(enforce_csrf_checks=True, **bearer(charlie_raw)).delete(
        f"/api/v1/tokens/{token.public_id}"
    )
    # then it is as if it did not exist, and Bob's token still works
    assert_error(response, 404, "not_found")
    token.refresh_from_db()
    assert token.is_active
    assert Client(enforce_csrf_checks=True, **bearer(raw)).get("/api/v1/me").status_code == 200


def test_revoking_an_unknown_token_answers_404(bob, bob_api):
    before = snapshot(bob)
    assert_error(bob_api.delete(f"/api/v1/tokens/{uuid.uuid4()}"), 404, "not_found")
    assert snapshot(bob) == before


def test_revoking_a_non_uuid_token_id_answers_4xx(bob, bob_api):
    before = snapshot(bob)
    response = bob_api.delete("/api/v1/tokens/not-a-uuid")
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    assert snapshot(bob) == before


# --- Profiles ------------------------------------------------------------------------------------


@pytest.mark.parametrize(("viewer", "status"), [("alice", 200), ("staff_user", 200)])
def test_alices_profile_is_visible_to_her_and_to_staff(request, alice, viewer, status):
    _, raw = token_for(request.getfixturevalue(viewer))
    response = Client(enforce_csrf_checks=True, **bearer(raw)).get(
        f"/api/v1/users/{alice.public_id}"
    )
    assert response.status_code == status
    assert response.json()["email"] == "alice@example.com"
    assert response.json()["roles"] == ["client", "coach"]


def test_charlie_cannot_see_alices_profile(alice, charlie):
    _, raw = token_for(charlie)
    response = Client(enforce_csrf_checks=True, **bearer(raw)).get(
        f"/api/v1/users/{alice.public_id}"
    )
    error = assert_error(response, 404, "not_found")
    assert "alice" not in json.dumps(error).lower()


def test_an_unknown_user_id_answers_404(bob_api):
    assert_error(bob_api.get(f"/api/v1/users/{uuid.uuid4()}"), 404, "not_found")


@pytest.mark.parametrize("user_id", ["not-a-uuid", "1", "0x10", "%00"])
def test_a_non_uuid_user_id_answers_4xx_in_the_error_shape(bob_api, user_id):
    response = bob_api.get(f"/api/v1/users/{user_id}")
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)


def test_bob_changes_his_profile(bob, bob_api):
    response = bob_api.patch(
        "/api/v1/me",
        {"display_name": "Robert", "timezone": "Asia/Kolkata", "locale": "de"},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert response.json()["timezone"] == "Asia/Kolkata"
    fresh = User.objects.get(pk=bob.pk)
    assert (fresh.display_name, fresh.timezone, fresh.locale) == ("Robert", "Asia/Kolkata", "de")


def test_a_patch_changes_only_the_fields_it_names(bob, bob_api):
    response = bob_api.patch("/api/v1/me", {"locale": "fr"}, content_type="application/json")
    assert response.status_code == 200
    fresh = User.objects.get(pk=bob.pk)
    assert (fresh.display_name, fresh.timezone, fresh.locale) == (
        "Bob Brown",
        "America/New_York",
        "fr",
    )


def test_a_wrong_timezone_answers_400_naming_the_field(bob, bob_api):
    before = snapshot(bob)
    response = bob_api.patch(
        "/api/v1/me",
        {"display_name": "Robert", "timezone": "Mars/Olympus_Mons"},
        content_type="application/json",
    )
    error = assert_error(response, 400, "invalid")
    assert "timezone" in error["fields"]
    assert snapshot(bob) == before


def test_the_email_cannot_be_changed_through_the_profile(bob, bob_api):
    before = snapshot(bob)
    response = bob_api.patch(
        "/api/v1/me", {"email": "evil@example.com"}, content_type="application/json"
    )
    # Unknown fields are refused by name (a typo must not pass silently).
    error = assert_error(response, 400, "invalid")
    assert "email" in error["fields"]
    assert snapshot(bob) == before


# --- Coach applications --------------------------------------------------------------------------


def test_bob_applies_to_become_a_coach(bob, bob_api):
    response = bob_api.post(
        "/api/v1/coach-applications",
        {"headline": "Career coach", "motivation": "I like people."},
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "pending"
    assert body["headline"] == "Career coach"
    assert CoachApplication.objects.get(user=bob).public_id == uuid.UUID(body["id"])


def test_bob_cannot_apply_twice(bob, bob_api):
    services.coach_apply(user=bob, headline="Career coach")
    before = snapshot(bob)
    response = bob_api.post(
        "/api/v1/coach-applications", {"headline": "Again"}, content_type="application/json"
    )
    assert_error(response, 409, "already_applied")
    assert snapshot(bob) == before


def test_alice_is_already_a_coach(alice):
    _, raw = token_for(alice)
    before = snapshot(alice)
    response = Client(enforce_csrf_checks=True, **bearer(raw)).post(
        "/api/v1/coach-applications", {"headline": "Again"}, content_type="application/json"
    )
    assert_error(response, 409, "already_coach")
    assert snapshot(alice) == before


# --- Bad input ----------------------------------------------------------------------------------

# (method, path, raw body, expected status, expected code, a field the error must name)
BAD_INPUT = [
    ("post", "/api/v1/tokens", "{not json", 400, "malformed_json", None),
    ("post", "/api/v1/tokens", '{"name": "x"', 400, "malformed_json", None),
    ("patch", "/api/v1/me", "{'single': 'quotes'}", 400, "malformed_json", None),
    ("post", "/api/v1/coach-applications", "\x00", 400, "malformed_json", None),
    ("post", "/api/v1/tokens", json.dumps({"name": 5}), 400, "invalid", "name"),
    ("post", "/api/v1/tokens", json.dumps({"name": ["a"]}), 400, "invalid", "name"),
    ("post", "/api/v1/tokens", json.dumps({"name": {"a": 1}}), 400, "invalid", "name"),
    ("post", "/api/v1/tokens", json.dumps({"name": None}), 400, "invalid", "name"),
    ("post", "/api/v1/tokens", json.dumps(["name", "x"]), 400, "invalid", "__all__"),
    ("post", "/api/v1/tokens", "null", 400, "invalid", "__all__"),
    ("post", "/api/v1/tokens", "", 400, "invalid", None),
    ("post", "/api/v1/tokens", json.dumps({}), 400, "invalid", "name"),
    ("post", "/api/v1/tokens", json.dumps({"name": ""}), 400, "invalid", "name"),
    ("post", "/api/v1/tokens", json.dumps({"name": "   "}), 400, "invalid", "name"),
    ("post", "/api/v1/tokens", json.dumps({"name": "a\x00b"}), 400, "invalid", "name"),
    ("post", "/api/v1/tokens", json.dumps({"name": BIG}), 400, "invalid", "name"),
    ("patch", "/api/v1/me", json.dumps({"timezone": 5}), 400, "invalid", "timezone"),
    ("patch", "/api/v1/me", json.dumps({"display_name": 1.5}), 400, "invalid", "display_name"),
    ("patch", "/api/v1/me", json.dumps({"locale": ["en"]}), 400, "invalid", "locale"),
    # a body that is not a JSON object, even for a PATCH whose fields are all optional
    ("patch", "/api/v1/me", json.dumps([{"locale": "de"}]), 400, "invalid", "__all__"),
    ("patch", "/api/v1/me", "null", 400, "invalid", "__all__"),
    ("patch", "/api/v1/me", "5", 400, "invalid", "__all__"),
    ("patch", "/api/v1/me", '"de"', 400, "invalid", "__all__"),
    ("patch", "/api/v1/me", "", 400, "invalid", None),
    (
        "patch",
        "/api/v1/me",
        json.dumps({"timezone": "Nowhere/Special"}),
        400,
        "invalid",
        "timezone",
    ),
    ("patch", "/api/v1/me", json.dumps({"timezone": ""}), 400, "invalid", "timezone"),
    ("patch", "/api/v1/me", json.dumps({"timezone": "UTC\x00"}), 400, "invalid", "timezone"),
    ("patch", "/api/v1/me", json.dumps({"timezone": BIG}), 400, "invalid", "timezone"),
    ("patch", "/api/v1/me", json.dumps({"display_name": "B\x00b"}), 400, "invalid", "display_name"),
    ("patch", "/api/v1/me", json.dumps({"display_name": BIG}), 400, "invalid", "display_name"),
    ("patch", "/api/v1/me", json.dumps({"locale": "klingon"}), 400, "invalid", "locale"),
    (
        "post",
        "/api/v1/coach-applications",
        json.dumps({"headline": 42}),
        400,
        "invalid",
        "headline",
    ),
    (
        "post",
        "/api/v1/coach-applications",
        json.dumps({"headline": "Coach", "motivation": BIG}),
        400,
        "invalid",
        "motivation",
    ),
    (
        "post",
        "/api/v1/coach-applications",
        json.dumps({"headline": "Coach\x00"}),
        400,
        "invalid",
        "headline",
    ),
    ("post", "/api/v1/coach-applications", json.dumps({"headline": BIG}), 400, "invalid", None),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "code", "field"),
    BAD_INPUT,
    ids=[f"{m}-{p.rsplit('/', 1)[-1]}-{b[:24]!r}" for m, p, b, *_ in BAD_INPUT],
)
@pytest.mark.parametrize("debug", [False, True], ids=["production", "embedded-debug"])
def test_bad_input_is_refused_in_the_error_shape_and_changes_nothing(
    settings, bob, bob_api, method, path, body, status, code, field, debug
):
    # given (DEBUG on too: the embedded default must not turn bad input into a 500 page)
    settings.DEBUG = debug
    before = snapshot(bob)
    tokens_before = ApiToken.objects.count()
    # when
    response = getattr(bob_api, method)(path, body, content_type="application/json")
    # then
    error = assert_error(response, status, code)
    if field is not None:
        assert field in error["fields"], error
    assert snapshot(bob) == before
    assert ApiToken.objects.count() == tokens_before


def test_a_form_encoded_body_is_refused(bob, bob_api):
    tokens_before = ApiToken.objects.count()
    response = bob_api.post(
        "/api/v1/tokens", "name=x", content_type="application/x-www-form-urlencoded"
    )
    assert 400 <= response.status_code < 500
    assert_error(response, response.status_code)
    assert ApiToken.objects.count() == tokens_before


def test_an_unknown_endpoint_answers_404_json(bob_api):
    assert_error(bob_api.get("/api/v1/nope"), 404, "not_found")
    assert_error(bob_api.post("/api/v1/nope/deeper", {}), 404, "not_found")
    assert_error(Client().get("/api/v2/me"), 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "/api/v1/me"), ("delete", "/api/v1/me"), ("put", "/api/v1/tokens")],
)
def test_a_wrong_method_answers_405_json(bob, bob_api, method, path):
    before = snapshot(bob)
    response = getattr(bob_api, method)(path, "{}", content_type="application/json")
    assert_error(response, 405, "method_not_allowed")
    assert snapshot(bob) == before


# --- Documentation -------------------------------------------------------------------------------


def test_the_openapi_schema_lists_the_endpoints(db):
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert "/api/v1/me" in schema["paths"]
    assert "/api/v1/tokens" in schema["paths"]
    assert "/api/v1/tokens/{token_id}" in schema["paths"]
    schemes = schema["components"]["securitySchemes"]
    assert any(s.get("scheme") == "bearer" for s in schemes.values())


def test_the_api_docs_page_renders(db):
    response = Client().get("/api/v1/docs")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"/api/v1/openapi.json" in response.content


def test_a_body_that_is_not_an_object_says_so(bob, bob_api):
    response = bob_api.patch("/api/v1/me", "[]", content_type="application/json")
    error = assert_error(response, 400, "invalid")
    assert error["fields"] == {"__all__": ["The request body must be a JSON object."]}


@pytest.mark.parametrize("debug", [False, True], ids=["production", "embedded-debug"])
def test_a_body_over_the_upload_limit_answers_413(settings, bob, bob_api, debug):
    # Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB) applies to the API too, whatever DEBUG is.
    settings.DEBUG = debug
    before = snapshot(bob)
    body = json.dumps({"name": "x" * 3_000_000})
    response = bob_api.post("/api/v1/tokens", body, content_type="application/json")
    assert_error(response, 413, "too_large")
    assert snapshot(bob) == before


def test_bob_sets_his_clock_through_the_api_and_a_bad_value_changes_nothing(bob, bob_api):
    body = bob_api.get("/api/v1/me").json()
    assert (body["time_format"], body["clock"]) == ("24h", "24h")  # the fixture's choice

    response = bob_api.patch("/api/v1/me", {"time_format": "12h"}, content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["time_format"], response.json()["clock"]) == ("12h", "12h")

    refused = bob_api.patch("/api/v1/me", {"time_format": "13h"}, content_type="application/json")
    assert refused.status_code == 400
    assert refused.json()["error"]["fields"]["time_format"]
    bob.refresh_from_db()
    assert bob.time_format == "12h"
