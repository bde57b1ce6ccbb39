"""`notify`: one call tells a set of users about one thing on the channels each wants.

In-app entries are stored at once (the badge updates live). Email and push become durable
deliveries the worker sends: at once for urgent kinds, else after the user's quiet hours,
and email into the daily digest for users who asked for one.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from tandem.accounts.selectors import timezones_of

from ..kinds import EMAIL, INAPP, KINDS, PUSH
from ..models import Delivery
from .inbox import notification_add
from .preferences import channels_for, next_digest_at, quiet_until, settings_for


def notify(
    *,
    user_ids: Iterable[int],
    kind: str,
    key: str,
    title: str,
    body: str = "",
    url: str = "",
    skip_channels: frozenset[str] = frozenset(),
    now: datetime | None = None,
) -> None:
    """`key` names the thing (e.g. "booking:12:3:rescheduled"): calling twice for one key
    adds nothing, so a job that runs twice notifies once."""
    now = now or timezone.now()
    spec = KINDS[kind]
    ids = sorted(set(user_ids))
    if not ids:
        return
    chosen = channels_for(ids, kind)
    user_settings = settings_for(ids)
    zones = timezones_of(ids)
    payload = {"title": title, "body": body, "url": url}
    rows: list[Delivery] = []
    with transaction.atomic():
        for uid in ids:
            channels = chosen[uid] - skip_channels
            if INAPP in channels:
                notification_add(
                    user_id=uid,
                    kind=kind,
                    title=title,
                    body=body,
                    url=url,
                    dedupe_key=f"{key}:{uid}",
                    urgent=spec.urgent,
                    now=now,
                )
            for channel in (EMAIL, PUSH):
                if channel not in channels:
                    continue
                prefs, zone = user_settings[uid], zones.get(uid, "UTC")
                digest = channel == EMAIL and prefs.digest and not spec.urgent
                if spec.urgent:
                    due = now
                elif digest:
                    due = next_digest_at(prefs, zone, now)
                else:
                    due = quiet_until(prefs, zone, now)
                rows.append(
                    Delivery(
                        key=f"{key}:{uid}:{channel}",
                        user_id=uid,
                        channel=channel,
                        kind=kind,
                        payload=payload,
                        due_at=due,
                        digest=digest,
                        created_at=now,
                    )
                )
        Delivery.objects.bulk_create(rows, ignore_conflicts=True)
