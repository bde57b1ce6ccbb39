"""The Idempotency-Key header's rule, shared by every endpoint that takes one."""

from __future__ import annotations

from .errors import InvalidInput

MAX_KEY = 255


def checked_key(key: str | None) -> str | None:
    """None (no key) or the key; 400 unless 1 to 255 printable ASCII characters."""
    if key is None:
        return None
    if not key or len(key) > MAX_KEY or not key.isascii() or not key.isprintable():
        raise InvalidInput(
            f"Idempotency-Key must be 1 to {MAX_KEY} printable ASCII characters.",
            fields={"Idempotency-Key": ["invalid"]},
        )
    return key
