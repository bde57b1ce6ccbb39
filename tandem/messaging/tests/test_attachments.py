"""Attachments: recognised by content (never by name or header), size-limited, stored
encrypted, served only to participants with safe headers."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tandem.messaging.models import Attachment, Message
from tandem.messaging.tests.conftest import api_json, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def upload(client, conversation, name, data, content_type="application/octet-stream", body=""):
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post(
        f"/api/v1/conversations/{conversation.public_id}/messages",
        {"body": body, "attachment": file},
    )


def download(client, conversation, message_id):
    return client.get(
        f"/api/v1/conversations/{conversation.public_id}/messages/{message_id}/attachment"
    )


def test_an_image_is_stored_encrypted_and_served_inline_to_participants(
    conversation, bob_api, alice_api
):
    data = png_bytes()
    sent = upload(bob_api, conversation, "../../etc/holiday.png", data, "text/html", "look")
    assert sent.status_code == 201, sent.content
    attachment = sent.json()["attachment"]
    assert attachment["name"] == "holiday.png"
    assert (attachment["content_type"], attachment["is_image"]) == ("image/png", True)
    assert attachment["size"] == len(data)
    got = download(alice_api, conversation, sent.json()["id"])
    assert got.status_code == 200
    assert got.content == data
    assert got["Content-Type"] == "image/png"
    assert got["X-Content-Type-Options"] == "nosniff"
    assert got["Content-Disposition"].startswith("inline")
    assert got["Cache-Control"] == "private, no-store"
    assert "sandbox" in got["Content-Security-Policy"]
    assert attachment["url"].endswith(f"/messages/{sent.json()['id']}/attachment")


def test_pdf_and_text_download_as_attachments(conversation, bob_api, alice_api):
    pdf = upload(bob_api, conversation, "plan", pdf_bytes())
    assert pdf.json()["attachment"]["name"] == "plan.pdf"
    got = download(alice_api, conversation, pdf.json()["id"])
    assert got["Content-Type"] == "application/pdf"
    assert got["Content-Disposition"] == 'attachment; filename="plan.pdf"'
    text = upload(bob_api, conversation, "notes.txt", "Grüße\nline two\n".encode())
    got = download(alice_api, conversation, text.json()["id"])
    assert got["Content-Type"] == "text/plain; charset=utf-8"
    assert got["Content-Disposition"].startswith("attachment")
    assert got.content.decode() == "Grüße\nline two\n"


def test_a_png_named_file_holding_html_is_refused(conversation, bob_api):
    for data in (
        b"<html><script>alert(1)</script></html>",
        b"   <svg onload=alert(1)>",
        b"<!DOCTYPE html><p>hi",
        b"hello <img src=x onerror=alert(1)>",
    ):
        refused = upload(bob_api, conversation, "cat.png", data, "image/png")
        assert refused.status_code == 400, data
        assert refused.json()["error"]["code"] == "attachment_refused"
        assert "attachment" in refused.json()["error"]["fields"]
    assert not Message.objects.exists() and not Attachment.objects.exists()


def test_other_types_and_broken_files_are_refused(conversation, bob_api):
    cases = [
        ("a.gif", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"),
        ("a.exe", b"MZ\x90\x00\x03\x00\x00\x00"),
        ("a.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40),  # a PNG signature, then garbage
        ("a.pdf", b"%PDF-1.4 no end marker"),
        ("a.txt", b"binary \x00 zero"),
        ("a.txt", b"\xff\xfe not utf-8"),
        ("empty.txt", b""),
    ]
    for name, data in cases:
        refused = upload(bob_api, conversation, name, data)
        assert refused.status_code == 400, (name, refused.content)
    assert not Message.objects.exists()


def test_size_limit_comes_from_settings(conversation, bob_api, settings, tmp_path):
    settings.TANDEM_MESSAGE_ATTACHMENT_MAX_BYTES = 1000
    refused = upload(bob_api, conversation, "big.txt", b"a" * 1001)
    assert refused.status_code == 413
    assert refused.json()["error"]["code"] == "attachment_too_large"
    assert upload(bob_api, conversation, "ok.txt", b"a" * 1000).status_code == 201
    assert Message.objects.count() == 1
    media = settings.MEDIA_ROOT / "messaging"
    assert len(list(media.iterdir())) == 1  # the refused file left nothing behind


def test_a_deleted_messages_file_is_gone(conversation, bob_api, alice_api, settings):
    sent = upload(bob_api, conversation, "a.png", png_bytes())
    path = f"/conversations/{conversation.public_id}/messages/{sent.json()['id']}"
    api_json(bob_api, "delete", path)
    assert download(alice_api, conversation, sent.json()["id"]).status_code == 404
    assert not Attachment.objects.exists()
