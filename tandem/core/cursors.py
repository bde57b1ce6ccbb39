"""Opaque cursors for keyset pagination.

A cursor is base64url(JSON) of the sort key of the last row a page showed. It is opaque to
clients (they pass it back unchanged) but not secret: tampering with it only moves the page.
Decoding is strict — anything malformed is an InvalidInput on the `cursor` field, never a 500.
"""

import base64
import binascii
import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any, overload

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


def cursor_moment(value: object) -> datetime:
    """A cursor's timestamp: an ISO 8601 string with a time zone (a naive time would compare
    against the database's aware times in whatever zone happened to be active)."""
    if not isinstance(value, str):
        raise invalid_cursor()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise invalid_cursor() from exc
    if moment.tzinfo is None:
        raise invalid_cursor()
    return moment


@overload
def cursor_key(value: Any, key_type: type[int]) -> int: ...
@overload
def cursor_key(value: Any, key_type: type[uuid.UUID]) -> uuid.UUID: ...
def cursor_key(value: Any, key_type: type[int] | type[uuid.UUID]) -> int | uuid.UUID:
    """A cursor's row key (any JSON value) as `int(value)` or `UUID(str(value))` reads it."""
    try:
        if key_type is uuid.UUID:
            return uuid.UUID(str(value))
        return int(value)
    # OverflowError: int() of an infinite float (JSON allows Infinity).
    except (TypeError, ValueError, OverflowError) as exc:
        raise invalid_cursor() from exc


def cursor_counter(value: object) -> int:
    """A cursor that is a single increasing number (a sequence or an id): a JSON integer,
    exactly as the page wrote it (not a string, float or boolean)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise invalid_cursor()
    return value


@overload
def decode_position(
    cursor: str,
    *,
    moment: str,
    key: str,
    key_type: type[int],
    scope: Mapping[str, str] | None = None,
) -> tuple[datetime, int]: ...
@overload
def decode_position(
    cursor: str,
    *,
    moment: str,
    key: str,
    key_type: type[uuid.UUID],
    scope: Mapping[str, str] | None = None,
) -> tuple[datetime, uuid.UUID]: ...
def decode_position(
    cursor: str,
    *,
    moment: str,
    key: str,
    key_type: type[int] | type[uuid.UUID],
    scope: Mapping[str, str] | None = None,
) -> tuple[datetime, int | uuid.UUID]:
    """The (timestamp, row key) a keyset page ended on, from the cursor's fields `moment` and
    `key`; anything malformed is `invalid_cursor()`.

    With `scope` (field: expected value, e.g. the list and sort the cursor was made for), the
    cursor must hold exactly those fields with those values besides the position, so a cursor
    from another list is refused; without it, other fields are ignored.
    """
    payload = decode_cursor(cursor)
    if scope is not None and (
        set(payload) != {*scope, moment, key}
        or any(payload[field] != expected for field, expected in scope.items())
    ):
        raise invalid_cursor()
    if moment not in payload or key not in payload:
        raise invalid_cursor()
    return cursor_moment(payload[moment]), cursor_key(payload[key], key_type)
