"""Reads: the public coach directory, one listed coach, and a coach's own rows.

A coach is *listed* (visible to the public, bookable) when verified, active, their account
is active, and they have something to book: an active session type and weekly hours.
Everything public goes through `listed_coaches()`; the coach sees what is missing in
`setup_checklist()`.

Prices are compared in one currency at a time, never across currencies (no exchange
rates): see `coach_directory`.
"""

import math
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    When,
    prefetch_related_objects,
)
from django.utils import timezone

from tandem.core.cursors import (
    cursor_key,
    cursor_moment,
    decode_cursor,
    encode_cursor,
    invalid_cursor,
)
from tandem.core.errors import InvalidInput
from tandem.core.ids import parse_id
from tandem.core.money import validate_currency
from tandem.core.text import clean_text

from . import availability_hook, search, sql
from .models import CoachProfile, Language, SessionType, Specialty

SORTS = ("relevance", "price", "next_available")
DEFAULT_LIMIT = 20
MAX_LIMIT = 50
# With an availability window, rows the engine rejects are skipped; a page reads at most
# this many batches before answering (possibly short, with a next_cursor to continue).
MAX_BATCHES = 8
# "Available from X" without an end: a slot within this long after X.
OPEN_WINDOW = timedelta(days=366)


def _has_active_session_type() -> Exists:
    return Exists(SessionType.objects.filter(coach=OuterRef("pk"), is_active=True))


def _has_weekly_hours() -> Exists:
    # Weekly hours belong to the availability app, which sits above this one: they are
    # reached through the reverse relation it declares ("weekly"), not by importing it.
    weekly = CoachProfile._meta.get_field("weekly").related_model
    return Exists(weekly.objects.filter(coach=OuterRef("pk")))


def listed_coaches() -> QuerySet[CoachProfile]:
    """Coaches the public sees: verified, active, with an active account, an active
    session type and weekly hours (a coach with nothing bookable is not listed)."""
    return CoachProfile.objects.filter(
        _has_active_session_type(),
        _has_weekly_hours(),
        is_verified=True,
        is_active=True,
        user__is_active=True,
    )


@dataclass(frozen=True)
class SetupStep:
    code: str  # profile, photo, session_type, hours, payments
    done: bool
    required: bool  # needed to be listed (the photo and payment settings are not)


@dataclass(frozen=True)
class CoachSetup:
    steps: list[SetupStep]
    verified: bool
    active: bool

    @property
    def listed(self) -> bool:
        return self.verified and self.active and all(s.done for s in self.steps if s.required)


def coach_profile_for_setup(user: Any) -> CoachProfile | None:
    """The user's coach profile with what its set-up checklist needs, in one query."""
    if not getattr(user, "is_authenticated", False):
        return None
    return (
        CoachProfile.objects.select_related("user")
        .filter(user=user)
        .annotate(has_type=_has_active_session_type(), has_hours=_has_weekly_hours())
        .first()
    )


def setup_checklist(coach: CoachProfile, *, payment_settings_done: bool) -> CoachSetup:
    """What a coach has set up, and so whether the public sees them.

    `coach` from coach_profile_for_setup (else one query to look). payment_settings_done
    comes from the payments app (above this one), asked by the caller.
    """
    if not hasattr(coach, "has_type"):
        found = coach_profile_for_setup(coach.user)
        assert found is not None
        coach = found
    steps = [
        SetupStep("profile", bool(coach.headline and coach.bio), False),
        SetupStep("photo", bool(coach.photo), False),
        SetupStep("session_type", bool(coach.has_type), True),  # type: ignore[attr-defined]
        SetupStep("hours", bool(coach.has_hours), True),  # type: ignore[attr-defined]
        SetupStep("payments", payment_settings_done, False),
    ]
    return CoachSetup(
        steps=steps,
        verified=coach.is_verified,
        active=coach.is_active and coach.user.is_active,
    )


def active_session_types() -> QuerySet[SessionType]:
    return SessionType.objects.filter(is_active=True).order_by("price", "duration_minutes", "name")


def with_public_relations(coaches: list[CoachProfile]) -> list[CoachProfile]:
    """Load what a directory card shows, in three queries whatever the number of coaches.

    Each coach gets `active_session_types` (cheapest, then shortest, first).
    """
    prefetch_related_objects(
        coaches,
        "specialties",
        "languages",
        Prefetch("session_types", queryset=active_session_types(), to_attr="active_session_types"),
    )
    return coaches


def coach_get_listed(identifier: str) -> CoachProfile | None:
    """A listed coach by public id or by slug (case-insensitive), with its relations."""
    identifier = str(identifier).strip()
    if not identifier or len(identifier) > 100 or "\x00" in identifier:
        return None
    try:
        lookup = Q(public_id=uuid.UUID(identifier))
    except ValueError:
        lookup = Q(slug=identifier.lower())
    coach = listed_coaches().select_related("user").filter(lookup).first()
    if coach is None:
        return None
    return with_public_relations([coach])[0]


def coach_profile_for_user(user: Any) -> CoachProfile | None:
    """The user's own coach profile, whatever its state (None: not a coach)."""
    if not getattr(user, "is_authenticated", False):
        return None
    coach = CoachProfile.objects.select_related("user").filter(user=user).first()
    if coach is None:
        return None
    prefetch_related_objects([coach], "specialties", "languages")
    return coach


def coach_by_public_id(public_id: object) -> CoachProfile | None:
    """Any coach profile by its public id, whatever its state (staff tools); None for a
    malformed or unknown id."""
    parsed = parse_id(public_id)
    if parsed is None:
        return None
    return CoachProfile.objects.filter(public_id=parsed).first()


# --- Bookable coaches: verified, active, with an active account --------------------------------
# (Listed coaches, above, must also have an active session type and weekly hours; callers of
# these check the session type they were asked for themselves.)


def _bookable_coaches() -> QuerySet[CoachProfile]:
    return CoachProfile.objects.select_related("user").filter(
        is_verified=True, is_active=True, user__is_active=True
    )


def bookable_coach(ref: str) -> CoachProfile | None:
    """A bookable coach, with its user, by public id or slug; anyone else does not exist."""
    try:
        return _bookable_coaches().filter(public_id=uuid.UUID(ref)).first()
    except ValueError:
        pass
    # A slug is short and has no NUL (PostgreSQL refuses NUL in a query: a 500, not a 404).
    if len(ref) > 60 or "\x00" in ref:
        return None
    return _bookable_coaches().filter(slug=ref).first()


def bookable_coach_and_type(
    coach_ref: str, type_id: uuid.UUID
) -> tuple[CoachProfile, SessionType] | None:
    """A bookable coach (as `bookable_coach`) and one of its active session types, in one
    hand-written statement (coaches/sql.py): every booking request starts here."""
    try:
        key: uuid.UUID | str = uuid.UUID(coach_ref)
    except ValueError:
        if len(coach_ref) > 60 or "\x00" in coach_ref:
            return None
        key = coach_ref
    return sql.bookable_coach_and_type(key, type_id)


def coach_with_user_by_pk(coach_id: int) -> CoachProfile | None:
    """Any coach profile by internal id (another app's rows name it), with its user,
    whatever its state: the caller checks whether it is still bookable."""
    return CoachProfile.objects.select_related("user").filter(pk=coach_id).first()


def bookable_coach_user_ids(*, excluding_user_id: int) -> QuerySet[CoachProfile, int]:
    """The user ids of every bookable coach but one, in order (iterate it in chunks)."""
    return (
        CoachProfile.objects.filter(is_verified=True, is_active=True, user__is_active=True)
        .exclude(user_id=excluding_user_id)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def bookable_session_types(
    *,
    specialty: Specialty | int,
    duration_minutes: int,
    excluding_user_id: int,
    without_confirmation: bool = False,
) -> QuerySet[SessionType]:
    """The active session types of this specialty and length of every bookable coach but
    one user's, with coach and coach.user loaded, each coach's cheapest first.
    `without_confirmation`: only types booked straight away (not confirmed by hand)."""
    conditions: dict[str, Any] = {
        "is_active": True,
        "duration_minutes": duration_minutes,
        "coach__is_verified": True,
        "coach__is_active": True,
        "coach__user__is_active": True,
        "coach__specialties": specialty,
    }
    if without_confirmation:
        conditions["requires_confirmation"] = False
    return (
        SessionType.objects.filter(**conditions)
        .exclude(coach__user_id=excluding_user_id)
        .select_related("coach", "coach__user")
        .order_by("coach_id", "price", "pk")
    )


def coaches_by_ids(coach_ids: list[int]) -> QuerySet[CoachProfile]:
    """The coach profiles with these internal ids (another app's rows name them), by id."""
    return CoachProfile.objects.filter(pk__in=coach_ids).order_by("pk")


def coach_profile_of(user: Any, *, with_user: bool = False) -> CoachProfile | None:
    """The user's own coach profile row (listed or not), one query; `with_user` joins the
    user row in. None: signed out, or not a coach."""
    if not getattr(user, "is_authenticated", False):
        return None
    coaches = CoachProfile.objects.select_related("user") if with_user else CoachProfile.objects
    return coaches.filter(user=user).first()


def coach_ids_of_user(user_id: int) -> QuerySet[CoachProfile, dict[str, Any]]:
    """The id of the user's coach profile, if any, as a subquery for another app's query
    (`coach_id__in=...`): no query of its own."""
    return CoachProfile.objects.filter(user_id=user_id).values("pk")


def session_types_of(coach: CoachProfile) -> QuerySet[SessionType]:
    """All of a coach's session types (active first), for the coach themselves."""
    return SessionType.objects.filter(coach=coach).order_by(
        "-is_active", "price", "duration_minutes", "name"
    )


def session_type_of(
    coach: CoachProfile, session_type_id: Any, *, active_only: bool = False
) -> SessionType | None:
    """One of the coach's session types by public id (only an active one if `active_only`);
    None for a malformed or unknown id, without a query for a malformed one."""
    public_id = parse_id(session_type_id)
    if public_id is None:
        return None
    types = SessionType.objects.filter(coach=coach)
    if active_only:
        types = types.filter(is_active=True)
    return types.filter(public_id=public_id).first()


def cheapest_active_session_type(coach: CoachProfile) -> SessionType | None:
    """The coach's cheapest active session type (then the shortest), or None."""
    return (
        SessionType.objects.filter(coach=coach, is_active=True)
        .order_by("price", "duration_minutes", "pk")
        .first()
    )


def session_type_by_pk(session_type_id: int) -> SessionType | None:
    """Any session type by its internal id (another app's rows name it), whatever its state."""
    return SessionType.objects.filter(pk=session_type_id).first()


def specialty_by_slug(slug: str) -> Specialty | None:
    return Specialty.objects.filter(slug=slug).first()


def specialty_counts(coach_ids: Sequence[int]) -> dict[int, int]:
    """How many specialties each of these coaches lists, by coach id (none: absent)."""
    rows = (
        CoachProfile.specialties.through.objects.filter(coachprofile_id__in=coach_ids)
        .values("coachprofile_id")
        .annotate(n=Count("pk"))
    )
    return {row["coachprofile_id"]: row["n"] for row in rows}


def session_lengths_offered() -> list[int]:
    """The distinct lengths (minutes) of the active session types of verified, active
    coaches, shortest first."""
    return sorted(
        set(
            SessionType.objects.filter(
                is_active=True, coach__is_verified=True, coach__is_active=True
            ).values_list("duration_minutes", flat=True)
        )
    )


def specialties() -> QuerySet[Specialty]:
    return Specialty.objects.order_by("name")


def specialties_by_slugs(slugs: Sequence[str]) -> QuerySet[Specialty]:
    return Specialty.objects.filter(slug__in=list(slugs))


def verified_coaches() -> QuerySet[CoachProfile]:
    """Coaches who can be booked as far as their standing goes: verified, active, with an
    active account (an organisation's programme lists and matches from these)."""
    return CoachProfile.objects.filter(is_verified=True, is_active=True, user__is_active=True)


def active_session_types_in(currency: str) -> QuerySet[SessionType]:
    """Every coach's active session types priced in `currency` (unordered)."""
    return SessionType.objects.filter(is_active=True, currency=currency)


def languages() -> QuerySet[Language]:
    return Language.objects.order_by("name")


# --- Next availability ---------------------------------------------------------------------------


def next_available_for(
    coaches: list[CoachProfile], *, now: datetime
) -> dict[int, tuple[datetime | None, SessionType | None]]:
    """Each coach's next bookable start and the session type it is for.

    Live from availability's engine (through `availability_hook`) when it is installed;
    otherwise the denormalised next_available_at with the cheapest active session type.
    """
    hook = availability_hook.provider()
    if hook is not None:
        return hook.next_available(coaches, now=now)
    answer: dict[int, tuple[datetime | None, SessionType | None]] = {}
    for coach in coaches:
        at = coach.next_available_at
        types = getattr(coach, "active_session_types", None)
        if types is None:
            types = list(active_session_types().filter(coach=coach))
        if at is None or at < now or not types:
            answer[coach.pk] = (None, None)
        else:
            answer[coach.pk] = (at, types[0])
    return answer


SlotChecker = Callable[..., dict[int, bool]]


def _slot_checker() -> SlotChecker | None:
    """availability's has_slot_between(coaches, start, end, *, now) -> {pk: bool}, if any."""
    hook = availability_hook.provider()
    return hook.has_slot_between if hook is not None else None


# --- The directory ------------------------------------------------------------------------------


@dataclass(frozen=True)
class DirectoryPage:
    items: list[CoachProfile]
    next_cursor: str | None


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(message, fields={field: [message]})


def _amount(value: Any, field: str) -> Decimal | None:
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise _invalid(field, "Enter an amount, such as 50 or 49.90.") from exc
    if not amount.is_finite() or amount < 0:
        raise _invalid(field, "Enter an amount of 0 or more.")
    return amount


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if timezone.is_naive(value):
        return value.replace(tzinfo=UTC)  # a time without a zone is taken as UTC
    return value.astimezone(UTC)


# The sort key of sort=price: the coach's cheapest price in the chosen currency; null (last)
# for coaches who charge in another one.
PRICE_KEY = "price_in_currency"


def _price_in(currency: str) -> Case:
    """min_price is in the coach's own currency (CoachProfile.currency; the services keep
    every session type in it), so it is "the price in `currency`" only for those coaches."""
    return Case(When(currency=currency, then=F("min_price")), default=None)


def _ordering(sort: str) -> list:
    if sort == "relevance":
        return [F("rank").desc(), "public_id"]
    if sort == "price":
        return [F(PRICE_KEY).asc(nulls_last=True), "public_id"]
    return [F("next_available_at").asc(nulls_last=True), "public_id"]


def _cursor_sort(sort: str, currency: str | None) -> str:
    # A price cursor names its currency: one from another currency's order is refused.
    return f"price:{currency}" if sort == "price" else sort


def _key(sort: str, coach: CoachProfile) -> Any:
    if sort == "relevance":
        return coach.rank  # type: ignore[attr-defined]
    if sort == "price":
        value = getattr(coach, PRICE_KEY)
        return None if value is None else str(value)
    return None if coach.next_available_at is None else coach.next_available_at.isoformat()


def _cursor_for(sort: str, coach: CoachProfile, currency: str | None) -> str:
    return encode_cursor(
        {"s": _cursor_sort(sort, currency), "k": _key(sort, coach), "id": coach.public_id.hex}
    )


def _after_cursor(sort: str, cursor: str, currency: str | None) -> Q:
    """Rows strictly after the cursor's row, in this sort's order (keyset, no OFFSET)."""
    payload = decode_cursor(cursor)
    if payload.get("s") != _cursor_sort(sort, currency) or set(payload) != {"s", "k", "id"}:
        raise invalid_cursor()
    last_id = cursor_key(payload["id"], uuid.UUID)
    key = payload["k"]
    if sort == "relevance":
        if isinstance(key, bool) or not isinstance(key, int | float) or not math.isfinite(key):
            raise invalid_cursor()
        return Q(rank__lt=key) | Q(rank=key, public_id__gt=last_id)
    field = PRICE_KEY if sort == "price" else "next_available_at"
    if key is None:
        return Q(**{f"{field}__isnull": True}, public_id__gt=last_id)
    if not isinstance(key, str) or len(key) > 40:
        raise invalid_cursor()
    value = _cursor_price(key) if sort == "price" else cursor_moment(key)
    return (
        Q(**{f"{field}__gt": value})
        | Q(**{field: value}, public_id__gt=last_id)
        | Q(**{f"{field}__isnull": True})
    )


def _cursor_price(key: str) -> Decimal:
    try:
        price = Decimal(key)
    except (InvalidOperation, ValueError) as exc:
        raise invalid_cursor() from exc
    if not price.is_finite():
        raise invalid_cursor()
    return price


def _currency(value: Any, *, needed: bool) -> str | None:
    """The currency prices are compared in; required by a price filter or the price sort."""
    if value in (None, ""):
        if needed:
            message = "Choose the currency to compare prices in (price_min, price_max and "
            message += "sort=price compare prices in one currency)."
            raise InvalidInput(message, code="currency_required", fields={"currency": [message]})
        return None
    return validate_currency(value)


def coach_directory(
    *,
    text: str = "",
    specialty: str | None = None,
    language: str | None = None,
    price_min: Decimal | str | None = None,
    price_max: Decimal | str | None = None,
    currency: str | None = None,
    available_from: datetime | None = None,
    available_to: datetime | None = None,
    sort: str = "relevance",
    cursor: str | None = None,
    limit: int = DEFAULT_LIMIT,
    now: datetime | None = None,
) -> DirectoryPage:
    """One page of listed coaches, filtered and sorted, with a cursor to the next page.

    - text: every word must match (see coaches.search); 'relevance' ranks by it. Without
      text, 'relevance' is the 'next_available' order.
    - Prices are compared in ONE currency, never across currencies (no exchange rates, so
      nothing stale or approximate): price_min/price_max and sort='price' need `currency`
      (else InvalidInput, code currency_required). price_min/price_max keep coaches whose
      cheapest active session type is in that currency and within the range (others, and
      coaches without a price, are left out); sort='price' orders by that price, coaches who
      charge in another currency last. Without a price filter or the price sort, currency
      is checked but filters nothing.
    - available_from/available_to: the coach has a bookable slot starting in the window
      (see `_available_in`).
    - Pagination is keyset on (sort key, public_id): stable, no OFFSET. The query count is
      the same for any limit (coaches, specialties, languages, session types).
    """
    if sort not in SORTS:
        raise _invalid("sort", f"Choose one of: {', '.join(SORTS)}.")
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise _invalid("limit", f"Enter a number from 1 to {MAX_LIMIT}.")
    text = clean_text(text or "", field="q", max_length=200)
    low, high = _amount(price_min, "price_min"), _amount(price_max, "price_max")
    if low is not None and high is not None and low > high:
        raise _invalid("price_max", "price_max must be at least price_min.")
    currency = _currency(currency, needed=low is not None or high is not None or sort == "price")
    available_from, available_to = _aware(available_from), _aware(available_to)
    if available_from and available_to and available_to <= available_from:
        raise _invalid("available_to", "available_to must be after available_from.")

    terms = search.search_terms(text)
    effective_sort = sort if sort != "relevance" or terms else "next_available"
    rows = search.apply_text_search(listed_coaches(), terms)
    if specialty:
        rows = rows.filter(
            Exists(Specialty.objects.filter(coaches=OuterRef("pk"), slug=str(specialty).lower()))
        )
    if language:
        rows = rows.filter(
            Exists(Language.objects.filter(coaches=OuterRef("pk"), code=str(language).lower()))
        )
    if low is not None or high is not None:
        rows = rows.filter(currency=currency, min_price__isnull=False)
    if low is not None:
        rows = rows.filter(min_price__gte=low)
    if high is not None:
        rows = rows.filter(min_price__lte=high)
    if effective_sort == "price":
        rows = rows.annotate(**{PRICE_KEY: _price_in(str(currency))})

    verify: Callable[[list[CoachProfile]], list[CoachProfile]] = lambda batch: batch  # noqa: E731
    if available_from or available_to:
        now = _aware(now) or timezone.now()
        start = max(available_from or now, now)
        end = available_to or start + OPEN_WINDOW
        if end <= start:  # the whole window is in the past
            return DirectoryPage(items=[], next_cursor=None)
        rows, verify = _available_in(rows, start, end, now=now)

    rows = rows.select_related("user").order_by(*_ordering(effective_sort))
    after = _after_cursor(effective_sort, cursor, currency) if cursor else None

    items: list[CoachProfile] = []
    last_seen: CoachProfile | None = None
    exhausted = False
    for _ in range(MAX_BATCHES):
        page_rows = rows.filter(after) if after is not None else rows
        batch = list(page_rows[: limit + 1])
        exhausted = len(batch) <= limit
        accepted = {coach.pk for coach in verify(batch)}
        for coach in batch:
            last_seen = coach
            if coach.pk in accepted:
                items.append(coach)
                if len(items) > limit:
                    break
        if len(items) > limit or exhausted or last_seen is None:
            break
        after = _after_cursor(
            effective_sort, _cursor_for(effective_sort, last_seen, currency), currency
        )

    if len(items) > limit:
        items = items[:limit]
        next_cursor: str | None = _cursor_for(effective_sort, items[-1], currency)
    elif not exhausted and last_seen is not None:
        # Stopped after MAX_BATCHES with rows left: continue after the last row examined.
        next_cursor = _cursor_for(effective_sort, last_seen, currency)
    else:
        next_cursor = None
    return DirectoryPage(items=with_public_relations(items), next_cursor=next_cursor)


def _available_in(
    rows: QuerySet[CoachProfile], start: datetime, end: datetime, *, now: datetime
) -> tuple[QuerySet[CoachProfile], Callable[[list[CoachProfile]], list[CoachProfile]]]:
    """Coaches with a bookable slot starting in [start, end).

    next_available_at (denormalised: the first bookable start from now) narrows the
    candidates in SQL, since a coach with a slot before `end` has next_available_at < end.
    - next_available_at in [start, end): that slot is in the window — accepted as is.
    - next_available_at < start: free earlier, maybe in the window too. The engine decides,
      through availability's has_slot_between (`availability_hook`; one call per batch of a
      page, so the query count stays bounded). Without it these are left out: every coach
      shown then does have a slot in the window, though some who do may be missed.
    """
    checker = _slot_checker()
    if checker is None:
        return rows.filter(next_available_at__gte=start, next_available_at__lt=end), (
            lambda batch: batch
        )

    def verify(batch: list[CoachProfile]) -> list[CoachProfile]:
        earlier = [c for c in batch if c.next_available_at and c.next_available_at < start]
        confirmed = checker(earlier, start, end, now=now) if earlier else {}
        return [
            c
            for c in batch
            if c.next_available_at and (c.next_available_at >= start or confirmed.get(c.pk))
        ]

    return rows.filter(next_available_at__lt=end), verify


# --- For availability's next-available refresh ---------------------------------------------------


def coaches_for_next_available(coach_ids: Sequence[int]) -> list[CoachProfile]:
    """These coaches with what computing next_available_at reads (zone, caps, stored value)."""
    return list(
        CoachProfile.objects.filter(pk__in=coach_ids).only(
            "pk", "timezone", "daily_cap", "weekly_cap", "next_available_at"
        )
    )


def coach_ids_with_stale_next_available(*, now: datetime, everyone: bool = False) -> list[int]:
    """Verified, active coaches whose next_available_at needs recomputing, by pk.

    Stale: a value in the past, or no value while the coach has an active session type (a
    coach without one stays null). `everyone`: every such coach with a value or a type.
    """
    unset = Q(next_available_at__isnull=True) & Q(_has_active_session_type())
    if everyone:
        stale = unset | Q(next_available_at__isnull=False)
    else:
        stale = unset | Q(next_available_at__lt=now)
    coaches = CoachProfile.objects.filter(is_verified=True, is_active=True).filter(stale)
    return list(coaches.order_by("pk").values_list("pk", flat=True))
