"""Uploaded files, recognised from their bytes: the checks every app shares.

What a file *is* comes from its bytes, never from its name or the client's content type.
Used by accounts (a coach application's certificate), coaches (profile photos, in
tandem/coaches/uploads.py) and messaging (attachments).
"""

from __future__ import annotations

import contextlib
import io
import uuid
import warnings
from typing import IO

from django.core.files.base import ContentFile
from PIL import Image

from tandem.core.errors import InvalidInput

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# A certificate scan is stored as sent (never decoded), so it may be larger than a photo.
MAX_SCAN_SIDE = 12000

# (magic bytes, extension) — what a document (a certificate, a message attachment) may be.
DOCUMENT_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
)
# A whole PDF ends with "%%EOF", possibly followed by a little trailing whitespace or junk.
PDF_END_MARKER = b"%%EOF"
PDF_END_WINDOW = 2048


def refuse_upload(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def read_bounded(upload: IO[bytes], *, field: str) -> bytes:
    """The whole file, refusing it as soon as it is over the limit (never reads more)."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > MAX_UPLOAD_BYTES:
        raise refuse_upload(field, "The file is larger than 5 MB.")
    with contextlib.suppress(AttributeError, OSError):
        upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if not isinstance(data, bytes):
        raise refuse_upload(field, "Upload a file.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise refuse_upload(field, "The file is larger than 5 MB.")
    if not data:
        raise refuse_upload(field, "The file is empty.")
    return data


def verify_image(data: bytes, formats: list[str], *, max_side: int) -> Image.Image:
    """Open and verify an image; returns it opened again, not yet decoded.

    The pixel size is checked from the header, before anything is decoded, and a
    decompression bomb is refused rather than warned about.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with Image.open(io.BytesIO(data), formats=formats) as probe:
            width, height = probe.size
            if width > max_side or height > max_side:
                raise ValueError("too large")
            probe.verify()  # verify() spends the object: open it again to use it
        return Image.open(io.BytesIO(data), formats=formats)


class DamagedDocument(ValueError):
    """The bytes start like a PDF, PNG or JPEG but are not a whole one.

    `message` is the sentence a user is shown; `extension` says which kind it claimed to be.
    """

    def __init__(self, extension: str, message: str) -> None:
        super().__init__(message)
        self.extension = extension
        self.message = message


def document_kind(data: bytes) -> str | None:
    """What a document upload is, from its bytes: "pdf", "png" or "jpg" (DOCUMENT_SIGNATURES),
    or None when it starts like none of them (the caller decides what else it may be).

    A file that starts like one of them must also be a whole one, else DamagedDocument: a PDF
    has its end marker near its end, an image passes `verify_image` (at most MAX_SCAN_SIDE
    pixels a side). The image is only verified, never decoded: it is stored as sent.
    """
    extension = next((ext for magic, ext in DOCUMENT_SIGNATURES if data.startswith(magic)), None)
    if extension == "pdf":
        if PDF_END_MARKER not in data[-PDF_END_WINDOW:]:
            raise DamagedDocument(extension, "The PDF file is incomplete or damaged.")
    elif extension is not None:
        try:
            verify_image(
                data, ["PNG" if extension == "png" else "JPEG"], max_side=MAX_SCAN_SIDE
            ).close()
        except Exception as exc:  # Pillow raises many types for broken images
            raise DamagedDocument(extension, "The image is damaged.") from exc
    return extension


def certificate_file(upload: IO[bytes], *, field: str = "certificate") -> ContentFile:
    """A certificate as a ContentFile with a random name; PDF, PNG or JPEG up to 5 MB."""
    data = read_bounded(upload, field=field)
    try:
        extension = document_kind(data)
    except DamagedDocument as exc:
        # A coach may have picked a file of another kind by mistake: say what it must be.
        message = (
            exc.message
            if exc.extension == "pdf"
            else "The image is damaged or not a PNG/JPEG image."
        )
        raise refuse_upload(field, message) from exc
    if extension is None:
        raise refuse_upload(field, "Upload a PDF, PNG or JPEG file.")
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}")
