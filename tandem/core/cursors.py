"""Opaque cursors for keyset pagination.

A cursor is base64url(JSON) of the sort key of the last row a page showed. It is opaque to
clients (they pass it back unchanged) but not secret: tampering with it only moves the page.
Decoding is strict — anything malformed is an InvalidInput on the `cursor` field, never a 500.
"""

import base64
import binascii
import json
from typing import Any

from .errors import InvalidInput

MAX_CURSOR_LENGTH = 512


def invalid_cursor() -> InvalidInput:
    return InvalidInput(
        "The cursor is not valid.",
        fields={"cursor": ["Pass back a next_cursor exactly as an earlier page returned it."]},
    )


def encode_cursor(payload: dict[str, Any]) -> str:
    raw = json.dumps(payload, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str) -> dict[str, Any]:
    if not isinstance(cursor, str) or not cursor or len(cursor) > MAX_CURSOR_LENGTH:
        raise invalid_cursor()
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        payload = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError) as exc:
        raise invalid_cursor() from exc
    if not isinstance(payload, dict):
        raise invalid_cursor()
    return payload
