"""Effects done once: a durable record, by key, that a job's side effect outside the database
happened, so that the job running again (jobs run at least once: tandem/core/jobs.py) skips it.

For an email: `send_email_once(key, message)` skips a key already recorded, gives the message
a Message-ID derived from the key, sends, then records the key. The record is in the
database (table core_effectdone), not the cache: it survives the worker being killed and a
cache that forgets (the local-memory cache dies with its process).

What that guarantees: a job that reruns after the record was written sends nothing. The one
window left is between the SMTP server accepting the mail and the record's INSERT (a worker
killed there, or the database gone at that moment): the rerun sends again, under the same
Message-ID, which mail systems and clients treat as the same message. At least once, never
twice with two identities; nothing is ever lost to the dedupe (the record follows the send).

Effects inside the database need none of this: they carry a unique key in their own table
and are written in the transaction that does them (notifications' `dedupe_key`, deliveries'
`key`), which is exactly once outright.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.utils import timezone

from .models import EffectDone


def effect_done(key: str) -> bool:
    return EffectDone.objects.filter(key=key).exists()


def effects_done(keys: Iterable[str]) -> set[str]:
    """Which of `keys` have happened (one query; callers chunk very long lists)."""
    return set(EffectDone.objects.filter(key__in=list(keys)).values_list("key", flat=True))


def record_effect(key: str, *, now: datetime | None = None) -> None:
    """Record that the effect `key` happened (a second record of one key is a no-op)."""
    EffectDone.objects.bulk_create(
        [EffectDone(key=key, done_at=now or timezone.now())], ignore_conflicts=True
    )


def message_id(key: str) -> str:
    """A Message-ID that is the same every time for one key: a copy sent again after a crash
    is recognisably the same message. A hash, so no ids or addresses show in the header."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{settings.TANDEM_MAIL_DOMAIN}>"


def send_email_once(key: str, message: EmailMessage) -> bool:
    """Send `message` unless the effect `key` is recorded; record it after sending. Returns
    whether it was sent. A failed send raises and records nothing (a rerun tries again)."""
    if effect_done(key):
        return False
    message.extra_headers["Message-ID"] = message_id(key)
    message.send()
    record_effect(key)
    return True


def prune_effects(*, now: datetime | None = None) -> int:
    """Forget records older than TANDEM_EFFECT_RETENTION_DAYS (an indexed range delete)."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=settings.TANDEM_EFFECT_RETENTION_DAYS)
    old = EffectDone.objects.filter(done_at__lt=cutoff)
    if not old.exists():  # a read first: on SQLite even a DELETE of nothing takes the write lock
        return 0
    deleted, _ = old.delete()
    return deleted
