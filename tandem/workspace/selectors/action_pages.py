"""Keyset pages of action items for the API (core/cursors.py's opaque cursors).

A list is open items first, by due date (no date last), then when added, then public id;
then done items, newest done first, then public id. A cursor names the segment ("open" or
"done") and the last row's sort key (public ids, never row numbers). At most two queries a
page whatever the list's length; a malformed or foreign cursor is a 400 on `cursor`.
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Coalesce

from tandem.core.cursors import (
    cursor_key,
    cursor_moment,
    decode_cursor,
    encode_cursor,
    invalid_cursor,
)

from ..models import ActionItem

DEFAULT_LIMIT, MAX_LIMIT = 50, 200
NO_DATE = date.max  # an undated item sorts after every dated one


def _open(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    return (
        items.filter(status=ActionItem.Status.OPEN)
        .annotate(due_key=Coalesce("due_date", Value(NO_DATE)))
        .order_by("due_key", "created_at", "public_id")
    )


def _done(items: QuerySet[ActionItem]) -> QuerySet[ActionItem]:
    return items.filter(status=ActionItem.Status.DONE).order_by(
        F("done_at").desc(nulls_last=True), "-public_id"
    )


def _open_position(item: ActionItem) -> dict[str, Any]:
    return {
        "s": "open",
        "d": (item.due_date or NO_DATE).isoformat(),
        "c": item.created_at.isoformat(),
        "k": str(item.public_id),
    }


def _done_position(item: ActionItem) -> dict[str, Any]:
    assert item.done_at is not None  # the constraint: done rows have done_at
    return {"s": "done", "t": item.done_at.isoformat(), "k": str(item.public_id)}


def _after_open(payload: dict[str, Any]) -> Q:
    if set(payload) != {"s", "d", "c", "k"} or not isinstance(payload["d"], str):
        raise invalid_cursor()
    try:
        due = date.fromisoformat(payload["d"])
    except ValueError as exc:
        raise invalid_cursor() from exc
    created = cursor_moment(payload["c"])
    key: uuid.UUID = cursor_key(payload["k"], uuid.UUID)
    return (
        Q(due_key__gt=due)
        | Q(due_key=due, created_at__gt=created)
        | Q(due_key=due, created_at=created, public_id__gt=key)
    )


def _after_done(payload: dict[str, Any]) -> Q | None:
    if set(payload) == {"s"}:
        return None  # the open segment ended exactly at a page's end
    if set(payload) != {"s", "t", "k"}:
        raise invalid_cursor()
    done_at = cursor_moment(payload["t"])
    key: uuid.UUID = cursor_key(payload["k"], uuid.UUID)
    return Q(done_at__lt=done_at) | Q(done_at=done_at, public_id__lt=key)


def page(
    items: QuerySet[ActionItem], *, cursor: str | None, limit: int = DEFAULT_LIMIT
) -> tuple[list[ActionItem], str | None]:
    """(rows, next cursor or None) of `items` (already filtered to what the viewer may see)."""
    limit = max(1, min(limit, MAX_LIMIT))
    segment, payload = "open", None
    if cursor is not None:
        payload = decode_cursor(cursor)
        segment = payload.get("s")  # type: ignore[assignment]
        if segment not in ("open", "done"):
            raise invalid_cursor()
    rows: list[ActionItem] = []
    if segment == "open":
        opened = _open(items)
        if payload is not None:
            opened = opened.filter(_after_open(payload))
        rows = list(opened[: limit + 1])
        if len(rows) > limit:
            rows = rows[:limit]
            return rows, encode_cursor(_open_position(rows[-1]))
        payload = None
    done = _done(items)
    if payload is not None:
        after = _after_done(payload)
        if after is not None:
            done = done.filter(after)
    need = limit - len(rows)
    more = list(done[: need + 1])
    rows += more[:need]
    if len(more) <= need:
        return rows, None
    if need == 0:  # the page ended with the last open item; done ones follow
        return rows, encode_cursor({"s": "done"})
    return rows, encode_cursor(_done_position(rows[-1]))
