"""Encryption at rest for private text: messages and attachments, workspace notes, goals,
action items and journals, booking notes (Fernet: AES-128-CBC + HMAC-SHA256).

Keys come from settings.TANDEM_MESSAGE_KEYS, newest first: the first encrypts, every one
decrypts (MultiFernet), so a key can be rotated in without downtime. In the embedded mode,
when no key is configured, one is derived from SECRET_KEY with HKDF — convenient, but it ties
message readability to SECRET_KEY; production refuses to start without explicit keys.

This is encryption *at rest*: the server holds the keys and decrypts for participants. It is
not end-to-end encryption, and the API and pages never say it is.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

__all__ = ["InvalidToken", "KeyRing", "derive_dev_key", "keyring"]


def _hkdf(material: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"tandem.messaging", info=info).derive(
        material
    )


def derive_dev_key(secret_key: str) -> str:
    """The embedded mode's message key: deterministic from SECRET_KEY."""
    return base64.urlsafe_b64encode(_hkdf(secret_key.encode(), b"message-key")).decode()


@dataclass(frozen=True)
class KeyRing:
    fernets: tuple[Fernet, ...]
    multi: MultiFernet
    # One blind-index key per message key, same order: a search hashes its terms with each,
    # so messages indexed before a rotation stay findable until the rotation re-indexes them.
    index_keys: tuple[bytes, ...]

    def encrypt(self, data: bytes) -> bytes:
        return self.multi.encrypt(data)

    def decrypt(self, token: bytes) -> bytes:
        return self.multi.decrypt(token)

    def encrypt_text(self, text: str) -> str:
        return self.encrypt(text.encode()).decode("ascii") if text else ""

    def decrypt_text(self, token: str) -> str:
        return self.decrypt(token.encode("ascii")).decode() if token else ""

    def is_current(self, token: bytes) -> bool:
        """Encrypted with the first (current) key already?"""
        try:
            self.fernets[0].decrypt(token)
        except InvalidToken:
            return False
        return True

    def rotate(self, token: bytes) -> bytes:
        return self.multi.rotate(token)

    def mac(self, data: bytes, *, key_index: int = 0) -> str:
        return hmac.new(self.index_keys[key_index], data, hashlib.sha256).hexdigest()


def configured_keys() -> tuple[str, ...]:
    keys = tuple(k.strip() for k in settings.TANDEM_MESSAGE_KEYS if k.strip())
    return keys or (derive_dev_key(settings.SECRET_KEY),)


@functools.lru_cache(maxsize=8)
def _build(keys: tuple[str, ...]) -> KeyRing:
    fernets = []
    index_keys = []
    for position, key in enumerate(keys, start=1):
        try:
            fernets.append(Fernet(key))
            raw = base64.urlsafe_b64decode(key.encode())
        except (ValueError, TypeError) as exc:
            # Never echo the key itself.
            raise ImproperlyConfigured(
                f"TANDEM_MESSAGE_KEYS: key {position} is not a urlsafe-base64 Fernet key "
                "(generate one with Fernet.generate_key())."
            ) from exc
        index_keys.append(_hkdf(raw, b"search-index"))
    return KeyRing(tuple(fernets), MultiFernet(fernets), tuple(index_keys))


def keyring() -> KeyRing:
    """The keys now configured (cached per key list, so tests may override the setting)."""
    return _build(configured_keys())
