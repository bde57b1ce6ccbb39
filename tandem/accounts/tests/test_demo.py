"""The demo practice loaded by `make run`: right roles, verified logins, and safe to re-run."""

import io

from allauth.account.models import EmailAddress
from django.core.management import call_command
from django.test import Client

from tandem.accounts import selectors
from tandem.accounts.management.commands.seed_demo import DEMO_PASSWORD, DEMO_USERS
from tandem.accounts.models import ApiToken, CoachApplication, User
from tandem.orgs.models import Membership, Organisation

MODELS = [User, EmailAddress, CoachApplication, ApiToken, Organisation, Membership]


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in MODELS}


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    return out.getvalue()


def roles_of(email: str) -> frozenset[str]:
    return selectors.user_roles(User.objects.get(email=email))


def test_seeding_twice_changes_nothing_the_second_time(db):
    # given the demo loaded once
    seed()
    first = row_counts()
    emails = sorted(User.objects.values_list("email", "public_id"))
    # when it is loaded again
    seed()
    # then it converged: same rows, same users
    assert row_counts() == first
    assert sorted(User.objects.values_list("email", "public_id")) == emails
    assert first["User"] == len(DEMO_USERS)


def test_the_demo_practice_has_every_role(db):
    seed()
    assert roles_of("alice@tandem.local") == {"client", "coach"}
    assert roles_of("priya@tandem.local") == {"client", "coach"}
    assert roles_of("olivia@tandem.local") == {"client", "org_admin"}
    assert roles_of("staff@tandem.local") == {"client", "staff"}
    assert roles_of("bob@tandem.local") == {"client"}
    # Diego waits for review
    diego = User.objects.get(email="diego@tandem.local")
    assert diego.coach_applications.get().status == CoachApplication.Status.PENDING
    assert User.objects.get(email="staff@tandem.local").is_staff


def test_every_demo_email_is_verified_and_primary(db):
    seed()
    for user in User.objects.all():
        address = EmailAddress.objects.get(user=user)
        assert address.email == user.email
        assert address.verified
        assert address.primary


def test_demo_users_sign_in_with_the_printed_password(db):
    output = seed()
    assert DEMO_PASSWORD in output
    assert "alice@tandem.local" in output
    client = Client()
    response = client.post(
        "/accounts/login/", {"login": "alice@tandem.local", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert client.get("/dashboard/").status_code == 200


def test_reseeding_keeps_a_changed_password(db):
    # A demo user who changed their password keeps it: the seed never resets accounts.
    seed()
    bob = User.objects.get(email="bob@tandem.local")
    bob.set_password("my-own-secret-password")
    bob.save()
    seed()
    assert User.objects.get(pk=bob.pk).check_password("my-own-secret-password")
