"""A coach's late fee (theirs to set, on the policy page and through the API) and the platform
fee override (staff only); refunds follow them."""

from __future__ import annotations

import json

import pytest

from tandem.booking.tests.conftest import make_coach, token_client
from tandem.payments.checkout.refunds import late_fee_percent
from tandem.payments.ledger.money import fee_bp_for
from tandem.payments.models import CoachPaymentSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def coach(alice):
    return make_coach(alice, slug="alice")


def patch(client, path, body):
    return client.patch(path, json.dumps(body), content_type="application/json")


def test_the_coach_sets_the_late_fee_through_the_api(coach, alice):
    api = token_client(alice)
    assert api.get("/api/v1/me/coach/payment-settings").json() == {
        "late_fee_percent": 50,
        "platform_fee_bp": 1000,
        "stripe_account_id": "",
    }
    changed = patch(api, "/api/v1/me/coach/payment-settings", {"late_fee_percent": 100})
    assert changed.status_code == 200 and changed.json()["late_fee_percent"] == 100
    assert late_fee_percent(coach) == 100
    for bad in ({"late_fee_percent": 101}, {"late_fee_percent": "50"}, {"late_fee_percent": True},
                {"stripe_account_id": "acct_\x00"}, {"stripe_account_id": "x" * 500}):  # fmt: skip
        refused = patch(api, "/api/v1/me/coach/payment-settings", bad)
        assert refused.status_code == 400, (bad, refused.content)
    assert late_fee_percent(coach) == 100


def test_only_staff_override_the_platform_fee(coach, alice, charlie, staff_user):
    path = f"/api/v1/staff/coaches/{coach.public_id}/platform-fee"
    for user in (alice, charlie):
        answer = token_client(user).put(
            path, json.dumps({"platform_fee_bp": 0}), content_type="application/json"
        )
        assert answer.status_code == 404
    assert fee_bp_for(coach) == 1000
    done = token_client(staff_user).put(
        path, json.dumps({"platform_fee_bp": 500}), content_type="application/json"
    )
    assert done.status_code == 200 and done.json()["platform_fee_bp"] == 500
    assert fee_bp_for(coach) == 500


def test_charlie_has_no_payment_settings(charlie):
    api = token_client(charlie)
    assert api.get("/api/v1/me/coach/payment-settings").status_code == 404
    assert (
        patch(api, "/api/v1/me/coach/payment-settings", {"late_fee_percent": 0}).status_code == 404
    )
    assert not CoachPaymentSettings.objects.exists()


def test_the_policy_page_sets_the_late_fee(coach, alice, client):
    client.force_login(alice)
    page = client.get("/coach/policy/")
    assert page.status_code == 200 and b"Late cancellation fee" in page.content
    saved = client.post(
        "/coach/policy/",
        {"cancel_free_hours": 24, "reschedule_min_hours": 12, "late_fee_percent": 75},
    )
    assert saved.status_code == 302
    assert late_fee_percent(coach) == 75
    refused = client.post(
        "/coach/policy/",
        {"cancel_free_hours": 24, "reschedule_min_hours": 12, "late_fee_percent": 150},
    )
    assert refused.status_code == 400
    assert late_fee_percent(coach) == 75
