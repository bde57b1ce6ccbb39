"""Account pages: sign-up, sign-in, settings, API tokens and the staff admin.

Pages are checked by status codes and database state; page text only where it is stable.
"""

import hashlib
import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.core.cache import cache
from django.test import Client

from conftest import PASSWORD
from tandem.accounts import selectors, services
from tandem.accounts.models import ApiToken, CoachApplication, User

BIG = "x" * 100_000
NEW_PASSWORD = "a-long-and-unusual-passphrase-42"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def session_user_id(client: Client) -> str | None:
    return client.session.get("_auth_user_id")


def profile_of(user: User) -> tuple[str, str, str]:
    fresh = User.objects.get(pk=user.pk)
    return fresh.display_name, fresh.timezone, fresh.locale


def signup_data(**overrides: str) -> dict[str, str]:
    data = {
        "display_name": "Dora Diaz",
        "email": "dora@example.com",
        "password1": NEW_PASSWORD,
        "password2": NEW_PASSWORD,
        "timezone": "Asia/Kolkata",
    }
    data.update(overrides)
    return data


# --- Sign-up ------------------------------------------------------------------------------------


def test_the_signup_page_offers_a_timezone_field(db):
    response = Client().get("/accounts/signup/")
    assert response.status_code == 200
    assert b'name="timezone"' in response.content
    assert b'name="email"' in response.content


def test_dora_signs_up_and_is_sent_a_verification_email(db):
    # when
    client = Client()
    response = client.post("/accounts/signup/", signup_data())
    # then an account exists, with an unverified address ...
    assert response.status_code == 302
    dora = User.objects.get(email="dora@example.com")
    assert dora.display_name == "Dora Diaz"
    assert dora.timezone == "Asia/Kolkata"
    assert dora.check_password(NEW_PASSWORD)
    address = EmailAddress.objects.get(user=dora)
    assert (address.email, address.verified, address.primary) == ("dora@example.com", False, True)
    # ... she is not signed in yet ...
    assert session_user_id(client) is None
    # ... and she has mail with a link to confirm her address
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["dora@example.com"]
    assert "/accounts/confirm-email/" in mail.outbox[0].body


def test_the_email_is_stored_in_lower_case(db):
    Client().post("/accounts/signup/", signup_data(email="Dora.Diaz@Example.COM"))
    assert User.objects.filter(email="dora.diaz@example.com").exists()


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "", "utc+5"])
def test_a_bogus_browser_zone_falls_back_to_utc(db, zone):
    response = Client().post("/accounts/signup/", signup_data(timezone=zone))
    assert response.status_code == 302
    assert User.objects.get(email="dora@example.com").timezone == "UTC"


@pytest.mark.parametrize(
    "overrides",
    [
        {"email": "dora\x00@example.com"},
        {"password1": "pass\x00" + NEW_PASSWORD, "password2": "pass\x00" + NEW_PASSWORD},
        {"display_name": "Dora\x00Diaz"},
        {"email": BIG + "@example.com"},
        {"password1": BIG, "password2": BIG},
        {"display_name": BIG},
        {"timezone": BIG},
        {"password2": "not-the-same-" + NEW_PASSWORD},
        {"email": "not an email"},
        {"email": ""},
        {"password1": "short", "password2": "short"},
        {"password1": "password", "password2": "password"},
    ],
    ids=[
        "nul-email",
        "nul-password",
        "nul-name",
        "100kB-email",
        "100kB-password",
        "100kB-name",
        "100kB-zone",
        "mismatched-passwords",
        "invalid-email",
        "no-email",
        "short-password",
        "common-password",
    ],
)
def test_bad_signup_input_answers_400_and_creates_no_user(db, overrides):
    # when
    response = Client().post("/accounts/signup/", signup_data(**overrides))
    # then
    assert response.status_code == 400
    assert User.objects.count() == 0
    assert EmailAddress.objects.count() == 0
    assert mail.outbox == []


def test_signing_up_with_bobs_email_in_another_case_creates_no_account(bob):
    # when someone signs up with Bob's address, differently cased
    response = Client().post("/accounts/signup/", signup_data(email="BOB@Example.com"))
    # then no second account exists; allauth prevents account enumeration, so the answer
    # looks like a successful sign-up (a redirect to "check your email") ...
    assert response.status_code == 302
    assert User.objects.filter(email__iexact="bob@example.com").count() == 1
    assert User.objects.count() == 1
    assert EmailAddress.objects.filter(email__iexact="bob@example.com").count() == 1
    assert User.objects.get(pk=bob.pk).check_password(PASSWORD)
    # ... and Bob (not the stranger) is told by email that someone tried
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]


# --- Sign-in ------------------------------------------------------------------------------------


def test_bob_signs_in_with_email_and_password(bob):
    client = Client()
    response = client.post("/accounts/login/", {"login": "bob@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert session_user_id(client) == str(bob.pk)


def test_an_unverified_user_is_not_signed_in(db):
    # given Dora, who never confirmed her address
    Client().post("/accounts/signup/", signup_data())
    # when she signs in with the right password
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "dora@example.com", "password": NEW_PASSWORD}
    )
    # then she is sent to confirm her address, not signed in
    assert response.status_code == 302
    assert "/accounts/confirm-email/" in response["Location"]
    assert session_user_id(client) is None
    assert signed_in_status(client) == 302


def signed_in_status(client: Client) -> int:
    return client.get("/dashboard/").status_code


@pytest.mark.parametrize(
    "data",
    [
        {"login": "bob@example.com", "password": "wrong"},
        {"login": "bob@example.com\x00", "password": PASSWORD},
        {"login": "bob@example.com", "password": PASSWORD + "\x00"},
        {"login": BIG, "password": PASSWORD},
        {"login": "bob@example.com", "password": BIG},
    ],
    ids=["wrong-password", "nul-login", "nul-password", "100kB-login", "100kB-password"],
)
def test_bad_sign_in_input_does_not_sign_in(bob, data):
    client = Client()
    response = client.post("/accounts/login/", data)
    assert response.status_code == 200  # allauth shows the form again, with the error
    assert session_user_id(client) is None


def test_repeated_failed_sign_ins_are_rate_limited(bob):
    # given five failed attempts for Bob's address (login_failed: 5 per 5 minutes per key)
    client = Client()
    for _ in range(5):
        response = client.post("/accounts/login/", {"login": "bob@example.com", "password": "x"})
        assert response.status_code == 200
        assert session_user_id(client) is None
    # when the right password comes next, it is refused too (the form says why)
    response = client.post("/accounts/login/", {"login": "bob@example.com", "password": PASSWORD})
    assert response.status_code == 200
    assert b"Too many failed login attempts" in response.content
    assert session_user_id(client) is None
    # and further attempts from this address, on any account, end at 429 (login: 30/m/ip)
    statuses = [
        client.post("/accounts/login/", {"login": f"u{n}@example.com", "password": "x"}).status_code
        for n in range(30)
    ]
    assert statuses[-1] == 429
    assert set(statuses) <= {200, 429}
    response = client.post("/accounts/login/", {"login": "bob@example.com", "password": PASSWORD})
    assert response.status_code == 429
    assert session_user_id(client) is None
    # once the windows have passed (the counters live in the cache) Bob signs in again
    cache.clear()
    response = client.post("/accounts/login/", {"login": "bob@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert session_user_id(client) == str(bob.pk)


def test_the_rate_limit_on_bobs_address_does_not_lock_out_alice(alice, bob):
    client = Client()
    for _ in range(5):
        client.post("/accounts/login/", {"login": "bob@example.com", "password": "x"})
    other = Client()
    response = other.post("/accounts/login/", {"login": "alice@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert session_user_id(other) == str(alice.pk)


# --- Pages that need a signed-in user -------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/dashboard/", "/settings/", "/settings/tokens/", "/settings/coach/"]
)
def test_pages_for_members_send_strangers_to_sign_in(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize("who", ["alice", "bob", "staff_user"])
@pytest.mark.parametrize(
    "path", ["/dashboard/", "/settings/", "/settings/tokens/", "/settings/coach/"]
)
def test_member_pages_render_for_every_role(request, who, path):
    response = signed_in(request.getfixturevalue(who)).get(path)
    assert response.status_code == 200


def test_the_landing_page_sends_signed_in_users_to_their_dashboard(bob):
    assert Client().get("/").status_code == 200
    response = signed_in(bob).get("/")
    assert response.status_code == 302
    assert response["Location"] == "/dashboard/"


# --- Profile settings -----------------------------------------------------------------------------


def test_bob_saves_his_profile(bob):
    response = signed_in(bob).post(
        "/settings/",
        {"display_name": "Robert Brown", "timezone": "Asia/Kolkata", "locale": "de"},
    )
    assert response.status_code == 302
    assert profile_of(bob) == ("Robert Brown", "Asia/Kolkata", "de")


@pytest.mark.parametrize(
    "data",
    [
        {"display_name": "Robert", "timezone": "Mars/Olympus_Mons", "locale": "en"},
        {"display_name": "Robert", "timezone": "", "locale": "en"},
        {"display_name": "Robert", "timezone": "UTC\x00", "locale": "en"},
        {"display_name": "Robert", "timezone": BIG, "locale": "en"},
        {"display_name": "Rob\x00ert", "timezone": "UTC", "locale": "en"},
        {"display_name": BIG, "timezone": "UTC", "locale": "en"},
        {"display_name": "Robert", "timezone": "UTC", "locale": "xx"},
        {"display_name": "Robert", "timezone": "UTC"},
    ],
    ids=[
        "unknown-zone",
        "no-zone",
        "nul-zone",
        "100kB-zone",
        "nul-name",
        "100kB-name",
        "unknown-locale",
        "no-locale",
    ],
)
def test_bad_profile_input_answers_400_and_changes_nothing(bob, data):
    before = profile_of(bob)
    response = signed_in(bob).post("/settings/", data)
    assert response.status_code == 400
    assert profile_of(bob) == before


# --- API tokens -----------------------------------------------------------------------------------


def test_bob_creates_a_token_on_the_page_and_sees_it_once(bob):
    client = signed_in(bob)
    # when
    response = client.post("/settings/tokens/", {"name": "calendar sync"})
    # then the page shows the new token ...
    assert response.status_code == 200
    token = ApiToken.objects.get(user=bob)
    assert token.name == "calendar sync"
    shown = set(re.findall(rb"tdm_[A-Za-z0-9_-]{43}", response.content))
    assert len(shown) == 1
    raw = shown.pop().decode()
    assert hashlib.sha256(raw.encode()).hexdigest() == token.digest
    # ... which works ...
    me = Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me")
    assert me.json()["email"] == "bob@example.com"
    # ... and is never shown again
    again = client.get("/settings/tokens/")
    assert again.status_code == 200
    assert raw.encode() not in again.content
    assert b"calendar sync" in again.content


@pytest.mark.parametrize(
    "name", ["", "cli\x00", "x" * 101, BIG], ids=["empty", "nul", "101", "big"]
)
def test_a_bad_token_name_on_the_page_answers_400_and_creates_nothing(bob, name):
    response = signed_in(bob).post("/settings/tokens/", {"name": name})
    assert response.status_code == 400
    assert not ApiToken.objects.exists()
    assert not re.search(rb"tdm_[A-Za-z0-9_-]{43}", response.content)


def test_bob_revokes_his_token_on_the_page(bob):
    token, raw = services.api_token_create(user=bob, name="cli")
    response = signed_in(bob).post(f"/settings/tokens/{token.public_id}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert not token.is_active
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 401


def test_charlie_cannot_revoke_bobs_token_on_the_page(bob, charlie):
    # given Bob's token
    token, raw = services.api_token_create(user=bob, name="cli")
    # when Charlie posts its revoke form
    response = signed_in(charlie).post(f"/settings/tokens/{token.public_id}/revoke/")
    # then it is as if it did not exist, and it still works
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.is_active
    assert Client(HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/me").status_code == 200


def test_revoking_by_get_is_not_allowed(bob):
    token, _ = services.api_token_create(user=bob, name="cli")
    response = signed_in(bob).get(f"/settings/tokens/{token.public_id}/revoke/")
    assert response.status_code == 405
    token.refresh_from_db()
    assert token.is_active


def test_a_page_post_without_the_csrf_token_is_refused(bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(bob)
    response = client.post("/settings/tokens/", {"name": "cli"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()


# --- Coach application ----------------------------------------------------------------------------


def test_bob_applies_to_coach_on_the_page(bob):
    response = signed_in(bob).post(
        "/settings/coach/", {"headline": "Career coach", "motivation": "I like people."}
    )
    assert response.status_code == 302
    assert CoachApplication.objects.get(user=bob).status == CoachApplication.Status.PENDING


def test_applying_twice_on_the_page_answers_409(bob):
    services.coach_apply(user=bob, headline="Career coach")
    response = signed_in(bob).post("/settings/coach/", {"headline": "Again"})
    assert response.status_code == 409
    assert CoachApplication.objects.filter(user=bob).count() == 1


@pytest.mark.parametrize("headline", ["", "Coach\x00", BIG], ids=["empty", "nul", "big"])
def test_a_bad_headline_on_the_page_answers_400(bob, headline):
    response = signed_in(bob).post("/settings/coach/", {"headline": headline})
    assert response.status_code == 400
    assert not CoachApplication.objects.exists()


# --- Staff admin ----------------------------------------------------------------------------------


def test_staff_reach_the_admin(staff_user):
    assert signed_in(staff_user).get("/admin/").status_code == 200


@pytest.mark.parametrize("who", ["alice", "bob"])
def test_non_staff_are_sent_away_from_the_admin(request, who):
    response = signed_in(request.getfixturevalue(who)).get("/admin/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_staff_approve_a_coach_application_in_the_admin(bob, charlie, staff_user):
    # given two pending applications
    bobs = services.coach_apply(user=bob, headline="Career coach")
    charlies = services.coach_apply(user=charlie, headline="Life coach")
    # when staff approve Bob's with the admin action
    response = signed_in(staff_user).post(
        "/admin/accounts/coachapplication/",
        {"action": "approve", "_selected_action": [bobs.pk]},
    )
    # then Bob is a coach, and Charlie's application still waits
    assert response.status_code == 302
    bobs.refresh_from_db()
    assert bobs.status == CoachApplication.Status.APPROVED
    assert bobs.decided_by == staff_user
    assert "coach" in selectors.user_roles(User.objects.get(pk=bob.pk))
    charlies.refresh_from_db()
    assert charlies.status == CoachApplication.Status.PENDING


def test_bob_cannot_use_the_admin_action(bob):
    application = services.coach_apply(user=bob, headline="Career coach")
    response = signed_in(bob).post(
        "/admin/accounts/coachapplication/",
        {"action": "approve", "_selected_action": [application.pk]},
    )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == CoachApplication.Status.PENDING


def test_staff_add_a_user_in_the_admin_with_a_lower_cased_email(staff_user):
    client = signed_in(staff_user)
    password = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    # when staff add Dora, typing her address with capitals
    response = client.post("/admin/accounts/user/add/", {"email": "Dora@Example.COM", **password})
    # then she is stored the way sign-up stores addresses
    assert response.status_code == 302
    assert User.objects.filter(email="dora@example.com").exists()


def test_staff_cannot_add_a_differently_cased_duplicate_in_the_admin(bob, staff_user):
    client = signed_in(staff_user)
    password = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD, "usable_password": "true"}
    response = client.post("/admin/accounts/user/add/", {"email": "BOB@example.com", **password})
    assert response.status_code == 200  # the form again, with the error
    assert User.objects.filter(email__iexact="bob@example.com").count() == 1
    assert User.objects.get(pk=bob.pk).check_password(PASSWORD)
