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

# (magic bytes, extension) — what a certificate (or a document attachment) may be.
CERTIFICATE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
)


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


def certificate_file(upload: IO[bytes], *, field: str = "certificate") -> ContentFile:
    """A certificate as a ContentFile with a random name; PDF, PNG or JPEG up to 5 MB."""
    data = read_bounded(upload, field=field)
    extension = next((ext for magic, ext in CERTIFICATE_SIGNATURES if data.startswith(magic)), None)
    if extension is None:
        raise refuse_upload(field, "Upload a PDF, PNG or JPEG file.")
    if extension == "pdf":
        if b"%%EOF" not in data[-2048:]:
            raise refuse_upload(field, "The PDF file is incomplete or damaged.")
    else:
        try:
            verify_image(
                data, ["PNG" if extension == "png" else "JPEG"], max_side=MAX_SCAN_SIDE
            ).close()
        except Exception as exc:  # Pillow raises many types for broken images
            raise refuse_upload(field, "The image is damaged or not a PNG/JPEG image.") from exc
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}")
