"""Profile photos coaches upload (JPEG/PNG/WebP).

What a file *is* comes from its bytes, never from its name or the client's content type
(the shared checks, and certificates, are in tandem/core/uploads.py). Photos are decoded and
re-encoded from their pixels alone, which drops every metadata segment (comments, EXIF with
camera and GPS, XMP, ICC profiles) and any trailing payload.
"""

import io
import uuid
from typing import IO

from django.core.files.base import ContentFile
from PIL import Image, ImageCms, ImageOps

from tandem.core.uploads import read_bounded, refuse_upload, verify_image

MAX_PHOTO_SIDE = 4000
PHOTO_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
SRGB = ImageCms.createProfile("sRGB")


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
    data = read_bounded(upload, field=field)
    try:
        image = verify_image(data, list(PHOTO_FORMATS), max_side=MAX_PHOTO_SIDE)
    except ValueError as exc:
        if str(exc) == "too large":
            raise refuse_upload(
                field, f"The image may be at most {MAX_PHOTO_SIDE}×{MAX_PHOTO_SIDE} pixels."
            ) from exc
        raise refuse_upload(field, "Upload a JPEG, PNG or WebP image.") from exc
    except Exception as exc:  # UnidentifiedImageError, truncated data, decompression bombs…
        raise refuse_upload(field, "Upload a JPEG, PNG or WebP image.") from exc
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
        raise refuse_upload(field, "The image could not be read.") from exc
    finally:
        image.close()
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{PHOTO_FORMATS[fmt]}")
