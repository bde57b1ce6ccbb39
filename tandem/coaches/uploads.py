"""Uploaded files coaches send: certificates (PDF/PNG/JPEG) and profile photos (JPEG/PNG/WebP).

What a file *is* comes from its bytes, never from its name or the client's content type.
Photos are decoded and re-encoded from their pixels alone, which drops every metadata segment
(comments, EXIF with camera and GPS, XMP, ICC profiles) and any trailing payload.
"""

import contextlib
import io
import uuid
import warnings
from typing import IO

from django.core.files.base import ContentFile
from PIL import Image, ImageCms, ImageOps

from tandem.core.errors import InvalidInput

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PHOTO_SIDE = 4000
# A certificate scan is stored as sent (never decoded), so it may be larger than a photo.
MAX_SCAN_SIDE = 12000

# (magic bytes, extension) — what a certificate may be.
CERTIFICATE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
)
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
SRGB = ImageCms.createProfile("sRGB")


def _refuse(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def _read_bounded(upload: IO[bytes], *, field: str) -> bytes:
    """The whole file, refusing it as soon as it is over the limit (never reads more)."""
    size = getattr(upload, "size", None)
    if isinstance(size, int) and size > MAX_UPLOAD_BYTES:
        raise _refuse(field, "The file is larger than 5 MB.")
    with contextlib.suppress(AttributeError, OSError):
        upload.seek(0)
    data = upload.read(MAX_UPLOAD_BYTES + 1)
    if not isinstance(data, bytes):
        raise _refuse(field, "Upload a file.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise _refuse(field, "The file is larger than 5 MB.")
    if not data:
        raise _refuse(field, "The file is empty.")
    return data


def _verify_image(data: bytes, formats: list[str], *, max_side: int) -> Image.Image:
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
    data = _read_bounded(upload, field=field)
    extension = next((ext for magic, ext in CERTIFICATE_SIGNATURES if data.startswith(magic)), None)
    if extension is None:
        raise _refuse(field, "Upload a PDF, PNG or JPEG file.")
    if extension == "pdf":
        if b"%%EOF" not in data[-2048:]:
            raise _refuse(field, "The PDF file is incomplete or damaged.")
    else:
        try:
            _verify_image(
                data, ["PNG" if extension == "png" else "JPEG"], max_side=MAX_SCAN_SIDE
            ).close()
        except Exception as exc:  # Pillow raises many types for broken images
            raise _refuse(field, "The image is damaged or not a PNG/JPEG image.") from exc
    return ContentFile(data, name=f"{uuid.uuid4().hex}.{extension}")


def _to_srgb(image: Image.Image, icc_profile: bytes | None) -> Image.Image:
    """The pixels converted to sRGB when the photo names another colour space, so dropping
    its ICC profile keeps its colours; as they are when it names none (or a broken one)."""
    if not icc_profile or image.mode not in ("RGB", "RGBA"):
        return image
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc_profile))
        return ImageCms.profileToProfile(image, source, SRGB, outputMode=image.mode) or image
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image holding only the pixels (and a palette): no comment, EXIF, XMP, ICC or
    other info that an encoder would write back (Pillow saves a JPEG's comment and a PNG's
    ICC profile from `info` unless told otherwise). A COM segment once carried a location
    and a <script> into the public photo."""
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        # Palette, CMYK, 16-bit…: to plain pixels (a palette's transparency kept as alpha).
        keep_alpha = "transparency" in image.info or image.mode in ("PA", "RGBa", "La")
        image = image.convert("RGBA" if keep_alpha else "RGB")
    return Image.frombytes(image.mode, image.size, image.tobytes())


def photo_file(upload: IO[bytes], *, field: str = "photo") -> ContentFile:
    """A profile photo, decoded, checked and re-encoded without metadata (JPEG/PNG/WebP)."""
    data = _read_bounded(upload, field=field)
    try:
        image = _verify_image(data, list(PHOTO_FORMATS), max_side=MAX_PHOTO_SIDE)
    except ValueError as exc:
        if str(exc) == "too large":
            raise _refuse(
                field, f"The image may be at most {MAX_PHOTO_SIDE}×{MAX_PHOTO_SIDE} pixels."
            ) from exc
        raise _refuse(field, "Upload a JPEG, PNG or WebP image.") from exc
    except Exception as exc:  # UnidentifiedImageError, truncated data, decompression bombs…
        raise _refuse(field, "Upload a JPEG, PNG or WebP image.") from exc
    try:
        image.load()
        fmt = image.format or "PNG"
        # Apply the EXIF orientation to the pixels, since the EXIF block is dropped.
        oriented = ImageOps.exif_transpose(image) or image
        clean = _pixels_only(_to_srgb(oriented, image.info.get("icc_profile")))
        out = io.BytesIO()
        if fmt == "JPEG":
            clean.convert("RGB").save(out, "JPEG", quality=88, optimize=True)
        elif fmt == "WEBP":
            mode = "RGBA" if clean.mode in ("RGBA", "LA", "PA") else "RGB"
            clean.convert(mode).save(out, "WEBP", quality=85)
        else:
            if clean.mode not in ("RGB", "RGBA", "L", "LA"):
                clean = clean.convert("RGBA")
            clean.save(out, "PNG", optimize=True)
    except Exception as exc:  # a file that verifies but will not decode fully
        raise _refuse(field, "The image could not be read.") from exc
    finally:
        image.close()
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{PHOTO_FORMATS[fmt]}")
