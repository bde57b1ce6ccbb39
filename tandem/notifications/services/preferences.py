"""Who wants what, where, and when: preferences per kind and channel, quiet hours in the
user's zone, the daily digest."""

from __future__ import annotations

import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from django.db import transaction

from tandem.accounts.models import User
from tandem.core.errors import InvalidInput

from ..kinds import CHANNELS, KINDS, PUSH
from ..models import NotificationSettings, Preference, PushSubscription

DEFAULT_SETTINGS = NotificationSettings(quiet_start=None, quiet_end=None, digest=False, sound=True)


def channels_for(user_ids: Iterable[int], kind: str) -> dict[int, set[str]]:
    """The channels each user gets `kind` on: the kind's defaults, then their own choices.
    Push only for users with a subscription. Two queries whatever the number of users."""
    ids = list(set(user_ids))
    chosen = {uid: set(KINDS[kind].default_channels) for uid in ids}
    for uid, channel, enabled in Preference.objects.filter(user_id__in=ids, kind=kind).values_list(
        "user_id", "channel", "enabled"
    ):
        (chosen[uid].add if enabled else chosen[uid].discard)(channel)
    wants_push = [uid for uid in ids if PUSH in chosen[uid]]
    if wants_push:
        subscribed = set(
            PushSubscription.objects.filter(user_id__in=wants_push).values_list(
                "user_id", flat=True
            )
        )
        for uid in wants_push:
            if uid not in subscribed:
                chosen[uid].discard(PUSH)
    return chosen


def wants(user_id: int, kind: str, channel: str) -> bool:
    found = Preference.objects.filter(user_id=user_id, kind=kind, channel=channel).first()
    return found.enabled if found else channel in KINDS[kind].default_channels


def settings_for(user_ids: Iterable[int]) -> dict[int, NotificationSettings]:
    ids = list(set(user_ids))
    found = {s.user_id: s for s in NotificationSettings.objects.filter(user_id__in=ids)}
    return {uid: found.get(uid, DEFAULT_SETTINGS) for uid in ids}


@dataclass(frozen=True, slots=True)
class PreferenceTable:
    """Every kind and channel with its current value, for the page and the API."""

    enabled: dict[str, dict[str, bool]]
    settings: NotificationSettings


def preferences_get(user: User) -> PreferenceTable:
    table = {code: {ch: ch in k.default_channels for ch in CHANNELS} for code, k in KINDS.items()}
    for kind, channel, enabled in Preference.objects.filter(user=user).values_list(
        "kind", "channel", "enabled"
    ):
        if kind in table and channel in table[kind]:
            table[kind][channel] = enabled
    return PreferenceTable(table, settings_for([user.pk])[user.pk])


def preferences_update(
    *,
    user: User,
    enabled: dict[str, dict[str, bool]] | None = None,
    quiet_start: time | None = None,
    quiet_end: time | None = None,
    clear_quiet_hours: bool = False,
    digest: bool | None = None,
    digest_hour: int | None = None,
    sound: bool | None = None,
) -> PreferenceTable:
    """Change any part of a user's preferences; the rest stays. Validated in full first."""
    errors: dict[str, list[str]] = {}
    for kind, channels in (enabled or {}).items():
        if kind not in KINDS:
            errors[f"enabled.{kind}"] = ["unknown_kind"]
            continue
        for channel in channels:
            if channel not in CHANNELS:
                errors[f"enabled.{kind}.{channel}"] = ["unknown_channel"]
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_hours"] = ["give both a start and an end"]
    elif any(t is not None and t.tzinfo is not None for t in (quiet_start, quiet_end)):
        # Wall-clock times in the user's zone: an offset has no meaning here.
        errors["quiet_hours"] = ["times of day without a UTC offset, in your time zone"]
    elif quiet_start is not None and quiet_start == quiet_end:
        errors["quiet_hours"] = ["start and end are the same time"]
    if digest_hour is not None and not 0 <= digest_hour <= 23:
        errors["digest_hour"] = ["an hour from 0 to 23"]
    if errors:
        raise InvalidInput("Some preferences are not valid.", fields=errors)

    with transaction.atomic():
        for kind, channels in (enabled or {}).items():
            for channel, on in channels.items():
                Preference.objects.update_or_create(
                    user=user, kind=kind, channel=channel, defaults={"enabled": bool(on)}
                )
        row, _ = NotificationSettings.objects.get_or_create(user=user)
        if clear_quiet_hours:
            row.quiet_start = row.quiet_end = None
        elif quiet_start is not None:
            row.quiet_start, row.quiet_end = quiet_start, quiet_end
        if digest is not None:
            row.digest = digest
        if digest_hour is not None:
            row.digest_hour = digest_hour
        if sound is not None:
            row.sound = sound
        row.save()
    return preferences_get(user)


def _zone(name: str) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(name or "UTC")
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo("UTC")


def _local(day: datetime, at: time, zone: zoneinfo.ZoneInfo) -> datetime:
    """A wall time on a local day as an aware instant. A wall time that does not exist
    (spring forward) moves to the first instant after the gap; an ambiguous one is the first."""
    naive = datetime.combine(day.date(), at)
    aware = naive.replace(tzinfo=zone)
    if aware.astimezone(zoneinfo.ZoneInfo("UTC")).astimezone(zone).replace(tzinfo=None) != naive:
        aware = naive.replace(tzinfo=zone, fold=1)  # in a gap: fold=1 gives the later offset
    return aware


def quiet_until(settings: NotificationSettings, zone_name: str, when: datetime) -> datetime:
    """`when`, or the end of the quiet hours it falls in (in the user's zone)."""
    if settings.quiet_start is None or settings.quiet_end is None:
        return when
    zone = _zone(zone_name)
    local = when.astimezone(zone)
    start, end, now_t = settings.quiet_start, settings.quiet_end, local.time()
    if start < end:  # e.g. 13:00-15:00, within one day
        inside = start <= now_t < end
        end_day = local
    else:  # e.g. 22:00-07:00, across midnight
        inside = now_t >= start or now_t < end
        end_day = local + timedelta(days=1) if now_t >= start else local
    if not inside:
        return when
    return _local(end_day, end, zone)


def next_digest_at(settings: NotificationSettings, zone_name: str, after: datetime) -> datetime:
    """The first digest hour in the user's zone strictly after `after`."""
    zone = _zone(zone_name)
    local = after.astimezone(zone)
    at = time(settings.digest_hour)
    candidate = _local(local, at, zone)
    if candidate <= after:
        candidate = _local(local + timedelta(days=1), at, zone)
    return candidate
