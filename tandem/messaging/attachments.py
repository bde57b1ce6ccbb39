"""What an uploaded attachment is, from its bytes: PNG, JPEG, PDF or plain UTF-8 text.

The name and the client's Content-Type are ignored (a `photo.png` holding HTML is refused).
Images and PDFs are recognised and checked by the same function as coach certificates
(tandem.core.uploads.document_kind). Text must be valid UTF-8 without control characters
and must not look like markup, so a browser could never be talked into rendering it as HTML
even if our Content-Type and nosniff headers were lost on the way.
"""

from __future__ import annotations

import contextlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO

from django.conf import settings

from tandem.core.errors import InvalidInput, ServiceError
from tandem.core.uploads import DamagedDocument, document_kind

TYPES = {
    "png": "image/png",
    "jpg": "image/jpeg",
    "pdf": "application/pdf",
    "txt": "text/plain; charset=utf-8",
}
IMAGE_TYPES = {"image/png", "image/jpeg"}
MAX_NAME = 150
MARKUP = re.compile(rb"<\s*[!?a-zA-Z/]")
FIELD = "attachment"


class AttachmentTooLarge(ServiceError):
    """The attachment is too large."""

    status = 413
    code = "attachment_too_large"


@dataclass(frozen=True, slots=True)
class CheckedFile:
    data: bytes
    content_type: str
    name: str

    @property
    def is_image(self) -> bool:
        return self.content_type in IMAGE_TYPES


def _refuse(message: str) -> InvalidInput:
    return InvalidInput(message, code="attachment_refused", fields={FIELD: [message]})


def _read(upload: IO[bytes], limit: int) -> bytes:
    too_large = AttachmentTooLarge(
        f"An attachment may be at most {limit // (1024 * 1024) or 1} MB.",
        fields={FIELD: [f"At most {limit} bytes."]},
    )
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > limit:
        raise too_large
    with contextlib.suppress(AttributeError, OSError):
        upload.seek(0)
    data = upload.read(limit + 1)  # never more than one byte past the limit
    if not isinstance(data, bytes):
        raise _refuse("Attach a file.")
    if len(data) > limit:
        raise too_large
    if not data:
        raise _refuse("The file is empty.")
    return data


def _is_plain_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text):
        return False
    return not MARKUP.search(data)


def _sniff(data: bytes) -> str:
    """The extension for what the bytes are; refuses anything else."""
    try:
        extension = document_kind(data)
    except DamagedDocument as exc:
        raise _refuse(exc.message) from exc
    if extension is not None:
        return extension
    if _is_plain_text(data):
        return "txt"
    raise _refuse("Attach a PNG or JPEG image, a PDF or a plain-text file.")


def clean_name(raw: str | None, extension: str) -> str:
    """The sender's file name without directories or control characters, ending in the
    extension of what the file really is."""
    name = PurePosixPath(PureWindowsPath(raw or "").name).name
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip(" .")
    name = name[:MAX_NAME] or "attachment"
    if not name.lower().endswith(f".{extension}") and not (
        extension == "jpg" and name.lower().endswith(".jpeg")
    ):
        name = f"{name}.{extension}"
    return name


def checked_attachment(upload: IO[bytes], name: str | None) -> CheckedFile:
    data = _read(upload, settings.TANDEM_MESSAGE_ATTACHMENT_MAX_BYTES)
    extension = _sniff(data)
    return CheckedFile(data, TYPES[extension], clean_name(name, extension))
