"""Schemas of the coaches API. Every field is described: the OpenAPI document is the manual."""

from datetime import datetime
from decimal import Decimal
from typing import Literal
from uuid import UUID

from ninja import Schema
from pydantic import Field, StrictBool, StrictInt

from tandem.core.schemas import InputSchema

from .selectors import DEFAULT_LIMIT, MAX_LIMIT

# --- Shared pieces -----------------------------------------------------------------------------


class SpecialtyOut(Schema):
    slug: str = Field(description="Stable identifier; use it in filters and profile updates.")
    name: str = Field(description="Display name, e.g. “Career”.")


class LanguageOut(Schema):
    code: str = Field(description="ISO 639-1 code, e.g. “de”.")
    name: str = Field(description="English name of the language.")


class PublicSessionTypeOut(Schema):
    id: UUID = Field(description="Public id of the session type.")
    name: str = Field(description="What the session is called.")
    description: str = Field(description="What happens in the session.")
    duration_minutes: int = Field(description="Length of the session in minutes.")
    price: str = Field(description="Price as a decimal string with two places, e.g. “80.00”.")
    currency: str = Field(description="ISO 4217 currency of the price (the coach's currency).")
    location_kind: str = Field(description="“video” or “in_person”.")
    requires_confirmation: bool = Field(
        description="If true, a booking waits for the coach to confirm it."
    )
    min_notice_minutes: int = Field(description="How far ahead a session must be booked.")
    booking_window_days: int = Field(description="How far into the future it can be booked.")


# --- The directory ----------------------------------------------------------------------------


class DirectoryQuery(Schema):
    q: str = Field(
        default="",
        max_length=200,
        description="Words to search for in names, headlines, specialties and bios. "
        "Every word must match.",
    )
    specialty: str | None = Field(
        default=None, max_length=60, description="Only coaches with this specialty (slug)."
    )
    language: str | None = Field(
        default=None, max_length=8, description="Only coaches working in this language (code)."
    )
    price_min: Decimal | None = Field(
        default=None,
        description="Only coaches whose cheapest active session type, in `currency`, costs "
        "at least this much. Needs `currency`; coaches who charge in another currency are "
        "left out.",
    )
    price_max: Decimal | None = Field(
        default=None,
        description="Only coaches whose cheapest active session type, in `currency`, costs "
        "at most this much. Needs `currency`.",
    )
    currency: str | None = Field(
        default=None,
        max_length=3,
        description="ISO 4217 code prices are compared in (EUR, USD, …). Required with "
        "price_min, price_max or sort=price (else 400, code `currency_required`): prices are "
        "never compared across currencies and no exchange rates are used.",
    )
    available_from: datetime | None = Field(
        default=None,
        description="Only coaches with a bookable slot starting at or after this time (and "
        "before available_to, if given). ISO 8601; a time without offset is UTC.",
    )
    available_to: datetime | None = Field(
        default=None,
        description="Only coaches with a bookable slot starting before this time (exclusive).",
    )
    sort: Literal["relevance", "price", "next_available"] = Field(
        default="relevance",
        description="relevance (text rank; without q, the next_available order), price "
        "(cheapest first in `currency`, which it needs; coaches who charge in another "
        "currency come last) or next_available (soonest first). Ties by id.",
    )
    cursor: str | None = Field(
        default=None,
        max_length=512,
        description="next_cursor from the previous page, unchanged, to get the next one.",
    )
    limit: int = Field(
        default=DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description="Page size (1 to 50)."
    )


class CoachCardOut(Schema):
    id: UUID = Field(description="The coach's public id.")
    slug: str = Field(description="The coach's page address (/c/<slug>/).")
    display_name: str = Field(description="The coach's name.")
    headline: str = Field(description="One line about the coach's practice.")
    specialties: list[SpecialtyOut] = Field(description="What the coach works on.")
    languages: list[LanguageOut] = Field(description="Languages the coach works in.")
    timezone: str = Field(description="IANA zone the coach works in.")
    currency: str = Field(description="ISO 4217 currency of the coach's prices.")
    min_price: str | None = Field(
        description="Price of the cheapest active session type (decimal string, in "
        "`currency`), or null."
    )
    photo_url: str | None = Field(description="Absolute URL of the profile photo, or null.")
    next_available: datetime | None = Field(
        description="Next bookable start (UTC, ISO 8601), or null if none is open."
    )
    next_available_session_type: UUID | None = Field(
        description="Id of the session type next_available was computed for (the "
        "cheapest, then shortest, active one)."
    )


class CoachDetailOut(CoachCardOut):
    bio: str = Field(description="The coach's longer introduction (plain text).")
    credentials: str = Field(description="Qualifications and certifications (plain text).")
    years_experience: int = Field(description="Years of coaching experience.")
    session_types: list[PublicSessionTypeOut] = Field(
        description="Active session types, cheapest first."
    )


class DirectoryOut(Schema):
    items: list[CoachCardOut] = Field(description="One page of coaches.")
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null on the last page."
    )


# --- The coach's own profile ------------------------------------------------------------------


class MyCoachOut(Schema):
    id: UUID = Field(description="Public id of your coach profile.")
    slug: str = Field(description="Your page address (/c/<slug>/).")
    display_name: str = Field(description="Your name (change it in your account profile).")
    headline: str = Field(description="One line about your practice.")
    bio: str = Field(description="Your longer introduction.")
    specialties: list[SpecialtyOut] = Field(description="What you work on.")
    languages: list[LanguageOut] = Field(description="Languages you work in.")
    credentials: str = Field(description="Qualifications and certifications.")
    years_experience: int = Field(description="Years of coaching experience (0 to 80).")
    timezone: str = Field(description="IANA zone your availability rules are written in.")
    currency: str = Field(description="ISO 4217 currency of all your prices.")
    daily_cap: int | None = Field(description="Most sessions per day over all types, or null.")
    weekly_cap: int | None = Field(description="Most sessions per week over all types, or null.")
    cancel_free_hours: int = Field(
        description="Clients cancel free until this many hours before a session; later is late."
    )
    reschedule_min_hours: int = Field(
        description="Clients may move a session until this many hours before it."
    )
    is_verified: bool = Field(description="Staff have verified you (required to be listed).")
    is_active: bool = Field(description="You are taking bookings (false pauses your listing).")
    listed: bool = Field(description="Clients can find and book you (verified and active).")
    min_price: str | None = Field(description="Your cheapest active session type's price.")
    photo_url: str | None = Field(description="Absolute URL of your photo, or null.")
    next_available_at: datetime | None = Field(
        description="Your next bookable start as last computed (UTC), or null."
    )


class MyCoachUpdateIn(InputSchema):
    """Only the fields you send change."""

    headline: str | None = Field(default=None, max_length=200, description="1 to 200 chars.")
    bio: str | None = Field(default=None, max_length=10_000, description="Up to 10,000 chars.")
    specialties: list[str] | None = Field(
        default=None,
        max_length=50,
        description="Specialty slugs (GET /coaches/specialties), at most 10; replaces the set.",
    )
    languages: list[str] | None = Field(
        default=None,
        max_length=50,
        description="Language codes (GET /coaches/languages), at most 12; replaces the set.",
    )
    credentials: str | None = Field(default=None, max_length=2000, description="Up to 2,000.")
    years_experience: StrictInt | None = Field(default=None, description="0 to 80.")
    timezone: str | None = Field(
        default=None, max_length=64, description="IANA zone, e.g. Europe/Berlin."
    )
    currency: str | None = Field(
        default=None,
        max_length=8,
        description="ISO 4217: EUR USD GBP CHF CAD AUD NZD INR SGD JPY SEK NOK DKK. "
        "Re-labels your session types' prices (amounts are not converted).",
    )
    slug: str | None = Field(
        default=None,
        max_length=60,
        description="New page address: 3 to 60 lower-case letters, digits, single hyphens.",
    )
    is_active: StrictBool | None = Field(
        default=None, description="false pauses your listing; true resumes it."
    )
    daily_cap: StrictInt | None = Field(
        default=None, description="Most sessions per day over all types (0 to 1000), or null."
    )
    weekly_cap: StrictInt | None = Field(
        default=None, description="Most sessions per week over all types (0 to 1000), or null."
    )
    cancel_free_hours: StrictInt | None = Field(
        default=None, description="Free cancellation until N hours before (0 to 720)."
    )
    reschedule_min_hours: StrictInt | None = Field(
        default=None, description="Clients may reschedule until N hours before (0 to 720)."
    )


# --- Session types ------------------------------------------------------------------------------


class SessionTypeOut(Schema):
    id: UUID = Field(description="Public id of the session type.")
    name: str = Field(description="What the session is called.")
    description: str = Field(description="What happens in the session.")
    duration_minutes: int = Field(description="Length in minutes (5 to 1440).")
    price: str = Field(description="Price as a decimal string, e.g. “80.00”.")
    currency: str = Field(description="ISO 4217 currency (always the coach's currency).")
    slot_step_minutes: int = Field(description="Offered start times are this far apart.")
    buffer_before_minutes: int = Field(description="Kept free before each session.")
    buffer_after_minutes: int = Field(description="Kept free after each session.")
    min_notice_minutes: int = Field(description="Minimum notice for a booking.")
    booking_window_days: int = Field(description="How many days ahead it can be booked.")
    daily_cap: int | None = Field(description="Most of these per day, or null.")
    weekly_cap: int | None = Field(description="Most of these per week, or null.")
    requires_confirmation: bool = Field(description="Bookings wait for your confirmation.")
    location_kind: str = Field(description="“video” or “in_person”.")
    location_detail: str = Field(description="Address or call details.")
    is_active: bool = Field(description="Offered to clients.")
    created_at: datetime = Field(description="When it was created (UTC).")


_SESSION_TYPE_DOCS = {
    "name": "1 to 120 characters.",
    "description": "Up to 5,000 characters.",
    "duration_minutes": "Length in minutes, 5 to 1440.",
    "price": "0 or more, at most 2 decimal places (none for JPY), in your currency.",
    "slot_step_minutes": "Distance between offered start times, 5 to 1440 (default 30).",
    "buffer_before_minutes": "0 to 720 (default 0).",
    "buffer_after_minutes": "0 to 720 (default 0).",
    "min_notice_minutes": "0 to 525600 (default 720).",
    "booking_window_days": "1 to 366 (default 60).",
    "daily_cap": "Most of these per day, 0 to 1000, or null for no cap.",
    "weekly_cap": "Most of these per week, 0 to 1000, or null for no cap.",
    "requires_confirmation": "Bookings wait for your confirmation (default false).",
    "location_kind": "“video” (default) or “in_person” (then location_detail is required).",
    "location_detail": "Address or call details, up to 300 characters.",
    "is_active": "Offered to clients (default true).",
}


class SessionTypeUpdateIn(InputSchema):
    """Only the fields you send change."""

    name: str | None = Field(default=None, max_length=120, description=_SESSION_TYPE_DOCS["name"])
    description: str | None = Field(
        default=None, max_length=5000, description=_SESSION_TYPE_DOCS["description"]
    )
    duration_minutes: StrictInt | None = Field(
        default=None, description=_SESSION_TYPE_DOCS["duration_minutes"]
    )
    price: Decimal | None = Field(default=None, description=_SESSION_TYPE_DOCS["price"])
    slot_step_minutes: StrictInt | None = Field(
        default=None, description=_SESSION_TYPE_DOCS["slot_step_minutes"]
    )
    buffer_before_minutes: StrictInt | None = Field(
        default=None, description=_SESSION_TYPE_DOCS["buffer_before_minutes"]
    )
    buffer_after_minutes: StrictInt | None = Field(
        default=None, description=_SESSION_TYPE_DOCS["buffer_after_minutes"]
    )
    min_notice_minutes: StrictInt | None = Field(
        default=None, description=_SESSION_TYPE_DOCS["min_notice_minutes"]
    )
    booking_window_days: StrictInt | None = Field(
        default=None, description=_SESSION_TYPE_DOCS["booking_window_days"]
    )
    daily_cap: StrictInt | None = Field(default=None, description=_SESSION_TYPE_DOCS["daily_cap"])
    weekly_cap: StrictInt | None = Field(default=None, description=_SESSION_TYPE_DOCS["weekly_cap"])
    requires_confirmation: StrictBool | None = Field(
        default=None, description=_SESSION_TYPE_DOCS["requires_confirmation"]
    )
    location_kind: str | None = Field(
        default=None, max_length=20, description=_SESSION_TYPE_DOCS["location_kind"]
    )
    location_detail: str | None = Field(
        default=None, max_length=300, description=_SESSION_TYPE_DOCS["location_detail"]
    )
    is_active: StrictBool | None = Field(default=None, description=_SESSION_TYPE_DOCS["is_active"])


class SessionTypeCreateIn(SessionTypeUpdateIn):
    """A new session type; name and duration_minutes are required."""

    name: str = Field(max_length=120, description=_SESSION_TYPE_DOCS["name"])
    duration_minutes: StrictInt = Field(description=_SESSION_TYPE_DOCS["duration_minutes"])
