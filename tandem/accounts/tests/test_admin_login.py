"""Every way in goes through allauth's login, with its rate limits and two-factor: the Django
admin's own login form (a password alone, never throttled) is not a way around them."""

from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.contrib.auth import SESSION_KEY
from django.test import Client

from conftest import PASSWORD

STAFF_PAGES = ["/admin/", "/staff/payouts/", "/staff/coach-applications/"]
SIGN_IN = {"/accounts/login/", "/accounts/2fa/authenticate/"}
STAFF_API = ["/api/v1/staff/coach-applications", "/api/v1/staff/payouts"]


def assert_signed_out(client: Client) -> None:
    assert SESSION_KEY not in client.session
    for path in STAFF_PAGES:
        response = client.get(path, follow=True)
        # Ends on allauth's sign-in page (the admin's own login redirects there too).
        # Ends on allauth's sign-in page (the admin's own login redirects there too), or on
        # its second step once a password was given.
        assert response.request["PATH_INFO"] in SIGN_IN, (path, response.redirect_chain)
    for path in STAFF_API:
        assert client.get(path).status_code in (401, 404), path


def test_the_admin_login_form_sends_everyone_to_allauths_login(staff_user):
    client = Client()
    for attempt in range(30):
        response = client.post(
            "/admin/login/?next=/admin/",
            {"username": staff_user.email, "password": f"wrong-{attempt}", "next": "/admin/"},
        )
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/?next=")
    # The right password through the admin's form does not sign in either: it is never checked
    # there, so it cannot be guessed there without a limit.
    client.post("/admin/login/", {"username": staff_user.email, "password": PASSWORD})
    assert_signed_out(client)


def test_allauths_login_throttles_wrong_passwords_for_staff(staff_user):
    client = Client()
    answers = [
        client.post("/accounts/login/", {"login": staff_user.email, "password": f"no-{i}"})
        for i in range(30)
    ]
    throttled = [a for a in answers if b"Too many failed login attempts" in a.content]
    # allauth's login_failed limit (5 per 5 minutes per account) cuts in after the 5th.
    assert len(throttled) == 25
    # Throttled means the right password is refused too, for now.
    # (The 31st attempt in a minute also meets the per-address limit: a friendly 429 page.)
    response = client.post("/accounts/login/", {"login": staff_user.email, "password": PASSWORD})
    assert response.status_code == 429
    assert b"Too many requests" in response.content and b'aria-label="Main"' in response.content
    assert_signed_out(client)


def test_a_staff_user_with_totp_needs_the_code_for_the_admin_and_staff_pages(staff_user, totp):
    secret = generate_totp_secret()
    TOTP.activate(staff_user, secret)
    assert Authenticator.objects.filter(user=staff_user, type=Authenticator.Type.TOTP).exists()
    client = Client()

    # The password alone, through the admin's form: not signed in.
    client.post("/admin/login/", {"username": staff_user.email, "password": PASSWORD})
    assert_signed_out(client)

    # The password alone, through allauth: the second step is asked for, nothing more.
    response = client.post("/accounts/login/", {"login": staff_user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/authenticate/"
    assert_signed_out(client)


def test_staff_signed_in_through_allauth_reach_the_admin(staff_user):
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": staff_user.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_a_signed_in_non_staff_user_is_refused_the_admin_login(bob):
    client = Client()
    client.force_login(bob)
    assert client.get("/admin/login/").status_code == 403
