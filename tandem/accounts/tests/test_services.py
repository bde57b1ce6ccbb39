"""Accounts services: profiles, coach applications, API tokens and roles.

Every refused action also checks that nothing changed.
"""

import hashlib
import io
import json
import uuid

import pytest
from django.core.management import call_command
from django.db import connection

from tandem.accounts import selectors, services
from tandem.accounts.models import ApiToken, CoachApplication, User
from tandem.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tandem.orgs.models import Membership, Organisation

BIG = "x" * 100_000


def profile_of(user: User) -> tuple[str, str, str]:
    fresh = User.objects.get(pk=user.pk)
    return fresh.display_name, fresh.timezone, fresh.locale


# --- Profile ------------------------------------------------------------------------------


def test_bob_updates_his_name_zone_and_locale(bob):
    # when
    services.user_update_profile(
        user=bob, display_name="  Robert Brown ", timezone_name="Asia/Kolkata", locale="de"
    )
    # then
    assert profile_of(bob) == ("Robert Brown", "Asia/Kolkata", "de")


@pytest.mark.parametrize(
    ("reported", "stored"),
    [("Asia/Calcutta", "Asia/Kolkata"), ("US/Eastern", "America/New_York"), ("UTC", "UTC")],
)
def test_a_retired_zone_name_is_stored_under_its_current_name(bob, reported, stored):
    # Chromium's Intl still reports "Asia/Calcutta"; one zone should be one string.
    services.user_update_profile(user=bob, timezone_name=reported)
    bob.refresh_from_db()
    assert bob.timezone == stored


def test_a_partial_update_leaves_other_fields_alone(bob):
    services.user_update_profile(user=bob, locale="fr")
    assert profile_of(bob) == ("Bob Brown", "America/New_York", "fr")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"timezone_name": "Mars/Olympus_Mons"}, "timezone"),
        ({"timezone_name": ""}, "timezone"),
        ({"timezone_name": "Europe/Berlin\x00"}, "timezone"),
        ({"timezone_name": BIG}, "timezone"),
        ({"locale": "xx"}, "locale"),
        ({"locale": "en\x00"}, "locale"),
        ({"display_name": "Bob\x00Brown"}, "display_name"),
        ({"display_name": BIG}, "display_name"),
        # a valid name does not slip through when the zone in the same update is refused
        ({"display_name": "Robert", "timezone_name": "Nowhere/Special"}, "timezone"),
    ],
    ids=[
        "unknown-zone",
        "empty-zone",
        "nul-in-zone",
        "100kB-zone",
        "unknown-locale",
        "nul-in-locale",
        "nul-in-name",
        "100kB-name",
        "good-name-bad-zone",
    ],
)
def test_bad_profile_input_is_refused_and_nothing_is_saved(bob, changes, field):
    # given
    before = profile_of(bob)
    # when
    with pytest.raises(InvalidInput) as refused:
        services.user_update_profile(user=bob, **changes)
    # then
    assert field in refused.value.fields
    assert profile_of(bob) == before
    # the in-memory object (often request.user) is not left half-changed either
    assert (bob.display_name, bob.timezone, bob.locale) == before


# --- Coach applications ---------------------------------------------------------------------


def test_bob_applies_to_become_a_coach_and_waits_for_review(bob):
    application = services.coach_apply(
        user=bob, headline="Career coach for engineers", motivation="Ten years of mentoring."
    )
    assert application.status == CoachApplication.Status.PENDING
    assert application.user == bob
    assert "coach" not in selectors.user_roles(User.objects.get(pk=bob.pk))


def test_bob_cannot_apply_twice_while_waiting(bob):
    # given
    services.coach_apply(user=bob, headline="Career coach")
    # when
    with pytest.raises(Conflict) as refused:
        services.coach_apply(user=bob, headline="Career coach, again")
    # then
    assert refused.value.code == "already_applied"
    assert CoachApplication.objects.filter(user=bob).count() == 1


def test_alice_is_already_a_coach_and_need_not_apply(alice):
    with pytest.raises(Conflict) as refused:
        services.coach_apply(user=alice, headline="Another headline")
    assert refused.value.code == "already_coach"
    assert CoachApplication.objects.filter(user=alice).count() == 1


@pytest.mark.parametrize(
    "headline",
    ["", "   ", "Coach\x00", "x" * 201, BIG],
    ids=["empty", "blank", "nul", "201", "100kB"],
)
def test_a_bad_headline_is_refused_and_nothing_is_created(bob, headline):
    with pytest.raises(InvalidInput) as refused:
        services.coach_apply(user=bob, headline=headline)
    assert "headline" in refused.value.fields
    assert not CoachApplication.objects.filter(user=bob).exists()


def test_bob_may_apply_again_after_a_rejection(bob, staff_user):
    # given a rejected application
    first = services.coach_apply(user=bob, headline="Career coach")
    services.coach_application_decide(
        application_id=first.pk, staff_user=staff_user, approve=False, reason="No credentials."
    )
    # when
    second = services.coach_apply(user=bob, headline="Career coach, now certified")
    # then
    assert second.status == CoachApplication.Status.PENDING
    assert CoachApplication.objects.filter(user=bob).count() == 2


def test_staff_approve_an_application_and_bob_becomes_a_coach(bob, staff_user):
    # given
    application = services.coach_apply(user=bob, headline="Career coach")
    # when
    decided = services.coach_application_decide(
        application_id=application.pk, staff_user=staff_user, approve=True
    )
    # then
    assert decided.status == CoachApplication.Status.APPROVED
    assert decided.decided_by == staff_user
    assert decided.decided_at is not None
    assert selectors.user_roles(User.objects.get(pk=bob.pk)) == {"client", "coach"}


def test_staff_reject_an_application_and_bob_stays_a_client(bob, staff_user):
    application = services.coach_apply(user=bob, headline="Career coach")
    services.coach_application_decide(
        application_id=application.pk, staff_user=staff_user, approve=False, reason="Too vague."
    )
    application.refresh_from_db()
    assert application.status == CoachApplication.Status.REJECTED
    assert selectors.user_roles(User.objects.get(pk=bob.pk)) == {"client"}


@pytest.mark.parametrize("decider", ["charlie", "alice", "bob"])
def test_only_staff_may_decide_an_application(request, bob, decider):
    # given Bob's pending application
    application = services.coach_apply(user=bob, headline="Career coach")
    who = request.getfixturevalue(decider)
    # when someone who is not staff (even Bob himself, even coach Alice) tries
    with pytest.raises(PermissionDenied):
        services.coach_application_decide(
            application_id=application.pk, staff_user=who, approve=True
        )
    # then nothing changed
    application.refresh_from_db()
    assert application.status == CoachApplication.Status.PENDING
    assert application.decided_by is None
    assert "coach" not in selectors.user_roles(User.objects.get(pk=bob.pk))


def test_an_application_is_decided_only_once(bob, staff_user):
    # given an approved application
    application = services.coach_apply(user=bob, headline="Career coach")
    services.coach_application_decide(
        application_id=application.pk, staff_user=staff_user, approve=True
    )
    application.refresh_from_db()
    decided_at = application.decided_at
    # when staff try to reject it afterwards
    with pytest.raises(Conflict) as refused:
        services.coach_application_decide(
            application_id=application.pk,
            staff_user=staff_user,
            approve=False,
            reason="Changed our mind.",
        )
    # then
    assert refused.value.code == "already_decided"
    application.refresh_from_db()
    assert application.status == CoachApplication.Status.APPROVED
    assert application.decided_at == decided_at


def test_deciding_an_application_that_does_not_exist_changes_nothing(staff_user, bob):
    services.coach_apply(user=bob, headline="Career coach")
    with pytest.raises(NotFound):
        services.coach_application_decide(application_id=10**9, staff_user=staff_user, approve=True)
    assert CoachApplication.objects.get(user=bob).status == CoachApplication.Status.PENDING


# --- API tokens ---------------------------------------------------------------------------


def test_creating_a_token_returns_the_raw_token_once(bob):
    token, raw = services.api_token_create(user=bob, name="calendar sync")
    assert raw.startswith("tdm_")
    assert len(raw) > 40
    assert token.name == "calendar sync"
    assert token.is_active
    assert raw.startswith(token.hint)
    assert services.api_token_authenticate(raw) == bob


def test_the_database_stores_only_a_sha256_digest_of_the_token(bob):
    # given
    token, raw = services.api_token_create(user=bob, name="calendar sync")
    # then the row keeps the digest ...
    row = ApiToken.objects.filter(pk=token.pk).values().get()
    assert row["digest"] == hashlib.sha256(raw.encode()).hexdigest()
    # ... and the raw token appears in no column of it
    for column, value in row.items():
        assert raw not in str(value), column
    # nor anywhere in a dump of the table: raw SQL ...
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        rows = cursor.fetchall()
    assert rows
    assert raw not in repr(rows)
    # ... or Django's dumpdata
    out = io.StringIO()
    call_command("dumpdata", "accounts.ApiToken", stdout=out)
    assert raw not in out.getvalue()
    assert json.loads(out.getvalue())[0]["fields"]["digest"] == row["digest"]


@pytest.mark.parametrize("name", ["", "  ", "cli\x00", "x" * 101, BIG])
def test_a_bad_token_name_is_refused_and_nothing_is_created(bob, name):
    with pytest.raises(InvalidInput) as refused:
        services.api_token_create(user=bob, name=name)
    assert "name" in refused.value.fields
    assert not ApiToken.objects.exists()


def test_bob_revokes_his_token_and_it_stops_working(bob):
    # given
    token, raw = services.api_token_create(user=bob, name="cli")
    # when
    services.api_token_revoke(user=bob, token_id=token.public_id)
    # then
    token.refresh_from_db()
    assert not token.is_active
    assert services.api_token_authenticate(raw) is None
    assert list(selectors.api_tokens_for(bob)) == []


def test_revoking_twice_answers_not_found(bob):
    token, _ = services.api_token_create(user=bob, name="cli")
    services.api_token_revoke(user=bob, token_id=token.public_id)
    revoked_at = ApiToken.objects.get(pk=token.pk).revoked_at
    with pytest.raises(NotFound):
        services.api_token_revoke(user=bob, token_id=token.public_id)
    assert ApiToken.objects.get(pk=token.pk).revoked_at == revoked_at


def test_charlie_cannot_revoke_bobs_token(bob, charlie):
    # given Bob's token
    token, raw = services.api_token_create(user=bob, name="cli")
    # when Charlie tries to revoke it
    with pytest.raises(NotFound):
        services.api_token_revoke(user=charlie, token_id=token.public_id)
    # then it is still active and still Bob's
    token.refresh_from_db()
    assert token.is_active
    assert services.api_token_authenticate(raw) == bob


@pytest.mark.parametrize("token_id", [uuid.uuid4(), str(uuid.uuid4()), "not-a-uuid", "1"])
def test_revoking_a_made_up_token_id_answers_not_found(bob, token_id):
    token, _ = services.api_token_create(user=bob, name="cli")
    with pytest.raises(NotFound):
        services.api_token_revoke(user=bob, token_id=token_id)
    token.refresh_from_db()
    assert token.is_active


@pytest.mark.parametrize(
    "candidate",
    ["", "garbage", "tdm_", "tdm_" + "a" * 43, "Bearer tdm_x", "tdm_" + "a" * 200],
    ids=["empty", "garbage", "prefix-only", "well-formed-unknown", "with-scheme", "too-long"],
)
def test_made_up_tokens_authenticate_nobody(bob, candidate):
    services.api_token_create(user=bob, name="cli")
    assert services.api_token_authenticate(candidate) is None


def test_a_token_of_a_deactivated_user_stops_working(bob):
    _, raw = services.api_token_create(user=bob, name="cli")
    User.objects.filter(pk=bob.pk).update(is_active=False)
    assert services.api_token_authenticate(raw) is None


def test_using_a_token_records_when_it_was_last_used(bob):
    token, raw = services.api_token_create(user=bob, name="cli")
    assert token.last_used_at is None
    services.api_token_authenticate(raw)
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_bob_may_hold_only_so_many_active_tokens(bob):
    # given Bob at the limit
    for n in range(services.MAX_ACTIVE_TOKENS):
        services.api_token_create(user=bob, name=f"token {n}")
    # when he asks for one more
    with pytest.raises(Conflict) as refused:
        services.api_token_create(user=bob, name="one too many")
    # then
    assert refused.value.code == "too_many_tokens"
    assert ApiToken.objects.filter(user=bob).count() == services.MAX_ACTIVE_TOKENS


# --- Roles --------------------------------------------------------------------------------


def test_every_account_is_a_client(bob, charlie):
    assert selectors.user_roles(bob) == {"client"}
    assert selectors.user_roles(charlie) == {"client"}


def test_alice_with_an_approved_application_is_a_coach(alice):
    assert selectors.user_roles(alice) == {"client", "coach"}


def test_an_org_admin_membership_makes_an_org_admin(bob, charlie):
    # given an organisation where Bob is an admin and Charlie a plain member
    org = Organisation.objects.create(name="Northwind", slug="northwind")
    Membership.objects.create(organisation=org, user=bob, role=Membership.Role.ADMIN)
    Membership.objects.create(organisation=org, user=charlie, role=Membership.Role.MEMBER)
    # then
    assert selectors.user_roles(User.objects.get(pk=bob.pk)) == {"client", "org_admin"}
    assert selectors.user_roles(User.objects.get(pk=charlie.pk)) == {"client"}


def test_staff_hold_the_staff_role(staff_user):
    assert selectors.user_roles(staff_user) == {"client", "staff"}


def test_a_pending_or_rejected_application_grants_no_role(bob, charlie, staff_user):
    services.coach_apply(user=bob, headline="Career coach")
    rejected = services.coach_apply(user=charlie, headline="Life coach")
    services.coach_application_decide(
        application_id=rejected.pk, staff_user=staff_user, approve=False, reason="Too vague."
    )
    assert selectors.user_roles(User.objects.get(pk=bob.pk)) == {"client"}
    assert selectors.user_roles(User.objects.get(pk=charlie.pk)) == {"client"}


# --- Visibility -------------------------------------------------------------------------------


def test_a_profile_is_visible_to_its_owner_and_staff_only(alice, charlie, staff_user):
    assert selectors.user_get_visible(viewer=alice, public_id=str(alice.public_id)) == alice
    assert selectors.user_get_visible(viewer=staff_user, public_id=str(alice.public_id)) == alice
    assert selectors.user_get_visible(viewer=charlie, public_id=str(alice.public_id)) is None
    assert selectors.user_get_visible(viewer=alice, public_id="not-a-uuid") is None
