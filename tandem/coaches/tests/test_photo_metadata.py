"""A coach's public photo keeps nothing but pixels: every metadata segment of the upload (a
comment, EXIF with GPS, XMP, an ICC profile, any other APPn) is gone from the stored file,
checked by walking the stored JPEG's markers."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageCms

from tandem.coaches import services

COM, APP0, APP1, APP2, APP13, SOS = 0xFE, 0xE0, 0xE1, 0xE2, 0xED, 0xDA
SCRIPT = b"<script>alert(document.cookie)</script>"
LOCATION = b"52.5200N 13.4050E, Torstrasse 1"
XMP = (
    b"http://ns.adobe.com/xap/1.0/\x00"
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:Description photoshop:City="Berlin"/></x:xmpmeta>'
)


def segments(data: bytes) -> list[tuple[int, bytes]]:
    """(marker, payload) of each JPEG segment up to the start of the scan."""
    assert data[:2] == b"\xff\xd8", "not a JPEG"
    found, i = [], 2
    while i < len(data):
        assert data[i] == 0xFF, f"bad marker at {i}"
        marker = data[i + 1]
        if marker == 0xFF:  # fill byte
            i += 1
            continue
        length = int.from_bytes(data[i + 2 : i + 4], "big")
        found.append((marker, data[i + 4 : i + 2 + length]))
        if marker == SOS:
            break
        i += 2 + length
    return found


def segment(marker: int, payload: bytes) -> bytes:
    return bytes([0xFF, marker]) + (len(payload) + 2).to_bytes(2, "big") + payload


def jpeg_with_everything() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "SpyCam"  # Make
    exif[0x8825] = {1: "N", 2: (52.0, 31.0, 12.0), 3: "E", 4: (13.0, 24.0, 18.0)}  # GPS
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 40, 40)).save(
        out, "JPEG", exif=exif.tobytes(), icc_profile=icc, comment=SCRIPT + b" " + LOCATION
    )
    data = out.getvalue()
    # XMP and a Photoshop (IPTC) block, right after SOI.
    extra = segment(APP1, XMP) + segment(APP13, b"Photoshop 3.0\x00" + LOCATION)
    return data[:2] + extra + data[2:]


def test_the_uploaded_jpeg_holds_every_kind_of_metadata():
    kinds = segments(jpeg_with_everything())
    assert any(m == COM and SCRIPT in p for m, p in kinds)
    assert any(m == APP1 and p.startswith(b"Exif\x00\x00") for m, p in kinds)
    assert any(m == APP1 and p.startswith(b"http://ns.adobe.com/xap/1.0/") for m, p in kinds)
    assert any(m == APP2 and p.startswith(b"ICC_PROFILE\x00") for m, p in kinds)
    assert any(m == APP13 for m, _ in kinds)


def test_a_stored_photo_has_no_metadata_segments(alice_coach):
    upload = SimpleUploadedFile("me.jpg", jpeg_with_everything(), "image/jpeg")
    coach = services.coach_profile_set_photo(coach=alice_coach, upload=upload)
    with coach.photo.open("rb") as stored:
        data = stored.read()
    kinds = segments(data)
    markers = {m for m, _ in kinds}
    assert COM not in markers
    # Only a plain JFIF header is left of the APPn segments (density, no thumbnail).
    app = [(m, p) for m, p in kinds if 0xE0 <= m <= 0xEF]
    assert all(m == APP0 and p.startswith(b"JFIF\x00") and p[12:14] == b"\x00\x00" for m, p in app)
    for secret in (SCRIPT, b"<script", LOCATION, b"SpyCam", b"Berlin", b"ICC_PROFILE", b"Exif"):
        assert secret not in data
    with Image.open(io.BytesIO(data)) as image:
        assert image.size == (64, 48)
        assert "comment" not in image.info and "icc_profile" not in image.info
        r, g, b = image.convert("RGB").getpixel((32, 24))
        assert abs(r - 200) < 8 and abs(g - 40) < 8 and abs(b - 40) < 8  # the same picture
