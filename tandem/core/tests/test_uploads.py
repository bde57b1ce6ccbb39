"""The upload checks every app shares (tandem/core/uploads.py): what a file is comes from its
bytes, images are verified from their header before any decoding."""

from __future__ import annotations

import io

import pytest
from PIL import Image, UnidentifiedImageError

from tandem.core.errors import InvalidInput
from tandem.core.uploads import (
    MAX_SCAN_SIDE,
    MAX_UPLOAD_BYTES,
    DamagedDocument,
    certificate_file,
    document_kind,
    read_bounded,
    verify_image,
)

# What Pillow raises for bytes that are not a whole image (callers catch them all).
BROKEN_IMAGE = (UnidentifiedImageError, OSError, SyntaxError, ValueError)


def _png(width: int = 4, height: int = 3) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), "red").save(out, "PNG")
    return out.getvalue()


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (4, 3), "blue").save(out, "JPEG")
    return out.getvalue()


WHOLE_PDF = b"%PDF-1.4\n1 0 obj\n%%EOF\n"


def test_verify_image_opens_a_real_png_again_after_verifying_it() -> None:
    image = verify_image(_png(), ["PNG"], max_side=10)
    try:
        assert image.format == "PNG" and image.size == (4, 3)
        image.load()  # still usable: verify() spent only the probe
    finally:
        image.close()


def test_verify_image_refuses_a_side_over_the_limit_before_decoding() -> None:
    with pytest.raises(ValueError, match="too large"):
        verify_image(_png(11, 2), ["PNG"], max_side=10)


@pytest.mark.parametrize("data", [b"", b"not an image", _png()[:20]])
def test_verify_image_refuses_what_is_not_a_whole_image(data: bytes) -> None:
    with pytest.raises(BROKEN_IMAGE):
        verify_image(data, ["PNG"], max_side=10)


def test_verify_image_refuses_a_format_not_asked_for() -> None:
    with pytest.raises(UnidentifiedImageError):
        verify_image(_png(), ["JPEG"], max_side=10)


def test_read_bounded_never_takes_more_than_the_limit() -> None:
    with pytest.raises(InvalidInput):
        read_bounded(io.BytesIO(b"x" * (MAX_UPLOAD_BYTES + 1)), field="f")
    with pytest.raises(InvalidInput):
        read_bounded(io.BytesIO(b""), field="f")
    assert read_bounded(io.BytesIO(b"abc"), field="f") == b"abc"


def test_certificate_file_names_a_file_by_what_its_bytes_are() -> None:
    stored = certificate_file(io.BytesIO(_png()))
    assert stored.name is not None and stored.name.endswith(".png")
    pdf = certificate_file(io.BytesIO(b"%PDF-1.4\n1 0 obj\n%%EOF\n"))
    assert pdf.name is not None and pdf.name.endswith(".pdf")
    for refused in (b"<html><script>", b"%PDF-1.4 cut short", b"\x89PNG\r\n\x1a\nbroken"):
        with pytest.raises(InvalidInput):
            certificate_file(io.BytesIO(refused))


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (_png(), "png"),
        (_jpeg(), "jpg"),
        (WHOLE_PDF, "pdf"),
        (b"%PDF-1.4\n" + b" " * 5000 + b"%%EOF" + b"\n" * 100, "pdf"),  # marker near the end
        (b"plain text, no signature", None),  # the caller decides what else it may be
        (b"<html><script>", None),
    ],
)
def test_document_kind_is_what_the_bytes_are(data: bytes, kind: str | None) -> None:
    assert document_kind(data) == kind


@pytest.mark.parametrize(
    ("data", "claimed", "message"),
    [
        (b"%PDF-1.4 cut short", "pdf", "The PDF file is incomplete or damaged."),
        (b"%PDF-1.4 %%EOF" + b"x" * 3000, "pdf", "The PDF file is incomplete or damaged."),
        (b"\x89PNG\r\n\x1a\nbroken", "png", "The image is damaged."),
        (_png()[:30], "png", "The image is damaged."),
        (b"\xff\xd8\xff broken", "jpg", "The image is damaged."),
        (_png(MAX_SCAN_SIDE + 1, 1), "png", "The image is damaged."),
    ],
)
def test_document_kind_refuses_a_file_that_only_starts_like_one(
    data: bytes, claimed: str, message: str
) -> None:
    with pytest.raises(DamagedDocument) as refused:
        document_kind(data)
    assert refused.value.extension == claimed
    assert refused.value.message == message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<html><script>", "Upload a PDF, PNG or JPEG file."),
        (b"%PDF-1.4 cut short", "The PDF file is incomplete or damaged."),
        (b"\x89PNG\r\n\x1a\nbroken", "The image is damaged or not a PNG/JPEG image."),
    ],
)
def test_certificate_file_says_why_it_refuses(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        certificate_file(io.BytesIO(data))
    assert refused.value.fields == {"certificate": [message]}
