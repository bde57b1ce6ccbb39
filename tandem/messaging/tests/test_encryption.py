"""Encryption at rest: a database dump (and the media directory) reveals no message text;
keys rotate; production needs explicit keys."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection

from tandem.core import crypto
from tandem.core.tests.test_production_settings import production_env, run
from tandem.messaging import selectors
from tandem.messaging.models import Attachment, Message
from tandem.messaging.tests.conftest import api_json, send
from tandem.realtime.models import Event

pytestmark = pytest.mark.django_db

SECRET = "Zanzibar quarterly revenue"
# No bare numbers as needles: row ids and timestamps in the dump could contain them.
FILE_TEXT = b"Confidential budget line: Marmalade Quokka\n"


def dump() -> bytes:
    """Every row of every table, as text: what a database dump would show."""
    out: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            out.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(out).encode()


def test_a_database_dump_reveals_no_message_text(conversation, bob, alice):
    upload = SimpleUploadedFile("budget-Marmalade.txt", FILE_TEXT)
    send(bob, conversation, SECRET, upload=upload, upload_name="budget-Marmalade.txt")
    send(alice, conversation, "Zanzibar again")
    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM messaging_message")
        bodies = [row[0] for row in cursor.fetchall()]
    assert len(bodies) == 2 and all(b.startswith("gAAAA") for b in bodies)  # Fernet tokens
    everything = dump()
    for needle in (b"Zanzibar", b"zanzibar", b"quarterly", b"Marmalade", b"Quokka", b"budget"):
        assert needle not in everything, needle
    # The file on disk is ciphertext too.
    attachment = Attachment.objects.get()
    with default_storage.open(attachment.file.name, "rb") as handle:
        stored = handle.read()
    assert b"Marmalade" not in stored and stored.startswith(b"gAAAA")
    # And participants read it all back.
    assert {m["body"] for m in _bodies(conversation)} == {SECRET, "Zanzibar again"}
    assert not any(b"Zanzibar" in repr(e.data).encode() for e in Event.objects.all())


def _bodies(conversation) -> list[dict]:
    from tandem.messaging.present import message_data

    page = selectors.messages_page(conversation)
    return [message_data(m, conversation.user_low) for m in page.items]


def test_rotation_re_encrypts_everything_with_the_new_key(
    conversation, bob, alice, settings, alice_api
):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.TANDEM_MESSAGE_KEYS = [old]
    upload = SimpleUploadedFile("notes.txt", FILE_TEXT)
    with_file = send(bob, conversation, "rotate me please", upload=upload, upload_name="n.txt")
    send(alice, conversation, "second message")
    # 1. the new key goes first; old rows still read, new ones use the new key
    settings.TANDEM_MESSAGE_KEYS = [new, old]
    fresh = send(bob, conversation, "written after the new key")
    assert api_json(alice_api, "get", "/conversations/search?q=rotate").json()["items"]
    # 2. rotate
    call_command("rotate_message_keys", stdout=(out := _Sink()))
    assert "messages re-encrypted: 2; attachments re-encrypted: 1" in out.text
    # 3. the old key is dropped: everything still reads, downloads and is found
    settings.TANDEM_MESSAGE_KEYS = [new]
    only_new = Fernet(new)
    for message in Message.objects.all():
        only_new.decrypt(message.body.encode())
    assert {m["body"] for m in _bodies(conversation)} == {
        "rotate me please",
        "second message",
        "written after the new key",
    }
    download = alice_api.get(
        f"/api/v1/conversations/{conversation.public_id}/messages/{with_file.public_id}/attachment"
    )
    assert download.status_code == 200 and download.content == FILE_TEXT
    found = api_json(alice_api, "get", "/conversations/search?q=rotate").json()["items"]
    assert [m["id"] for m in found] == [str(with_file.public_id)]
    assert fresh.body == Message.objects.get(pk=fresh.pk).body  # already current: untouched
    # Running it again changes nothing.
    call_command("rotate_message_keys", stdout=(again := _Sink()))
    assert "messages re-encrypted: 0; attachments re-encrypted: 0" in again.text


class _Sink:
    def __init__(self) -> None:
        self.text = ""

    def write(self, value: str) -> None:
        self.text += value

    def flush(self) -> None:
        pass


def test_embedded_key_is_derived_from_the_secret_key(settings):
    settings.TANDEM_MESSAGE_KEYS = []
    settings.SECRET_KEY = "one secret"
    first = crypto.keyring()
    assert crypto.configured_keys() == (crypto.derive_dev_key("one secret"),)
    settings.SECRET_KEY = "another secret"
    assert crypto.keyring() is not first
    assert crypto.derive_dev_key("one secret") == crypto.derive_dev_key("one secret")


def test_a_bad_key_fails_the_system_check_without_showing_it(settings):
    from tandem.messaging.checks import message_keys_check

    settings.TANDEM_MESSAGE_KEYS = ["not-a-fernet-key"]
    errors = message_keys_check()
    assert [e.id for e in errors] == ["messaging.E001"]
    assert "not-a-fernet-key" not in errors[0].msg


def test_production_refuses_to_start_without_message_keys():
    env = production_env()
    env.pop("TANDEM_MESSAGE_KEYS", None)
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "TANDEM_MESSAGE_KEYS" in result.stderr
    env["TANDEM_MESSAGE_KEYS"] = "garbage"
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "messaging.E001" in result.stderr + result.stdout
