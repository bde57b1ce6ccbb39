"""Real-time fixtures: publish events as a service would (in a transaction, wake on commit)."""

from collections.abc import Iterable

from django.db import transaction

from tandem.realtime.services import send_event_on_commit


def publish(user_ids: Iterable[int], count: int, kind: str = "test.tick") -> None:
    """`count` events to each user, one transaction each (as `count` separate changes)."""
    ids = list(user_ids)
    for n in range(count):
        with transaction.atomic():
            send_event_on_commit(ids, kind, {"n": n})
