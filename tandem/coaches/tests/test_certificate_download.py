"""A certificate is a personal document: its download, on the staff page and through the API,
tells every cache not to keep it."""

from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.accounts import services as account_services
from tandem.coaches.tests.conftest import pdf_bytes


def test_the_api_download_of_a_certificate_is_never_cached(bob, staff_api):
    application = account_services.coach_apply(
        user=bob,
        headline="Career coach",
        certificate=SimpleUploadedFile("acc.pdf", pdf_bytes()),
    )
    path = f"/api/v1/staff/coach-applications/{application.public_id}/certificate"
    response = staff_api.get(path)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == pdf_bytes()
    assert response["Cache-Control"] == "private, no-store"
