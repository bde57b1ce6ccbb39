"""Coach pages (profile, session types), the coach application page and the staff queue.

Alice is a coach (alice_coach), Dora another coach, Bob a client, Charlie a stranger.
Every refused request is checked to have changed nothing.
"""

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import make_user
from tandem.accounts.models import CoachApplication
from tandem.booking.models import Booking
from tandem.coaches.models import CoachProfile, SessionType

from .conftest import image_bytes, pdf_bytes

COACH_PAGES = [
    "/coach/profile/",
    "/coach/session-types/",
    "/coach/session-types/new/",
    "/coach/availability/",
]
NUL = "bad\x00text"
HUGE = "x" * 100_000


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def profile_data(**changes: object) -> dict:
    data: dict = {
        "headline": "Leadership coach",
        "bio": "I help new managers find their feet.",
        "specialties": ["leadership", "executive"],
        "languages": ["en", "de"],
        "credentials": "ICF PCC",
        "years_experience": "12",
        "timezone": "Europe/Berlin",
        "currency": "EUR",
        "slug": "alice-adler",
    }
    data.update(changes)
    return data


def session_type_data(**changes: object) -> dict:
    data: dict = {
        "name": "Deep dive",
        "description": "Ninety minutes on one question.",
        "duration_minutes": "90",
        "price": "120.50",
        "buffer_before_minutes": "0",
        "buffer_after_minutes": "15",
        "min_notice_minutes": "1440",
        "booking_window_days": "30",
        "slot_step_minutes": "30",
        "daily_cap": "2",
        "weekly_cap": "",
        "location_kind": "video",
        "location_detail": "",
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def snapshot(coach: CoachProfile) -> dict:
    coach = CoachProfile.objects.get(pk=coach.pk)
    return {
        "row": {
            f.attname: getattr(coach, f.attname)
            for f in CoachProfile._meta.concrete_fields
            if f.attname not in ("updated_at", "search_vector", "next_available_at")
        },
        "specialties": sorted(coach.specialties.values_list("slug", flat=True)),
        "languages": sorted(coach.languages.values_list("code", flat=True)),
    }


def session_type_snapshot(session_type: SessionType) -> dict:
    row = SessionType.objects.get(pk=session_type.pk)
    return {f.attname: getattr(row, f.attname) for f in SessionType._meta.concrete_fields}


# --- Who may see the coach pages ----------------------------------------------------------------


@pytest.mark.parametrize("path", COACH_PAGES)
def test_coach_pages_answer_200_for_a_coach(alice_coach, path):
    response = client_for(alice_coach.user).get(path)
    assert response.status_code == 200


@pytest.mark.parametrize("path", COACH_PAGES)
@pytest.mark.parametrize("who", ["bob", "charlie"])
def test_coach_pages_do_not_exist_for_non_coaches(alice_coach, request, who, path):
    user = request.getfixturevalue(who)
    client = client_for(user)
    assert client.get(path).status_code == 404
    assert client.post(path, {}).status_code == 404


def test_coach_pages_send_visitors_to_sign_in(alice_coach):
    response = Client().get("/coach/profile/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_settings_nav_links_coach_pages_only_for_coaches(alice_coach, bob):
    alice_page = client_for(alice_coach.user).get("/settings/").content.decode()
    bob_page = client_for(bob).get("/settings/").content.decode()
    for link in ("/coach/profile/", "/coach/availability/", "/coach/session-types/"):
        assert f'href="{link}"' in alice_page
        assert f'href="{link}"' not in bob_page


def test_dashboard_links_the_coach_tools(alice_coach):
    page = client_for(alice_coach.user).get("/dashboard/").content.decode()
    for link in ("/coach/profile/", "/coach/availability/", "/coach/session-types/"):
        assert f'href="{link}"' in page


# --- Profile ------------------------------------------------------------------------------------


def test_profile_page_shows_the_profile_and_public_address(alice_coach, settings):
    settings.TANDEM_SITE_URL = "https://tandem.example:8443"
    page = client_for(alice_coach.user).get("/coach/profile/").content.decode()
    assert "Leadership coach" in page
    assert f"https://tandem.example:8443/c/{alice_coach.slug}/" in page
    assert re.search(r'name="specialties" value="leadership"[^>]*checked', page)
    assert re.search(r'name="languages" value="de"[^>]*checked', page)
    assert 'list="tz-options"' in page


def test_saving_the_profile_updates_it(alice_coach):
    client = client_for(alice_coach.user)
    response = client.post(
        "/coach/profile/",
        profile_data(
            headline="Coach for new managers",
            specialties=["career"],
            languages=["fr"],
            years_experience="14",
            timezone="America/Toronto",
            currency="USD",
            slug="alice-coaching",
        ),
    )
    assert response.status_code == 302
    coach = CoachProfile.objects.get(pk=alice_coach.pk)
    assert coach.headline == "Coach for new managers"
    assert coach.years_experience == 14
    assert coach.timezone == "America/Toronto"
    assert coach.slug == "alice-coaching"
    # Changing the currency re-labels the prices (the service's rule).
    assert coach.currency == "USD"
    assert set(coach.session_types.values_list("currency", flat=True)) == {"USD"}
    assert list(coach.specialties.values_list("slug", flat=True)) == ["career"]
    assert list(coach.languages.values_list("code", flat=True)) == ["fr"]
    assert "Profile saved." in client.get("/coach/profile/").content.decode()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"slug": "admin"}, "slug", "reserved"),
        ({"slug": "Not A Slug!"}, "slug", "lower-case"),
        ({"timezone": "Mars/Olympus"}, "timezone", "not an IANA time zone"),
        ({"years_experience": "200"}, "years_experience", "from 0 to 80"),
        ({"headline": ""}, "headline", "required"),
        ({"specialties": ["astrology"]}, "specialties", "Select a valid choice"),
    ],
)
def test_refused_profile_changes_show_the_error_and_change_nothing(
    alice_coach, changes, field, message
):
    before = snapshot(alice_coach)
    response = client_for(alice_coach.user).post("/coach/profile/", profile_data(**changes))
    assert 400 <= response.status_code < 500
    page = response.content.decode()
    assert f'id="id_{field}_error"' in page
    assert message.lower() in page.lower()
    assert snapshot(alice_coach) == before


def test_a_slug_taken_by_another_coach_is_refused(alice_coach, dora_coach):
    before = snapshot(alice_coach)
    response = client_for(alice_coach.user).post(
        "/coach/profile/", profile_data(slug=dora_coach.slug)
    )
    assert response.status_code == 400
    assert "That address is taken." in response.content.decode()
    assert snapshot(alice_coach) == before


@pytest.mark.parametrize("field", ["headline", "bio", "credentials", "slug", "timezone"])
@pytest.mark.parametrize("value", [NUL, HUGE])
def test_nul_and_huge_profile_input_is_a_400(alice_coach, field, value):
    before = snapshot(alice_coach)
    response = client_for(alice_coach.user).post("/coach/profile/", profile_data(**{field: value}))
    assert response.status_code == 400
    assert snapshot(alice_coach) == before


def test_photo_upload_and_remove(alice_coach):
    client = client_for(alice_coach.user)
    upload = SimpleUploadedFile("me.png", image_bytes("PNG", (40, 40)), content_type="image/png")
    response = client.post("/coach/profile/photo/", {"photo": upload})
    assert response.status_code == 302
    coach = CoachProfile.objects.get(pk=alice_coach.pk)
    assert coach.photo.name.startswith("coaches/photos/")
    stored = coach.photo.name
    page = client.get("/coach/profile/").content.decode()
    assert coach.photo.url in page
    assert "Remove photo" in page

    response = client.post("/coach/profile/photo/remove/")
    assert response.status_code == 302
    assert not CoachProfile.objects.get(pk=alice_coach.pk).photo
    assert stored  # the file itself is deleted after commit (the service's business)


def test_photos_are_served_but_no_other_media(alice_coach, staff_user, pending):
    client = client_for(alice_coach.user)
    upload = SimpleUploadedFile("me.png", image_bytes("PNG", (40, 40)), content_type="image/png")
    client.post("/coach/profile/photo/", {"photo": upload})
    photo = CoachProfile.objects.get(pk=alice_coach.pk).photo
    response = Client().get(photo.url)  # public: anyone may see a coach's photo
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    b"".join(response.streaming_content)
    bobs, _ = pending
    assert Client().get(f"/media/{bobs.certificate.name}").status_code == 404
    assert client_for(staff_user).get(f"/media/{bobs.certificate.name}").status_code == 404
    assert Client().get("/media/coaches/photos/../certificates/x.pdf").status_code == 404


def test_a_file_that_is_not_an_image_is_refused_as_a_photo(alice_coach):
    upload = SimpleUploadedFile("me.png", b"<html>not an image</html>", content_type="image/png")
    response = client_for(alice_coach.user).post("/coach/profile/photo/", {"photo": upload})
    assert response.status_code == 400
    assert "Upload a JPEG, PNG or WebP image." in response.content.decode()
    assert not CoachProfile.objects.get(pk=alice_coach.pk).photo


def test_photo_post_without_a_file_is_a_400(alice_coach):
    response = client_for(alice_coach.user).post("/coach/profile/photo/", {})
    assert response.status_code == 400


def test_pause_and_resume_bookings(alice_coach):
    client = client_for(alice_coach.user)
    assert client.post("/coach/profile/active/", {"is_active": "false"}).status_code == 302
    assert CoachProfile.objects.get(pk=alice_coach.pk).is_active is False
    assert "Resume bookings" in client.get("/coach/profile/").content.decode()
    assert client.post("/coach/profile/active/", {"is_active": "true"}).status_code == 302
    assert CoachProfile.objects.get(pk=alice_coach.pk).is_active is True


def test_pause_with_a_made_up_value_is_a_400(alice_coach):
    response = client_for(alice_coach.user).post("/coach/profile/active/", {"is_active": "maybe"})
    assert response.status_code == 400
    assert CoachProfile.objects.get(pk=alice_coach.pk).is_active is True


# --- Session types ------------------------------------------------------------------------------


def test_session_type_list_shows_them(alice_coach):
    page = client_for(alice_coach.user).get("/coach/session-types/").content.decode()
    assert "Session 1" in page
    assert "80.00 EUR" in page
    assert "Active" in page


def test_session_type_list_empty_state(alice_coach):
    alice_coach.session_types.all().delete()
    page = client_for(alice_coach.user).get("/coach/session-types/").content.decode()
    assert "No session types yet" in page


def test_create_a_session_type(alice_coach):
    response = client_for(alice_coach.user).post(
        "/coach/session-types/new/", session_type_data(requires_confirmation="on")
    )
    assert response.status_code == 302
    created = SessionType.objects.get(coach=alice_coach, name="Deep dive")
    assert created.duration_minutes == 90
    assert created.price == Decimal("120.50")
    assert created.currency == "EUR"
    assert created.buffer_after_minutes == 15
    assert created.min_notice_minutes == 1440
    assert created.daily_cap == 2
    assert created.weekly_cap is None
    assert created.requires_confirmation is True
    assert created.is_active is True


def test_a_refused_session_type_shows_the_services_error_and_creates_nothing(alice_coach):
    response = client_for(alice_coach.user).post(
        "/coach/session-types/new/", session_type_data(location_kind="in_person")
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_location_detail_error"' in page
    assert "Say where an in-person session takes place." in page
    assert 'value="Deep dive"' in page  # the input is kept
    assert not SessionType.objects.filter(name="Deep dive").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"duration_minutes": "2"}, "duration_minutes"),
        ({"booking_window_days": "999"}, "booking_window_days"),
        ({"price": "-5"}, "price"),
        ({"duration_minutes": "ninety"}, "duration_minutes"),
        ({"name": NUL}, "name"),
        ({"name": HUGE}, "name"),
        ({"description": HUGE}, "description"),
        ({"location_kind": "moon"}, "location_kind"),
        ({"duration_minutes": "9" * 5000}, "duration_minutes"),
    ],
)
def test_bad_session_type_input_is_refused(alice_coach, changes, field):
    count = SessionType.objects.count()
    response = client_for(alice_coach.user).post(
        "/coach/session-types/new/", session_type_data(**changes)
    )
    assert response.status_code in (400, 400)
    assert f'id="id_{field}_error"' in response.content.decode()
    assert SessionType.objects.count() == count


def test_edit_a_session_type(alice_coach):
    session_type = alice_coach.session_types.get()
    client = client_for(alice_coach.user)
    page = client.get(f"/coach/session-types/{session_type.public_id}/").content.decode()
    assert 'value="Session 1"' in page
    response = client.post(
        f"/coach/session-types/{session_type.public_id}/",
        session_type_data(name="Session one", price="85", is_active=None),
    )
    assert response.status_code == 302
    session_type.refresh_from_db()
    assert session_type.name == "Session one"
    assert session_type.price == Decimal("85.00")
    assert session_type.is_active is False


@pytest.mark.parametrize("who", ["dora", "charlie"])
def test_another_user_cannot_see_or_edit_alices_session_type(alice_coach, dora_coach, charlie, who):
    session_type = alice_coach.session_types.get()
    before = session_type_snapshot(session_type)
    client = client_for(dora_coach.user if who == "dora" else charlie)
    base = f"/coach/session-types/{session_type.public_id}"
    assert client.get(f"{base}/").status_code == 404
    assert client.post(f"{base}/", session_type_data(name="Mine now")).status_code == 404
    assert client.post(f"{base}/active/", {"is_active": "false"}).status_code == 404
    assert client.get(f"{base}/delete/").status_code == 404
    assert client.post(f"{base}/delete/").status_code == 404
    assert session_type_snapshot(session_type) == before


def test_an_unknown_session_type_id_is_a_404(alice_coach):
    client = client_for(alice_coach.user)
    assert (
        client.get("/coach/session-types/00000000-0000-0000-0000-000000000000/").status_code == 404
    )
    assert client.get("/coach/session-types/not-a-uuid/").status_code == 404


def test_deactivate_and_activate_a_session_type(alice_coach):
    session_type = alice_coach.session_types.get()
    client = client_for(alice_coach.user)
    url = f"/coach/session-types/{session_type.public_id}/active/"
    assert client.post(url, {"is_active": "false"}).status_code == 302
    session_type.refresh_from_db()
    assert session_type.is_active is False
    assert "Inactive" in client.get("/coach/session-types/").content.decode()
    assert client.post(url, {"is_active": "true"}).status_code == 302
    session_type.refresh_from_db()
    assert session_type.is_active is True


def test_delete_an_unbooked_session_type(alice_coach):
    session_type = alice_coach.session_types.get()
    client = client_for(alice_coach.user)
    url = f"/coach/session-types/{session_type.public_id}/delete/"
    assert "Delete session type" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    assert not SessionType.objects.filter(pk=session_type.pk).exists()


def test_a_booked_session_type_cannot_be_deleted(alice_coach, bob):
    from datetime import UTC, datetime, timedelta

    session_type = alice_coach.session_types.get()
    start = datetime(2030, 1, 7, 9, tzinfo=UTC)
    Booking.objects.create(
        coach=alice_coach,
        client=bob,
        session_type=session_type,
        start=start,
        end=start + timedelta(hours=1),
        blocked_start=start,
        blocked_end=start + timedelta(hours=1),
    )
    response = client_for(alice_coach.user).post(
        f"/coach/session-types/{session_type.public_id}/delete/"
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "deactivate it instead" in page
    assert SessionType.objects.filter(pk=session_type.pk).exists()


# --- Coach application (settings) ---------------------------------------------------------------


def test_apply_with_credentials_and_a_certificate(bob):
    client = client_for(bob)
    page = client.get("/settings/coach/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="credentials"' in page
    assert 'name="certificate"' in page
    certificate = SimpleUploadedFile("cert.pdf", pdf_bytes(), content_type="application/pdf")
    response = client.post(
        "/settings/coach/",
        {
            "headline": "Career coach",
            "motivation": "Ten years in HR.",
            "credentials": "ICF ACC",
            "certificate": certificate,
        },
    )
    assert response.status_code == 302
    application = CoachApplication.objects.get(user=bob)
    assert application.credentials == "ICF ACC"
    assert application.certificate.name.startswith("coaches/certificates/")
    assert application.certificate.name.endswith(".pdf")
    assert "certificate attached" in client.get("/settings/coach/").content.decode()


def test_a_certificate_that_is_not_a_pdf_or_image_is_refused(bob):
    certificate = SimpleUploadedFile(
        "cert.pdf", b"MZ\x90\x00 an exe", content_type="application/pdf"
    )
    response = client_for(bob).post(
        "/settings/coach/", {"headline": "Career coach", "certificate": certificate}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="id_certificate_error"' in page
    assert "Upload a PDF, PNG or JPEG file." in page
    assert not CoachApplication.objects.filter(user=bob).exists()


@pytest.mark.parametrize("field", ["headline", "motivation", "credentials"])
@pytest.mark.parametrize("value", [NUL, HUGE])
def test_bad_application_text_is_a_400(bob, field, value):
    data = {"headline": "Career coach", field: value}
    response = client_for(bob).post("/settings/coach/", data)
    assert response.status_code == 400
    assert not CoachApplication.objects.filter(user=bob).exists()


def test_a_rejected_applicant_sees_the_reason_and_can_apply_again(bob, staff_user):
    from tandem.accounts import services as account_services

    application = account_services.coach_apply(user=bob, headline="Career coach")
    account_services.coach_application_decide(
        application_id=application.public_id,
        staff_user=staff_user,
        approve=False,
        reason="Please add a certificate.",
    )
    page = client_for(bob).get("/settings/coach/").content.decode()
    assert "Please add a certificate." in page
    assert "Apply again" in page
    assert 'name="headline"' in page


# --- Staff queue ----------------------------------------------------------------------------------


@pytest.fixture
def pending(bob, charlie):
    """Two pending applications: Bob's with a certificate, Charlie's without."""
    from tandem.accounts import services as account_services

    bobs = account_services.coach_apply(
        user=bob,
        headline="Career coach",
        credentials="ICF ACC",
        certificate=SimpleUploadedFile("c.pdf", pdf_bytes()),
    )
    charlies = account_services.coach_apply(user=charlie, headline="Mindfulness teacher")
    return bobs, charlies


@pytest.mark.parametrize("who", ["alice", "bob", "charlie"])
def test_the_queue_does_not_exist_for_non_staff(request, pending, who):
    client = client_for(request.getfixturevalue(who))
    bobs, _ = pending
    assert client.get("/staff/coach-applications/").status_code == 404
    decide = f"/staff/coach-applications/{bobs.public_id}/decide/"
    assert client.post(decide, {"decision": "approve"}).status_code == 404
    certificate = f"/staff/coach-applications/{bobs.public_id}/certificate/"
    assert client.get(certificate).status_code == 404
    bobs.refresh_from_db()
    assert bobs.status == CoachApplication.Status.PENDING


def test_staff_see_pending_applications(staff_user, pending):
    bobs, charlies = pending
    page = client_for(staff_user).get("/staff/coach-applications/").content.decode()
    assert "Career coach" in page
    assert "ICF ACC" in page
    assert "Mindfulness teacher" in page
    assert f"/staff/coach-applications/{bobs.public_id}/certificate/" in page
    assert f"/staff/coach-applications/{charlies.public_id}/certificate/" not in page
    assert "/media/" not in page  # certificates are never linked as public files


def test_staff_dashboard_links_the_queue(staff_user):
    page = client_for(staff_user).get("/dashboard/").content.decode()
    assert 'href="/staff/coach-applications/"' in page


def test_staff_approve_an_application(staff_user, pending, mailoutbox):
    bobs, _ = pending
    client = client_for(staff_user)
    response = client.post(
        f"/staff/coach-applications/{bobs.public_id}/decide/", {"decision": "approve"}
    )
    assert response.status_code == 302
    bobs.refresh_from_db()
    assert bobs.status == CoachApplication.Status.APPROVED
    assert bobs.decided_by == staff_user
    assert CoachProfile.objects.get(user=bobs.user).is_verified
    assert "is now a coach" in client.get(response["Location"]).content.decode()


def test_rejecting_needs_a_reason(staff_user, pending):
    bobs, _ = pending
    response = client_for(staff_user).post(
        f"/staff/coach-applications/{bobs.public_id}/decide/",
        {"decision": "reject", "reason": "  "},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="reason-{bobs.public_id}-error"' in page
    assert "This field is required." in page
    bobs.refresh_from_db()
    assert bobs.status == CoachApplication.Status.PENDING


def test_staff_reject_with_a_reason(staff_user, pending):
    bobs, _ = pending
    client = client_for(staff_user)
    response = client.post(
        f"/staff/coach-applications/{bobs.public_id}/decide/",
        {"decision": "reject", "reason": "Please add your ICF number."},
    )
    assert response.status_code == 302
    bobs.refresh_from_db()
    assert bobs.status == CoachApplication.Status.REJECTED
    assert bobs.rejection_reason == "Please add your ICF number."
    rejected = client.get("/staff/coach-applications/?status=rejected").content.decode()
    assert "Please add your ICF number." in rejected
    assert "Career coach" not in client.get("/staff/coach-applications/").content.decode()


def test_a_decided_application_cannot_be_decided_again(staff_user, pending):
    bobs, _ = pending
    client = client_for(staff_user)
    url = f"/staff/coach-applications/{bobs.public_id}/decide/"
    assert client.post(url, {"decision": "approve"}).status_code == 302
    response = client.post(url, {"decision": "reject", "reason": "Changed my mind"})
    assert response.status_code == 409
    bobs.refresh_from_db()
    assert bobs.status == CoachApplication.Status.APPROVED


@pytest.mark.parametrize(
    "data",
    [
        {"decision": "maybe"},
        {},
        {"decision": "reject", "reason": NUL},
        {"decision": "reject", "reason": HUGE},
    ],
)
def test_bad_decisions_are_a_400_and_change_nothing(staff_user, pending, data):
    bobs, _ = pending
    response = client_for(staff_user).post(
        f"/staff/coach-applications/{bobs.public_id}/decide/", data
    )
    assert response.status_code == 400
    bobs.refresh_from_db()
    assert bobs.status == CoachApplication.Status.PENDING


def test_deciding_an_unknown_application_is_a_404(staff_user):
    response = client_for(staff_user).post(
        "/staff/coach-applications/00000000-0000-0000-0000-000000000000/decide/",
        {"decision": "approve"},
    )
    assert response.status_code == 404


@pytest.mark.parametrize("query", ["?status=bogus", "?cursor=!!!", "?status=" + "x" * 5000])
def test_a_bad_filter_or_cursor_is_a_4xx(staff_user, query):
    response = client_for(staff_user).get(f"/staff/coach-applications/{query}")
    assert 400 <= response.status_code < 500


def test_the_queue_pages_through_applications(staff_user):
    for n in range(23):
        user = make_user(f"applicant{n}@example.com", name=f"Applicant {n:02d}")
        CoachApplication.objects.create(user=user, headline=f"Headline {n:02d}")
    client = client_for(staff_user)
    first = client.get("/staff/coach-applications/").content.decode()
    assert first.count('class="card shadow-sm" id="application-') == 20
    assert "Headline 00" in first
    assert "Headline 22" not in first
    next_url = re.search(r'href="(/staff/coach-applications/\?[^"]*cursor=[^"]+)"', first)
    assert next_url, "no next-page link"
    second = client.get(next_url[1].replace("&amp;", "&")).content.decode()
    assert second.count('class="card shadow-sm" id="application-') == 3
    assert "Headline 22" in second
    assert "First page" in second


def test_staff_download_a_certificate(staff_user, pending):
    bobs, charlies = pending
    client = client_for(staff_user)
    response = client.get(f"/staff/coach-applications/{bobs.public_id}/certificate/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    # Reading it to the end closes the file (the test client's wrapper does).
    assert b"".join(response.streaming_content) == pdf_bytes()
    missing = client.get(f"/staff/coach-applications/{charlies.public_id}/certificate/")
    assert missing.status_code == 404
