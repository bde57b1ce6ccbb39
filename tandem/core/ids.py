"""Public ids: the one parser for an id that arrived from a URL, a form, a JSON body or a task.

Public ids are UUIDs (DESIGN.md, "Contracts"). Anything else a caller is handed — a malformed
string, a NUL byte, a megabyte of text, None, a number — is simply "no such thing", so every
caller answers it like an unknown id (404, or None from a selector), never with a 500.
"""

from __future__ import annotations

import uuid

# The longest spelling `uuid.UUID` takes is "urn:uuid:" plus 36 characters (47); anything
# much longer is not an id, and is refused before any work is done on it.
MAX_ID_LENGTH = 64


def parse_id(value: object) -> uuid.UUID | None:
    """`value` as a UUID, or None if it is not one.

    Takes a `uuid.UUID` itself, or text of at most MAX_ID_LENGTH characters without NUL bytes
    in a spelling `uuid.UUID` accepts (hyphenated, 32 hex digits, braces, a `urn:uuid:`
    prefix). Any other type — a number, bytes, None — is not an id, even if its text would be
    (a JSON number of 32 digits is not a public id).
    """
    if isinstance(value, uuid.UUID):
        return value
    if not isinstance(value, str) or len(value) > MAX_ID_LENGTH or "\x00" in value:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
