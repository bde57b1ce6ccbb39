"""Every write to coach profiles and session types goes through these functions.

Each validates everything before it writes (a refused call changes nothing), runs in one
transaction, and keeps the directory's denormalised columns in step:
`CoachProfile.min_price` (cheapest active session type, in the coach's currency),
`search_vector` (PostgreSQL full text) and, after commit, `next_available_at` (via
`availability_hook`, when availability is installed).
"""

import re
import uuid
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any, Final

from django.db import IntegrityError, transaction
from django.db.models import Min, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.text import slugify

from tandem.accounts.services import validate_timezone
from tandem.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tandem.core.ids import parse_id
from tandem.core.money import validate_currency, validate_price
from tandem.core.text import clean_text

from . import availability_hook, search
from .models import CoachProfile, Language, SessionType, Specialty
from .uploads import photo_file


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Final[Any] = _Unset()

MAX_SPECIALTIES = 10
MAX_LANGUAGES = 12
MAX_SESSION_TYPES = 50
MAX_CAP = 1000
# A booking policy window (free cancellation, rescheduling) is at most 30 days.
MAX_POLICY_HOURS = 24 * 30
SLUG_MIN, SLUG_MAX = 3, 60
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Words a coach's page address may not be: they name pages, or could one day.
RESERVED_SLUGS = frozenset(
    {
        "about", "account", "accounts", "admin", "api", "app", "billing", "book", "booking",
        "bookings", "c", "coach", "coaches", "contact", "dashboard", "directory", "docs",
        "edit", "help", "home", "languages", "login", "logout", "me", "media", "messages",
        "new", "null", "org", "orgs", "pricing", "privacy", "search", "settings", "signup",
        "specialties", "staff", "static", "support", "tandem", "terms", "undefined", "www",
    }
)  # fmt: skip


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def _whole_number(
    value: Any, *, field: str, low: int, high: int, nullable: bool = False
) -> int | None:
    if value is None:
        if nullable:
            return None
        raise _invalid(field, "This field is required.")
    if isinstance(value, bool) or not isinstance(value, int):
        raise _invalid(field, "Enter a whole number.")
    if not low <= value <= high:
        raise _invalid(field, f"Enter a number from {low} to {high}.")
    return value


def _boolean(value: Any, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise _invalid(field, "Enter true or false.")
    return value


def _text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    if value is None and not required:
        value = ""
    if not isinstance(value, str):
        raise _invalid(field, "Enter text.")
    return clean_text(value, field=field, max_length=max_length, required=required)


# --- Slugs ------------------------------------------------------------------------------------


def validate_slug(value: Any, *, field: str = "slug") -> str:
    """A page address: lower-case letters, digits and single hyphens, not a reserved word."""
    value = _text(value, field=field, max_length=SLUG_MAX, required=True).lower()
    if len(value) < SLUG_MIN:
        raise _invalid(field, f"Use at least {SLUG_MIN} characters.")
    if not SLUG_RE.match(value):
        raise _invalid(field, "Use lower-case letters, digits and single hyphens (like anna-berg).")
    # A UUID-shaped slug would be ambiguous: /coaches/{id} accepts a public id or a slug.
    if value in RESERVED_SLUGS or parse_id(value) is not None:
        raise _invalid(field, "That address is reserved; choose another.")
    return value


def _slug_base(name: str, *, fallback: str) -> str:
    """A slug from a name: ASCII-folded, short names and reserved words prefixed."""
    base = slugify(name)[: SLUG_MAX - 8].strip("-")
    if not base:  # nothing ASCII in the name (李小龙)
        return f"coach-{fallback}"
    if len(base) < SLUG_MIN or base in RESERVED_SLUGS or parse_id(base) is not None:
        return f"coach-{base}"
    return base


def _free_slug(base: str) -> str:
    """`base`, or `base-2`, `base-3`…, or base plus a random suffix when those are taken."""
    taken = set(CoachProfile.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken and base not in RESERVED_SLUGS:
        return base
    for n in range(2, 100):
        candidate = f"{base}-{n}"
        if candidate not in taken:
            return candidate
    return f"{base}-{uuid.uuid4().hex[:6]}"


# --- Denormalised columns ---------------------------------------------------------------------


def refresh_min_price(coach_ids: Iterable[int]) -> None:
    """CoachProfile.min_price = the cheapest active paid session type's price in the coach's
    currency (0 if all are free, None if none). Session types are priced in the coach's
    currency (these services and the admin see to it); the filter keeps min_price a price in
    CoachProfile.currency even for a row that slipped past them, so the directory never
    compares amounts across currencies."""
    ids = sorted(set(coach_ids))
    if not ids:
        return

    def cheapest(**only: object) -> Subquery:
        return Subquery(
            SessionType.objects.filter(
                coach=OuterRef("pk"), is_active=True, currency=OuterRef("currency"), **only
            )
            .order_by()
            .values("coach")
            .annotate(cheapest=Min("price"))
            .values("cheapest")[:1]
        )

    # The cheapest PAID session, as the directory card says ("From 45.00 EUR · free session
    # available"): a free intro call must not make every coach "cost" 0 in the price filter.
    # A coach who offers only free sessions costs 0.
    CoachProfile.objects.filter(pk__in=ids).update(
        min_price=Coalesce(cheapest(price__gt=0), cheapest())
    )


def refresh_next_available_on_commit(coach_ids: Iterable[int]) -> None:
    """After commit, have availability recompute these coaches' next_available_at.

    Through `availability_hook` (availability builds on coaches): its handler queues a
    background task on commit. Without availability installed nothing is refreshed.
    """
    ids = sorted(set(coach_ids))
    hook = availability_hook.provider()
    if ids and hook is not None:
        hook.changed(ids)


def _locked(coach: CoachProfile) -> CoachProfile:
    """The coach's row, locked for this transaction (serialises writes to one coach)."""
    locked = CoachProfile.objects.select_for_update().filter(pk=coach.pk).first()
    if locked is None:
        raise NotFound("No such coach.")
    return locked


# --- Verification (called by accounts.services.coach_application_decide) -----------------------


@transaction.atomic
def coach_profile_verify(*, user: Any, headline: str, credentials: str = "") -> CoachProfile:
    """Make (or mark) the user's coach profile verified (a savepoint in the caller's transaction).

    A new profile gets a unique slug from the display name, the application's headline and
    credentials, and the user's zone. An existing one keeps its slug, zone and choices.
    """
    headline = clean_text(headline, field="headline", max_length=200, required=True)
    credentials = clean_text(credentials, field="credentials", max_length=2000)
    profile = CoachProfile.objects.select_for_update().filter(user=user).first()
    if profile is not None:
        profile.is_verified = True
        profile.headline = headline
        if credentials:
            profile.credentials = credentials
        profile.save(update_fields=["is_verified", "headline", "credentials", "updated_at"])
    else:
        try:
            zone = validate_timezone(user.timezone)
        except InvalidInput:
            zone = "UTC"
        base = _slug_base(
            user.display_name or user.email.split("@", 1)[0], fallback=user.public_id.hex[:6]
        )
        for attempt in range(5):
            slug = _free_slug(base) if attempt < 4 else f"{base}-{uuid.uuid4().hex[:8]}"
            try:
                with transaction.atomic():
                    profile = CoachProfile.objects.create(
                        user=user,
                        slug=slug,
                        headline=headline,
                        credentials=credentials,
                        timezone=zone,
                        is_verified=True,
                    )
                break
            except IntegrityError:
                # Another profile took the slug between the check and the insert; or this
                # user's profile appeared concurrently (then the next loop finds it).
                existing = CoachProfile.objects.filter(user=user).first()
                if existing is not None:
                    return coach_profile_verify(
                        user=user, headline=headline, credentials=credentials
                    )
        else:  # pragma: no cover - five collisions in a row
            raise Conflict("Could not choose a page address; try again.")
    search.refresh_search_vectors([profile.pk])
    profile.refresh_from_db()
    return profile


@transaction.atomic
def coach_profile_set_verified(
    *, coach_id: int, staff_user: Any, is_verified: bool
) -> CoachProfile:
    """Staff suspend (False) or restore (True) a coach's verification. Coaches cannot undo it."""
    if not getattr(staff_user, "is_staff", False):
        raise PermissionDenied()
    coach = _locked(CoachProfile(pk=coach_id))
    coach.is_verified = _boolean(is_verified, field="is_verified")
    coach.save(update_fields=["is_verified", "updated_at"])
    refresh_next_available_on_commit([coach.pk])
    return coach


@transaction.atomic
def coach_profile_set_active(*, coach_id: int, actor: Any, is_active: bool) -> CoachProfile:
    """The coach themselves or staff pause (False) or resume (True) a listing."""
    coach = _locked(CoachProfile(pk=coach_id))
    if coach.user_id != actor.pk and not actor.is_staff:
        raise NotFound("No such coach.")
    coach.is_active = _boolean(is_active, field="is_active")
    coach.save(update_fields=["is_active", "updated_at"])
    refresh_next_available_on_commit([coach.pk])
    return coach


# --- Profile ------------------------------------------------------------------------------------


def _by_keys(model: type, key: str, values: Any, *, field: str, limit: int) -> list:
    if not isinstance(values, list | tuple) or not all(isinstance(v, str) for v in values):
        raise _invalid(field, "Send a list of codes.")
    wanted: list[str] = []
    for value in values:
        value = clean_text(value, field=field, max_length=60).lower()
        if value and value not in wanted:
            wanted.append(value)
    if len(wanted) > limit:
        raise _invalid(field, f"Choose at most {limit}.")
    found = {getattr(row, key): row for row in model.objects.filter(**{f"{key}__in": wanted})}
    unknown = [value for value in wanted if value not in found]
    if unknown:
        raise InvalidInput(
            "Unknown choice.", fields={field: [f"Unknown: {', '.join(v[:60] for v in unknown)}."]}
        )
    return [found[value] for value in wanted]


@transaction.atomic
def coach_profile_update(
    *,
    coach: CoachProfile,
    headline: Any = UNSET,
    bio: Any = UNSET,
    specialties: Any = UNSET,
    languages: Any = UNSET,
    credentials: Any = UNSET,
    years_experience: Any = UNSET,
    timezone: Any = UNSET,
    currency: Any = UNSET,
    slug: Any = UNSET,
    is_active: Any = UNSET,
    daily_cap: Any = UNSET,
    weekly_cap: Any = UNSET,
    cancel_free_hours: Any = UNSET,
    reschedule_min_hours: Any = UNSET,
) -> CoachProfile:
    """Change what a coach's profile says. Arguments left UNSET stay as they are.

    `cancel_free_hours` and `reschedule_min_hours` are the booking policy (whole hours,
    0 to 720): clients cancel free of charge, and move a session, until that long before it.

    Specialties are slugs and languages ISO 639-1 codes from the managed lists; changing the
    currency re-labels every session type's price (the amounts are not converted).
    """
    values: dict[str, Any] = {}
    if headline is not UNSET:
        values["headline"] = _text(headline, field="headline", max_length=200, required=True)
    if bio is not UNSET:
        values["bio"] = _text(bio, field="bio", max_length=10_000)
    if credentials is not UNSET:
        values["credentials"] = _text(credentials, field="credentials", max_length=2000)
    if years_experience is not UNSET:
        values["years_experience"] = _whole_number(
            years_experience, field="years_experience", low=0, high=80
        )
    if timezone is not UNSET:
        if not isinstance(timezone, str):
            raise _invalid("timezone", "Enter an IANA time zone such as Europe/Berlin.")
        values["timezone"] = validate_timezone(timezone)
    if currency is not UNSET:
        values["currency"] = validate_currency(currency)
    if slug is not UNSET:
        values["slug"] = validate_slug(slug)
    if is_active is not UNSET:
        values["is_active"] = _boolean(is_active, field="is_active")
    for name, cap in (("daily_cap", daily_cap), ("weekly_cap", weekly_cap)):
        if cap is not UNSET:
            values[name] = _whole_number(cap, field=name, low=0, high=MAX_CAP, nullable=True)
    for name, hours in (
        ("cancel_free_hours", cancel_free_hours),
        ("reschedule_min_hours", reschedule_min_hours),
    ):
        if hours is not UNSET:
            values[name] = _whole_number(hours, field=name, low=0, high=MAX_POLICY_HOURS)
    chosen_specialties = (
        _by_keys(Specialty, "slug", specialties, field="specialties", limit=MAX_SPECIALTIES)
        if specialties is not UNSET
        else None
    )
    chosen_languages = (
        _by_keys(Language, "code", languages, field="languages", limit=MAX_LANGUAGES)
        if languages is not UNSET
        else None
    )
    if (
        "slug" in values
        and CoachProfile.objects.filter(slug=values["slug"]).exclude(pk=coach.pk).exists()
    ):
        raise InvalidInput(
            "That address is taken.", code="slug_taken", fields={"slug": ["That address is taken."]}
        )

    locked = _locked(coach)
    for field, value in values.items():
        setattr(locked, field, value)
    if values:
        try:
            with transaction.atomic():
                locked.save(update_fields=[*values, "updated_at"])
        except IntegrityError as exc:  # the slug was taken concurrently
            raise InvalidInput(
                "That address is taken.",
                code="slug_taken",
                fields={"slug": ["That address is taken."]},
            ) from exc
    if chosen_specialties is not None:
        locked.specialties.set(chosen_specialties)
    if chosen_languages is not None:
        locked.languages.set(chosen_languages)
    if "currency" in values:
        SessionType.objects.filter(coach=locked).update(currency=values["currency"])
        refresh_min_price([locked.pk])
    if {"headline", "bio"} & values.keys() or chosen_specialties is not None:
        search.refresh_search_vectors([locked.pk])
    if {"timezone", "is_active", "daily_cap", "weekly_cap"} & values.keys():
        refresh_next_available_on_commit([locked.pk])
    locked.refresh_from_db()
    # The caller's instance (often still in use) shows the change too.
    for field in values:
        setattr(coach, field, getattr(locked, field))
    if hasattr(coach, "_prefetched_objects_cache"):
        coach._prefetched_objects_cache.clear()
    return locked


@transaction.atomic
def coach_profile_set_photo(*, coach: CoachProfile, upload: Any) -> CoachProfile:
    """Replace the profile photo with a checked, re-encoded copy of the upload."""
    content = photo_file(upload)
    locked = _locked(coach)
    old_name = locked.photo.name
    locked.photo.save(content.name, content, save=False)
    locked.save(update_fields=["photo", "updated_at"])
    _delete_file_on_commit(locked.photo.storage, old_name)
    coach.photo = locked.photo
    return locked


@transaction.atomic
def coach_profile_remove_photo(*, coach: CoachProfile) -> CoachProfile:
    locked = _locked(coach)
    old_name = locked.photo.name
    locked.photo = ""
    locked.save(update_fields=["photo", "updated_at"])
    _delete_file_on_commit(locked.photo.storage, old_name)
    coach.photo = locked.photo
    return locked


def _delete_file_on_commit(storage: Any, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# --- Session types ------------------------------------------------------------------------------


def _session_type_values(data: dict[str, Any], *, currency: str) -> dict[str, Any]:
    """Validate the given session-type fields; returns clean values for the model."""
    rules = {
        "name": lambda v: _text(v, field="name", max_length=120, required=True),
        "description": lambda v: _text(v, field="description", max_length=5000),
        "duration_minutes": lambda v: _whole_number(
            v, field="duration_minutes", low=5, high=24 * 60
        ),
        "slot_step_minutes": lambda v: _whole_number(
            v, field="slot_step_minutes", low=5, high=24 * 60
        ),
        "price": lambda v: validate_price(v, currency=currency),
        "buffer_before_minutes": lambda v: _whole_number(
            v, field="buffer_before_minutes", low=0, high=720
        ),
        "buffer_after_minutes": lambda v: _whole_number(
            v, field="buffer_after_minutes", low=0, high=720
        ),
        "min_notice_minutes": lambda v: _whole_number(
            v, field="min_notice_minutes", low=0, high=525_600
        ),
        "booking_window_days": lambda v: _whole_number(
            v, field="booking_window_days", low=1, high=366
        ),
        "daily_cap": lambda v: _whole_number(
            v, field="daily_cap", low=0, high=MAX_CAP, nullable=True
        ),
        "weekly_cap": lambda v: _whole_number(
            v, field="weekly_cap", low=0, high=MAX_CAP, nullable=True
        ),
        "requires_confirmation": lambda v: _boolean(v, field="requires_confirmation"),
        "location_kind": _location_kind,
        "location_detail": lambda v: _text(v, field="location_detail", max_length=300),
        "is_active": lambda v: _boolean(v, field="is_active"),
    }
    unknown = set(data) - rules.keys()
    if unknown:
        raise TypeError(f"Unknown session type fields: {sorted(unknown)}")
    return {field: rules[field](value) for field, value in data.items()}


def _location_kind(value: Any) -> str:
    if value not in SessionType.Location.values:
        raise _invalid("location_kind", f"Choose one of: {', '.join(SessionType.Location.values)}.")
    return value


def _check_session_type(session_type: SessionType) -> None:
    """Rules across fields, checked on the would-be state."""
    if (
        session_type.location_kind == SessionType.Location.IN_PERSON
        and not session_type.location_detail
    ):
        raise _invalid("location_detail", "Say where an in-person session takes place.")


def _session_type_id(value: Any) -> uuid.UUID:
    public_id = parse_id(value)
    if public_id is None:
        raise NotFound("No such session type.")
    return public_id


def _after_session_type_write(coach: CoachProfile) -> None:
    refresh_min_price([coach.pk])
    refresh_next_available_on_commit([coach.pk])
    coach.refresh_from_db(fields=["min_price"])


@transaction.atomic
def session_type_create(
    *,
    coach: CoachProfile,
    name: str,
    duration_minutes: int,
    price: Decimal | str | int = Decimal("0"),
    description: str = "",
    slot_step_minutes: int = 30,
    buffer_before_minutes: int = 0,
    buffer_after_minutes: int = 0,
    min_notice_minutes: int = 12 * 60,
    booking_window_days: int = 60,
    daily_cap: int | None = None,
    weekly_cap: int | None = None,
    requires_confirmation: bool = False,
    location_kind: str = SessionType.Location.VIDEO,
    location_detail: str = "",
    is_active: bool = True,
) -> SessionType:
    """A new session type, priced in the coach's currency."""
    data = {k: v for k, v in locals().items() if k != "coach"}
    locked = _locked(coach)
    values = _session_type_values(data, currency=locked.currency)
    session_type = SessionType(coach=locked, currency=locked.currency, **values)
    _check_session_type(session_type)
    if SessionType.objects.filter(coach=locked).count() >= MAX_SESSION_TYPES:
        raise Conflict(
            f"A coach can have at most {MAX_SESSION_TYPES} session types; delete or reuse one.",
            code="too_many_session_types",
        )
    session_type.save()
    _after_session_type_write(coach)
    return session_type


@transaction.atomic
def session_type_update(
    *, coach: CoachProfile, session_type_id: Any, **changes: Any
) -> SessionType:
    """Change a session type of this coach (another coach's answers 404, unchanged)."""
    public_id = _session_type_id(session_type_id)
    locked = _locked(coach)
    values = _session_type_values(changes, currency=locked.currency)
    session_type = (
        SessionType.objects.select_for_update().filter(coach=coach, public_id=public_id).first()
    )
    if session_type is None:
        raise NotFound("No such session type.")
    for field, value in values.items():
        setattr(session_type, field, value)
    _check_session_type(session_type)
    if values:
        session_type.save(update_fields=list(values))
        _after_session_type_write(coach)
    return session_type


def session_type_deactivate(*, coach: CoachProfile, session_type_id: Any) -> SessionType:
    return session_type_update(coach=coach, session_type_id=session_type_id, is_active=False)


@transaction.atomic
def session_type_delete(*, coach: CoachProfile, session_type_id: Any) -> None:
    """Delete a session type nobody ever booked; a booked one can only be deactivated."""
    public_id = _session_type_id(session_type_id)
    _locked(coach)
    session_type = (
        SessionType.objects.select_for_update().filter(coach=coach, public_id=public_id).first()
    )
    if session_type is None:
        raise NotFound("No such session type.")
    if session_type.bookings.exists():
        raise Conflict(
            "This session type has bookings; deactivate it instead.", code="session_type_booked"
        )
    session_type.delete()
    _after_session_type_write(coach)


# --- Columns availability keeps (called by availability.services) -----------------------------


def coach_lock(coach_id: int) -> None:
    """Lock the coach's row until the transaction ends: serialises concurrent replacements of
    one coach's availability (PostgreSQL; SQLite's IMMEDIATE transactions already do)."""
    list(CoachProfile.objects.select_for_update().filter(pk=coach_id).values_list("pk"))


def coach_caps_set(*, coach: CoachProfile, daily_cap: int | None, weekly_cap: int | None) -> None:
    """Store the booking caps availability validated (one UPDATE); `coach` follows."""
    CoachProfile.objects.filter(pk=coach.pk).update(daily_cap=daily_cap, weekly_cap=weekly_cap)
    coach.daily_cap, coach.weekly_cap = daily_cap, weekly_cap


def next_available_store(coaches: Sequence[CoachProfile]) -> None:
    """Store these coaches' next_available_at, that column only (one bulk UPDATE)."""
    CoachProfile.objects.bulk_update(coaches, ["next_available_at"])
