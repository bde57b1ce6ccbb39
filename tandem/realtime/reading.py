"""The transports' shared steps: parse a resume point, read a page off the database."""

from __future__ import annotations

from channels.db import database_sync_to_async

from .services import Page, events_after

MAX_SEQ = 2**62


def parse_after(value: str | None) -> int | None:
    """A resume point: a whole number >= 0, or None (start from now). ValueError otherwise."""
    if value is None or value == "":
        return None
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise ValueError("after must be a whole number >= 0")
    number = int(value)
    if number > MAX_SEQ:
        raise ValueError("after is out of range")
    return number


def _read(user_id: int, after: int | None) -> Page:
    return events_after(user_id, after)


read_page = database_sync_to_async(_read)
