"""The download of a coach application's certificate, as the staff page and the API serve it."""

import mimetypes
from pathlib import PurePosixPath

from django.http import FileResponse

from .models import CoachApplication


def certificate_download(application: CoachApplication) -> FileResponse:
    """The application's certificate as an attachment under its stored file name.

    The caller has checked that the viewer is staff and that there is a certificate.
    """
    stored = application.certificate.name
    if not stored:
        raise ValueError("This application has no certificate; the caller answers 404.")
    name = PurePosixPath(stored).name
    response = FileResponse(
        application.certificate.open("rb"),
        as_attachment=True,
        filename=name,
        content_type=mimetypes.guess_type(name)[0] or "application/octet-stream",
    )
    # The browser must not guess a type other than the one sent (an upload is never HTML).
    response["X-Content-Type-Options"] = "nosniff"
    # A personal document: no shared or browser cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response
