"""Request bodies over the cap are refused (413) before they are read: by Content-Length
before the first byte, by counting for a chunked body. The ASGI app is driven directly, so
the test sees exactly how much of the body was pulled.

pytest-asyncio is not used: each test drives the app with asyncio.run.
"""

import asyncio
import io
import json

import pytest
from PIL import Image

from tandem.accounts.services import api_token_create
from tandem.asgi import application
from tandem.coaches.models import CoachProfile
from tandem.core.tests.asgi_helpers import http_scope

# The app's threads use their own connections: they must see what the test commits.
pytestmark = pytest.mark.django_db(transaction=True)

CAP = 64 * 1024
CHUNK = 16 * 1024


@pytest.fixture(autouse=True)
def _small_cap(settings):
    settings.TANDEM_MAX_REQUEST_BYTES = CAP


class Upload:
    """An ASGI conversation: one body, or chunks without end (`endless`)."""

    def __init__(self, body: bytes | None = None, *, endless: bool = False) -> None:
        self.body, self.endless = body, endless
        self.pulled = 0  # bytes the app asked for
        self.messages: list[dict] = []

    async def receive(self) -> dict:
        if self.endless:
            self.pulled += CHUNK
            return {"type": "http.request", "body": b"x" * CHUNK, "more_body": True}
        if self.body is not None:
            body, self.body = self.body, None
            self.pulled += len(body)
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()  # never disconnects
        return {}

    async def send(self, message: dict) -> None:
        self.messages.append(message)

    def run(self, method: str, path: str, headers: tuple = ()) -> tuple[int, dict, bytes]:
        scope = http_scope(method, path, headers=headers)
        asyncio.run(application(scope, self.receive, self.send))
        start = self.messages[0]
        found = {k.decode().lower(): v.decode() for k, v in start["headers"]}
        body = b"".join(m.get("body", b"") for m in self.messages[1:])
        assert len([m for m in self.messages if m["type"] == "http.response.start"]) == 1
        return start["status"], found, body


def multipart(size: int) -> tuple[bytes, bytes]:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (1, 2, 3)).save(out, "PNG")
    image = out.getvalue() + b"\x00" * max(0, size - len(out.getvalue()))
    boundary = b"XyZ"
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="photo"; filename="me.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + image + b"\r\n--XyZ--\r\n"
    )
    return body, b"multipart/form-data; boundary=" + boundary


@pytest.fixture
def alice_token(alice) -> str:
    CoachProfile.objects.create(user=alice, slug="alice", headline="Coach", timezone="UTC")
    return api_token_create(user=alice, name="upload")[1]


def test_a_declared_gigabyte_is_refused_before_a_byte_is_read(alice, alice_token):
    upload = Upload(endless=True)
    headers = (
        (b"authorization", f"Bearer {alice_token}".encode()),
        (b"content-type", b"multipart/form-data; boundary=XyZ"),
        (b"content-length", str(1024**3).encode()),
    )
    status, found, body = upload.run("POST", "/api/v1/me/coach/photo", headers)
    assert status == 413
    assert upload.pulled == 0
    assert found["content-type"] == "application/json"
    assert json.loads(body)["error"]["code"] == "too_large"
    assert not CoachProfile.objects.get(user=alice).photo


def test_a_declared_oversized_page_upload_gets_a_friendly_page(alice):
    upload = Upload(endless=True)
    headers = ((b"content-length", str(CAP + 1).encode()),)
    status, found, body = upload.run("POST", "/coach/profile/photo/", headers)
    assert status == 413
    assert upload.pulled == 0
    page = body.decode()
    assert found["content-type"].startswith("text/html")
    assert "That upload is too large" in page and 'aria-label="Main"' in page


def test_a_chunked_body_is_refused_once_it_passes_the_cap(alice, alice_token):
    upload = Upload(endless=True)
    headers = (
        (b"authorization", f"Bearer {alice_token}".encode()),
        (b"content-type", b"multipart/form-data; boundary=XyZ"),
    )  # no Content-Length: chunked
    status, _, body = upload.run("POST", "/api/v1/me/coach/photo", headers)
    assert status == 413
    assert json.loads(body)["error"]["code"] == "too_large"
    # Reading stopped at the first chunk past the cap.
    assert CAP < upload.pulled <= CAP + CHUNK
    assert not CoachProfile.objects.get(user=alice).photo


def test_a_body_under_the_cap_goes_through(alice, alice_token):
    body, content_type = multipart(1024)
    upload = Upload(body)
    headers = (
        (b"authorization", f"Bearer {alice_token}".encode()),
        (b"content-type", content_type),
        (b"content-length", str(len(body)).encode()),
    )
    status, _, answer = upload.run("POST", "/api/v1/me/coach/photo", headers)
    assert status == 200, answer
    assert CoachProfile.objects.get(user=alice).photo
