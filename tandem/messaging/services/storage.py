"""Encrypted attachment files in the default storage (var/media, or any django-storages
backend). Files are written before the row that names them and removed when that row's
transaction rolls back or the message is deleted, so none is left behind."""

from __future__ import annotations

import contextlib
import logging
import uuid

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from tandem.core.crypto import KeyRing

log = logging.getLogger(__name__)


def store(data: bytes, ring: KeyRing) -> str:
    """Encrypt and write; returns the storage name (random: it says nothing of the file)."""
    return default_storage.save(
        f"messaging/{uuid.uuid4().hex}.bin", ContentFile(ring.encrypt(data))
    )


def read(name: str, ring: KeyRing) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return ring.decrypt(handle.read())


def read_token(name: str) -> bytes:
    with default_storage.open(name, "rb") as handle:
        return handle.read()


def discard(name: str | None) -> None:
    if not name:
        return
    with contextlib.suppress(OSError):
        default_storage.delete(name)


def discard_on_commit(name: str) -> None:
    transaction.on_commit(lambda: discard(name), robust=True)
