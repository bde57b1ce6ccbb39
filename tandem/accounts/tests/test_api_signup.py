"""POST /api/v1/auth/signup: the sign-up page's rules, in the API's shape."""

import json

import pytest
from allauth.account.models import EmailAddress
from django.test import Client

from tandem.accounts.models import User

from .test_api import assert_error

URL = "/api/v1/auth/signup"
GOOD = {"email": "dora@example.com", "password": "a-long-pass-phrase-9", "display_name": "Dora"}


def post(body: object) -> object:
    data = body if isinstance(body, str) else json.dumps(body)
    return Client().post(URL, data=data, content_type="application/json")


@pytest.mark.django_db
def test_signing_up_creates_an_unverified_account_and_mails_a_link(mailoutbox):
    response = post({**GOOD, "timezone": "Asia/Calcutta"})
    assert response.status_code == 202
    assert response.json() == {"status": "verification_sent", "email": "dora@example.com"}
    dora = User.objects.get(email="dora@example.com")
    assert (dora.display_name, dora.timezone) == ("Dora", "Asia/Kolkata")
    assert not EmailAddress.objects.get(user=dora).verified
    assert len(mailoutbox) == 1
    assert "/accounts/confirm-email/" in mailoutbox[0].body


def test_an_existing_address_gets_the_same_answer_and_no_second_account(bob, mailoutbox):
    # given Bob already has an account
    users_before = User.objects.count()
    # when someone signs up with his address in another case
    response = post({**GOOD, "email": "BOB@example.com"})
    # then the answer does not reveal that, no account is made, and Bob is told by email
    assert response.status_code == 202
    assert User.objects.count() == users_before
    assert [m.to for m in mailoutbox] == [["bob@example.com"]]


BAD_BODIES = [
    pytest.param("{bad json", 400, "malformed_json", id="malformed-json"),
    pytest.param([GOOD], 400, "invalid", id="list-not-object"),
    pytest.param("null", 400, "invalid", id="null"),
    pytest.param({**GOOD, "email": 5}, 400, "invalid", id="email-wrong-type"),
    pytest.param({**GOOD, "password": ["x"]}, 400, "invalid", id="password-wrong-type"),
    pytest.param({**GOOD, "email": "do\x00ra@example.com"}, 400, "invalid", id="nul-email"),
    pytest.param({**GOOD, "password": "pass\x00phrase-long-9"}, 400, "invalid", id="nul-password"),
    pytest.param({**GOOD, "display_name": "Do\x00ra"}, 400, "invalid", id="nul-name"),
    pytest.param(
        {**GOOD, "email": "d" * 100_000 + "@example.com"}, 400, "invalid", id="huge-email"
    ),
    pytest.param({**GOOD, "password": "p" * 100_000}, 400, "invalid", id="huge-password"),
    pytest.param({**GOOD, "display_name": "x" * 100_000}, 400, "invalid", id="huge-name"),
    pytest.param({**GOOD, "email": "not-an-email"}, 400, "invalid", id="bad-email"),
    pytest.param({**GOOD, "password": "short"}, 400, "invalid", id="weak-password"),
    pytest.param({**GOOD, "surprise": 1}, 400, "invalid", id="unknown-field"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "status", "code"), BAD_BODIES)
def test_bad_sign_up_input_is_refused_and_creates_nothing(body, status, code, mailoutbox):
    response = post(body)
    assert_error(response, status, code)
    assert User.objects.count() == 0
    assert EmailAddress.objects.count() == 0
    assert mailoutbox == []


@pytest.mark.django_db
def test_sign_up_is_rate_limited_per_address_of_origin():
    # settings: "signup": "20/m/ip"
    statuses = [post({**GOOD, "email": f"user{n}@example.com"}).status_code for n in range(21)]
    assert statuses[:20] == [202] * 20
    assert_error(post({**GOOD, "email": "late@example.com"}), 429, "rate_limited")
    assert not User.objects.filter(email="late@example.com").exists()
