"""Notification API schemas."""

from __future__ import annotations

from datetime import datetime, time

from ninja import Field, Schema
from pydantic import HttpUrl

from tandem.core.schemas import InputSchema


class NotificationOut(Schema):
    id: str = Field(description="Public id.")
    kind: str = Field(description="What it is about, e.g. `reminder`, `booking_changed`.")
    title: str
    body: str
    url: str = Field(description="The page of the thing concerned (a path on this site).")
    created_at: datetime
    read: bool


class NotificationListOut(Schema):
    items: list[NotificationOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for older ones.")
    unread: int = Field(description="Your unread count (the badge).")


class NotificationListQuery(Schema):
    cursor: str | None = Field(default=None, max_length=512)
    limit: int = Field(default=20, ge=1, le=100)
    unread: bool = Field(default=False, description="Only unread ones.")


class NotificationUnreadOut(Schema):
    unread: int


class PreferencesOut(Schema):
    enabled: dict[str, dict[str, bool]] = Field(
        description="For every kind, every channel (`inapp`, `email`, `push`): on or off."
    )
    kinds: dict[str, str] = Field(description="Each kind's label.")
    quiet_start: time | None = Field(description="Quiet hours start, in your time zone.")
    quiet_end: time | None
    digest: bool = Field(description="Non-urgent emails come once a day, in one digest.")
    digest_hour: int = Field(description="The local hour the digest is sent (0-23).")
    sound: bool = Field(description="Play a short sound for urgent in-app alerts.")
    timezone: str = Field(description="Your zone: quiet hours and the digest hour are in it.")


class PreferencesIn(InputSchema):
    enabled: dict[str, dict[str, bool]] | None = Field(
        default=None, description='Only what changes, e.g. `{"message": {"email": true}}`.'
    )
    quiet_start: time | None = None
    quiet_end: time | None = None
    clear_quiet_hours: bool = False
    digest: bool | None = None
    digest_hour: int | None = Field(default=None, ge=0, le=23)
    sound: bool | None = None


class PushKeysIn(InputSchema):
    p256dh: str = Field(min_length=16, max_length=200)
    auth: str = Field(min_length=8, max_length=100)


class PushSubscriptionIn(InputSchema):
    endpoint: HttpUrl = Field(description="PushSubscription.endpoint from the browser.")
    keys: PushKeysIn


class PushSubscriptionOut(Schema):
    id: str
    created_at: datetime


class PushKeyOut(Schema):
    public_key: str = Field(description="The VAPID applicationServerKey (base64url).")


class RemindersOut(Schema):
    coach_offsets: list[int] = Field(description="Minutes before a session the coach is reminded.")
    client_offsets: list[int] = Field(description="Minutes before a session the client is.")
    coach_default: bool = Field(description="The coach side is the platform default.")
    client_default: bool


class RemindersIn(InputSchema):
    coach_offsets: list[int] | None = Field(
        default=None, description="Lead times in minutes (1 to 43200, at most 10); null: default."
    )
    client_offsets: list[int] | None = None
