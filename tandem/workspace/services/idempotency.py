"""Idempotency-Key for workspace creates (the API's POSTs that make an object).

`once(user=, key=, scope=, body=, create=, load=)`: without a key, `create()` runs. With one,
the first call runs `create()` and records (user, key) → the new object's public id in the same
transaction; a repeat with the same scope and body returns `load(public_id)` with
replayed=True (the API answers 200 + `Idempotent-Replayed: true`); the same key with another
scope or body is 409 `idempotency_key_reused` and changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any, TypeVar

from django.db import IntegrityError, transaction

from tandem.core.errors import Conflict
from tandem.core.idempotency import checked_key

from ..models import CreateRecord

T = TypeVar("T")


class IdempotencyKeyReused(Conflict):
    """That Idempotency-Key was already used for a different request."""

    code = "idempotency_key_reused"


def _hash(scope: str, body: Any) -> str:
    text = json.dumps([scope, body], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def once(
    *,
    user: Any,
    key: str | None,
    scope: str,
    body: Any,
    create: Callable[[], T],
    load: Callable[[Any], T | None],
) -> tuple[T, bool]:
    """(object, replayed). `create` must return a model with `public_id`."""
    key = checked_key(key)
    if key is None:
        return create(), False
    digest = _hash(scope, body)

    def replay() -> tuple[T, bool] | None:
        record = CreateRecord.objects.filter(user=user, key=key).first()
        if record is None:
            return None
        if record.scope != scope or record.body_hash != digest:
            raise IdempotencyKeyReused()
        found = load(record.object_id)
        if found is None:  # the object was deleted since: the key is spent
            raise IdempotencyKeyReused("That Idempotency-Key's object no longer exists.")
        return found, True

    earlier = replay()
    if earlier is not None:
        return earlier
    try:
        with transaction.atomic():
            made = create()
            CreateRecord.objects.create(
                user=user,
                key=key,
                scope=scope,
                body_hash=digest,
                object_id=made.public_id,  # type: ignore[attr-defined]
            )
            return made, False
    except IntegrityError:
        # A concurrent request with the same key won the insert.
        earlier = replay()
        if earlier is None:
            raise
        return earlier
