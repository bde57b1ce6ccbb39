"""Public ids: the one parser for an id that arrived from a URL, a form, a JSON body or a task.

Public ids are UUIDs (DESIGN.md, "Contracts"). Anything else a caller is handed — a malformed
string, a NUL byte, a megabyte of text, None, a number — is simply "no such thing", so every
caller answers it like an unknown id (404, or None from a selector), never with a 500.
"""

from __future__ import annotations

import uuid


def parse_id(value: object) -> uuid.UUID | None:
    """`value` as a UUID, or None if it is not one.

    Accepts what `uuid.UUID` accepts once the value is written as text (hyphenated, 32 hex
    digits, braces, a `urn:uuid:` prefix) and a `uuid.UUID` itself.
    """
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        # TypeError/AttributeError: an object whose str() misbehaves is not an id either.
        return None
