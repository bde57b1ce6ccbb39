"""Becoming a verified coach: apply (with credentials and a certificate), staff review, emails.

Approval verifies the coach profile in the same transaction and lists the coach; rejection
needs a reason, which the applicant is emailed. Only staff see the queue (others: 404).
"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tandem.accounts import selectors as account_selectors
from tandem.accounts import services as account_services
from tandem.accounts.models import CoachApplication, User
from tandem.accounts.tests.test_api import assert_error
from tandem.coaches import services
from tandem.coaches.models import CoachProfile
from tandem.coaches.tests.conftest import image_bytes, pdf_bytes, token_client
from tandem.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied

QUEUE = "/api/v1/staff/coach-applications"


def decide(client: Client, application: CoachApplication, body: object):
    return client.post(
        f"{QUEUE}/{application.public_id}/decision",
        json.dumps(body),
        content_type="application/json",
    )


def applications_of(user: User) -> list[tuple]:
    return list(
        CoachApplication.objects.filter(user=user)
        .order_by("pk")
        .values_list("status", "headline", "credentials", "certificate", "rejection_reason")
    )


@pytest.fixture
def bobs_application(bob, lists) -> CoachApplication:
    return account_services.coach_apply(
        user=bob,
        headline="Career coach for engineers",
        motivation="Ten years of mentoring.",
        credentials="ICF ACC (2021)",
        certificate=SimpleUploadedFile("acc.pdf", pdf_bytes()),
    )


# --- Applying ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "extension"),
    [(pdf_bytes(), ".pdf"), (image_bytes("PNG"), ".png"), (image_bytes("JPEG"), ".jpg")],
)
def test_bob_applies_with_a_certificate(bob, data, extension):
    # the name and content type the client claims do not matter; the bytes do
    upload = SimpleUploadedFile("../../etc/passwd.exe", data, "application/x-msdownload")
    application = account_services.coach_apply(
        user=bob, headline="Career coach", credentials="ICF ACC", certificate=upload
    )
    assert application.certificate.name.startswith("coaches/certificates/")
    assert application.certificate.name.endswith(extension)
    with application.certificate.open("rb") as stored:
        assert stored.read() == data


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"MZ\x90\x00" + b"\x00" * 100,  # a Windows executable
        b"<html><script>alert(1)</script></html>",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        image_bytes("GIF"),
        image_bytes("WEBP"),
        b"%PDF-1.4 truncated without an end",
        b"\x89PNG\r\n\x1a\n" + b"not really a png",
        b"\xff\xd8\xff" + b"not really a jpeg",
        b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024) + b"\n%%EOF\n",  # over 5 MB
    ],
    ids=[
        "empty",
        "exe",
        "html",
        "svg",
        "gif",
        "webp",
        "pdf-truncated",
        "png-fake",
        "jpeg-fake",
        "6MB",
    ],
)
def test_a_bad_certificate_is_refused_and_nothing_is_created(bob, data):
    with pytest.raises(InvalidInput) as refused:
        account_services.coach_apply(
            user=bob,
            headline="Career coach",
            certificate=SimpleUploadedFile("certificate.pdf", data, "application/pdf"),
        )
    assert "certificate" in refused.value.fields
    assert applications_of(bob) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("credentials", "x" * 2001), ("credentials", "ICF\x00"), ("motivation", "x" * 100_000)],
)
def test_bad_application_text_is_refused(bob, field, value):
    with pytest.raises(InvalidInput) as refused:
        account_services.coach_apply(user=bob, headline="Career coach", **{field: value})
    assert field in refused.value.fields
    assert applications_of(bob) == []


def test_bob_applies_through_the_api_then_attaches_a_certificate(bob, bob_api):
    response = bob_api.post(
        "/api/v1/coach-applications",
        json.dumps({"headline": "Career coach", "credentials": "ICF ACC"}),
        content_type="application/json",
    )
    assert response.status_code == 201, response.content
    created = response.json()
    assert created["credentials"] == "ICF ACC"
    assert created["has_certificate"] is False
    upload = SimpleUploadedFile("acc.png", image_bytes("PNG"), "image/png")
    attached = bob_api.post(
        f"/api/v1/coach-applications/{created['id']}/certificate", {"certificate": upload}
    )
    assert attached.status_code == 200, attached.content
    assert attached.json()["has_certificate"] is True
    assert bob_api.get("/api/v1/me/coach-application").json()["has_certificate"] is True


def test_a_bad_certificate_through_the_api_answers_400(bob, bob_api, bobs_application):
    before = applications_of(bob)
    upload = SimpleUploadedFile("acc.pdf", b"#!/bin/sh\nrm -rf /\n", "application/pdf")
    response = bob_api.post(
        f"/api/v1/coach-applications/{bobs_application.public_id}/certificate",
        {"certificate": upload},
    )
    error = assert_error(response, 400, "invalid")
    assert "certificate" in error["fields"]
    assert applications_of(bob) == before


def test_no_one_attaches_a_certificate_to_someone_elses_application(
    bob, charlie_api, bobs_application
):
    before = applications_of(bob)
    upload = SimpleUploadedFile("x.pdf", pdf_bytes(), "application/pdf")
    response = charlie_api.post(
        f"/api/v1/coach-applications/{bobs_application.public_id}/certificate",
        {"certificate": upload},
    )
    assert_error(response, 404, "not_found")
    assert applications_of(bob) == before


# --- The staff queue ---------------------------------------------------------------------------


def test_staff_list_pending_applications_oldest_first(
    staff_api, bobs_application, charlie, settings
):
    # Absolute links come from the public URL setting, not the request's host.
    settings.TANDEM_SITE_URL = "https://tandem.example:8443"
    charlies = account_services.coach_apply(user=charlie, headline="Life coach")
    body = staff_api.get(f"{QUEUE}?status=pending").json()
    assert [item["id"] for item in body["items"]] == [
        str(bobs_application.public_id),
        str(charlies.public_id),
    ]
    first = body["items"][0]
    assert first["applicant"]["email"] == "bob@example.com"
    assert first["credentials"] == "ICF ACC (2021)"
    assert first["motivation"] == "Ten years of mentoring."
    assert first["has_certificate"] is True
    # the certificate is downloadable by staff only
    download = staff_api.get(first["certificate_url"].removeprefix("https://tandem.example:8443"))
    assert first["certificate_url"].startswith("https://tandem.example:8443/api/v1/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == pdf_bytes()
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment")
    assert staff_api.get(f"{QUEUE}?status=approved").json()["items"] == []


def test_the_queue_pages_with_a_cursor(staff_api, lists):
    from conftest import make_user

    for n in range(5):
        account_services.coach_apply(
            user=make_user(f"applicant{n}@example.com", name=f"A{n}"), headline="Coach"
        )
    seen: list[str] = []
    cursor = ""
    for _ in range(10):
        body = staff_api.get(f"{QUEUE}?limit=2{'&cursor=' + cursor if cursor else ''}").json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert not cursor
    assert len(seen) == len(set(seen)) == 5
    assert_error(staff_api.get(f"{QUEUE}?cursor=nonsense"), 400)
    assert_error(staff_api.get(f"{QUEUE}?status=everything"), 400)


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_the_queue_does_not_exist_for_non_staff(request, who, bobs_application):
    client = token_client(request.getfixturevalue(who))
    before = applications_of(bobs_application.user)
    assert_error(client.get(QUEUE), 404, "not_found")
    assert_error(client.get(f"{QUEUE}/{bobs_application.public_id}"), 404)
    assert_error(client.get(f"{QUEUE}/{bobs_application.public_id}/certificate"), 404)
    assert_error(decide(client, bobs_application, {"approve": True}), 404, "not_found")
    assert applications_of(bobs_application.user) == before
    assert not CoachProfile.objects.filter(user=bobs_application.user).exists()


def test_the_queue_needs_authentication(bobs_application):
    assert_error(Client().get(QUEUE), 401)
    assert_error(decide(Client(), bobs_application, {"approve": True}), 401)


# --- Deciding ------------------------------------------------------------------------------------


def test_staff_approve_bob_who_is_verified_listed_and_emailed(
    bob, staff_api, bobs_application, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(staff_api, bobs_application, {"approve": True, "reason": ""})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["decided_by"] == "staff@example.com"
    # a verified, listed coach profile
    coach = CoachProfile.objects.get(user=bob)
    assert coach.is_verified and coach.is_active
    assert coach.slug == "bob-brown"
    assert coach.headline == "Career coach for engineers"
    assert coach.credentials == "ICF ACC (2021)"
    assert coach.timezone == "America/New_York"
    assert "coach" in account_selectors.user_roles(User.objects.get(pk=bob.pk))
    # verified, but not listed until he has a session type and weekly hours
    listed = Client().get("/api/v1/coaches").json()["items"]
    assert listed == []
    assert token_client(bob).get("/api/v1/me/coach").status_code == 200
    # and emailed
    [mail] = mailoutbox
    assert mail.to == ["bob@example.com"]
    assert "verified coach" in mail.subject
    assert "\n" not in mail.subject
    assert "Career coach for engineers" in mail.body
    assert "/c/bob-brown/" in mail.body


def test_rejecting_needs_a_reason(bob, staff_api, bobs_application, mailoutbox):
    before = applications_of(bob)
    for body in ({"approve": False}, {"approve": False, "reason": "   "}):
        error = assert_error(decide(staff_api, bobs_application, body), 400, "invalid")
        assert "reason" in error["fields"]
    assert applications_of(bob) == before
    assert mailoutbox == []


def test_staff_reject_bob_with_a_reason_and_he_is_emailed_it(
    bob, staff_api, bobs_application, mailoutbox, django_capture_on_commit_callbacks
):
    reason = "Please attach your ICF certificate — the file was unreadable."
    with django_capture_on_commit_callbacks(execute=True):
        response = decide(staff_api, bobs_application, {"approve": False, "reason": reason})
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "rejected"
    assert response.json()["rejection_reason"] == reason
    assert not CoachProfile.objects.filter(user=bob).exists()
    assert "coach" not in account_selectors.user_roles(User.objects.get(pk=bob.pk))
    [mail] = mailoutbox
    assert mail.to == ["bob@example.com"]
    assert reason in mail.body  # not HTML-escaped: a plain-text email
    # Bob sees the reason, and may apply again
    mine = token_client(bob).get("/api/v1/me/coach-application").json()
    assert mine["status"] == "rejected" and mine["rejection_reason"] == reason
    account_services.coach_apply(user=bob, headline="Career coach, certified")


def test_an_application_is_decided_once(bob, staff_api, bobs_application):
    assert decide(staff_api, bobs_application, {"approve": True}).status_code == 200
    before = applications_of(bob)
    for body in ({"approve": False, "reason": "Oops"}, {"approve": True}):
        assert_error(decide(staff_api, bobs_application, body), 409, "already_decided")
    assert applications_of(bob) == before
    assert CoachProfile.objects.get(user=bob).is_verified


@pytest.mark.parametrize(
    "body",
    [
        {"approve": "yes"},
        {"approve": 1},
        {},
        {"approve": False, "reason": "x" * 2001},
        {"approve": False, "reason": "bad\x00"},
        {"approve": True, "extra": 1},
        [True],
    ],
)
def test_bad_decisions_answer_400_and_change_nothing(bob, staff_api, bobs_application, body):
    before = applications_of(bob)
    assert_error(decide(staff_api, bobs_application, body), 400, "invalid")
    assert applications_of(bob) == before


def test_deciding_an_unknown_application_is_404(staff_api):
    for ident in ("00000000-0000-0000-0000-000000000000", "12", "nope"):
        response = staff_api.post(
            f"{QUEUE}/{ident}/decision",
            json.dumps({"approve": True}),
            content_type="application/json",
        )
        assert_error(response, 404, "not_found")


def test_only_staff_may_call_the_decision_service(bobs_application, alice):
    with pytest.raises(PermissionDenied):
        account_services.coach_application_decide(
            application_id=bobs_application.pk, staff_user=alice, approve=True
        )
    with pytest.raises(NotFound):
        account_services.coach_application_decide(
            application_id="not-a-uuid", staff_user=User(is_staff=True), approve=True
        )


def test_approval_verifies_an_existing_unverified_profile(bob, staff_user, bobs_application, lists):
    # a profile that staff suspended earlier (or one made before verification existed)
    CoachProfile.objects.create(user=bob, slug="bob-b", headline="Old", is_verified=False)
    account_services.coach_application_decide(
        application_id=bobs_application.pk, staff_user=staff_user, approve=True
    )
    coach = CoachProfile.objects.get(user=bob)
    assert coach.is_verified
    assert coach.slug == "bob-b"
    assert coach.headline == "Career coach for engineers"


def test_a_failed_email_does_not_undo_the_decision(
    bob, staff_user, bobs_application, monkeypatch, django_capture_on_commit_callbacks
):
    def broken(*args, **kwargs):
        raise OSError("SMTP down")

    monkeypatch.setattr(account_services, "send_mail", broken)
    with django_capture_on_commit_callbacks(execute=True):
        account_services.coach_application_decide(
            application_id=bobs_application.pk, staff_user=staff_user, approve=True
        )
    assert CoachApplication.objects.get(pk=bobs_application.pk).status == "approved"


def test_a_suspended_coach_leaves_the_directory(alice_coach, staff_user):
    services.coach_profile_set_verified(
        coach_id=alice_coach.pk, staff_user=staff_user, is_verified=False
    )
    assert Client().get("/api/v1/coaches").json()["items"] == []
    with pytest.raises(Conflict):
        account_services.coach_apply(user=alice_coach.user, headline="Let me back")


# --- The admin ------------------------------------------------------------------------------------


def admin_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_reject_in_the_admin_only_with_a_reason(
    bob, staff_user, bobs_application, mailoutbox, django_capture_on_commit_callbacks
):
    url = f"/admin/accounts/coachapplication/{bobs_application.pk}/change/"
    client = admin_client(staff_user)
    assert client.get(url).status_code == 200
    # without a reason: the form again, with the error, and nothing changed
    response = client.post(url, {"decision": "reject", "reason": ""})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()
    assert CoachApplication.objects.get(pk=bobs_application.pk).status == "pending"
    # with one: rejected and emailed
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, {"decision": "reject", "reason": "No certificate."})
    assert response.status_code == 302
    decided = CoachApplication.objects.get(pk=bobs_application.pk)
    assert (decided.status, decided.rejection_reason) == ("rejected", "No certificate.")
    assert "No certificate." in mailoutbox[0].body


def test_staff_approve_in_the_admin_change_form(bob, staff_user, bobs_application):
    url = f"/admin/accounts/coachapplication/{bobs_application.pk}/change/"
    response = admin_client(staff_user).post(url, {"decision": "approve", "reason": ""})
    assert response.status_code == 302
    assert CoachProfile.objects.get(user=bob).is_verified


def test_the_admin_list_action_approves_and_creates_profiles(bob, staff_user, bobs_application):
    response = admin_client(staff_user).post(
        "/admin/accounts/coachapplication/",
        {"action": "approve", "_selected_action": [bobs_application.pk]},
    )
    assert response.status_code == 302
    assert CoachProfile.objects.get(user=bob).is_verified


def test_staff_suspend_and_deactivate_in_the_coach_admin(alice_coach, staff_user):
    client = admin_client(staff_user)
    assert client.get("/admin/coaches/coachprofile/?is_verified__exact=1").status_code == 200
    assert client.get(f"/admin/coaches/coachprofile/{alice_coach.pk}/change/").status_code == 200
    client.post(
        "/admin/coaches/coachprofile/",
        {"action": "deactivate", "_selected_action": [alice_coach.pk]},
    )
    assert not CoachProfile.objects.get(pk=alice_coach.pk).is_active
    client.post(
        "/admin/coaches/coachprofile/",
        {"action": "suspend", "_selected_action": [alice_coach.pk]},
    )
    assert not CoachProfile.objects.get(pk=alice_coach.pk).is_verified
