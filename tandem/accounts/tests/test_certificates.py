"""certificate_download: the one response the staff page and the API send for a certificate."""

import pytest
from django.core.files.base import ContentFile

from tandem.accounts.certificates import certificate_download
from tandem.accounts.models import CoachApplication


def application_with(user, name: str, content: bytes) -> CoachApplication:
    application = CoachApplication.objects.create(user=user, headline="Career coach")
    application.certificate.save(name, ContentFile(content))
    return application


@pytest.mark.parametrize(
    ("name", "content_type"),
    [
        ("diploma.pdf", "application/pdf"),
        ("diploma.png", "image/png"),
        ("diploma.jpg", "image/jpeg"),
        ("diploma", "application/octet-stream"),  # no extension: nothing to guess from
    ],
)
def test_the_certificate_is_an_attachment_with_its_type_and_no_cache(bob, name, content_type):
    application = application_with(bob, name, b"the document")
    response = certificate_download(application)
    stored = application.certificate.name.rsplit("/", 1)[-1]
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{stored}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == b"the document"
    response.close()


def test_an_application_without_a_certificate_is_the_callers_404_not_a_download(bob):
    application = CoachApplication.objects.create(user=bob, headline="Career coach")
    with pytest.raises(ValueError, match="no certificate"):
        certificate_download(application)
