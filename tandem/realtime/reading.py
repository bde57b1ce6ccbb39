"""The transports' shared steps: parse a resume point, read a page off the database."""

from __future__ import annotations

from channels.db import database_sync_to_async

from .services import PAGE_SIZE, Page, events_after

MAX_SEQ = 2**62
# The WebSocket and SSE send a page event by event while holding it; a client that reads
# slowly (or not at all) keeps it in the server's memory meanwhile, so they read smaller
# pages than long-poll answers with: at most 100 x 16 KiB of event data.
STREAM_PAGE_SIZE = 100


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


def _read(user_id: int, after: int | None, limit: int = PAGE_SIZE) -> Page:
    return events_after(user_id, after, limit=limit)


read_page = database_sync_to_async(_read)
