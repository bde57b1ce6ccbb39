"""Programmes, the sponsor admin's side: create, change settings (extend dates, add seats),
fund the budget, end.

Rules (each lives here only):
- A name (1-120), dates (end on or after start; a new programme may not end in the past),
  sessions per participant (1-100), seats (1-100,000), a supported currency, a location
  (any / video / in person), an optional longest session (15-480 minutes), eligible coaches
  (every verified coach, a list of verified coaches — at least one — or specialties — at
  least one), an optional join domain (`northwind.example`; people with a verified address
  there may join by themselves), the survey on or off.
- Changing an active programme: the end date may only move later (to end sooner, end the
  programme); the start date only while the programme has not started; seats never below
  the seats held (active + paused participants); the currency never changes (the budget
  is money in that currency). An ended programme changes no more (409 `programme_ended`).
- Ending: the status becomes ended (no new bookings, invitations or acceptances); then,
  without holding the programme's lock, each participant's open sponsored booking is
  cancelled by the booking's own service under its cancellation policy (cancelling.py);
  then what is left of the budget moves to the organisation's credit
  (payments.sponsors.services.close).
- Funding: payments.sponsors.services.fund moves the money; the budget alerts are checked
  after commit by the sponsor port's `budget_changed` (payments calls it for every funding,
  a card confirmed by the webhook too).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction

from tandem.coaches import selectors as coach_selectors
from tandem.coaches.models import CoachProfile, Specialty
from tandem.core.errors import Conflict, InvalidInput, NotFound
from tandem.core.money import SUPPORTED_CURRENCIES
from tandem.core.text import clean_text

from ..models import Organisation, Participant, Programme
from .cancelling import cancel_open_sponsored

logger = logging.getLogger(__name__)

MAX_NAME = 120
MAX_SEATS = 100_000
MAX_SESSIONS = 100
MIN_MINUTES, MAX_MINUTES = 15, 480
MAX_DOMAIN = 253
MAX_CHOSEN = 500
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")

FIELDS = (
    "name",
    "starts_on",
    "ends_on",
    "coach_rule",
    "coaches",
    "specialties",
    "max_session_minutes",
    "location",
    "sessions_per_participant",
    "seats",
    "currency",
    "join_domain",
    "survey_enabled",
)


class ProgrammeNotFound(NotFound):
    """No such programme."""

    code = "programme_not_found"


class ProgrammeEnded(Conflict):
    """This programme has ended."""

    code = "programme_ended"


@dataclass(frozen=True)
class EndOutcome:
    programme: Programme
    bookings_cancelled: int
    credit_moved: int | None  # minor units moved to the organisation's credit (None: unknown)


class _Errors:
    def __init__(self) -> None:
        self.fields: dict[str, list[str]] = {}

    def add(self, field: str, message: str) -> None:
        self.fields.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.fields:
            first = next(iter(self.fields.values()))[0]
            raise InvalidInput(
                first if len(self.fields) == 1 else "Some fields are not valid.",
                fields=self.fields,
            )


def _int(errors: _Errors, field: str, value: Any, low: int, high: int) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int):
        errors.add(field, "Enter a whole number.")
        return None
    if not low <= value <= high:
        errors.add(field, f"Enter a number from {low} to {high:,}.")
        return None
    return value


def _date(errors: _Errors, field: str, value: Any) -> date | None:
    if isinstance(value, datetime) or not isinstance(value, date):
        errors.add(field, "Enter a date.")
        return None
    return value


def clean_domain(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("A domain is text.", fields={"join_domain": ["A domain is text."]})
    domain = clean_text(value, field="join_domain", max_length=MAX_DOMAIN).lower()
    domain = domain.removeprefix("@")
    if domain and not _DOMAIN.match(domain):
        raise InvalidInput(
            "Enter a domain like northwind.example (no @, no spaces).",
            fields={"join_domain": ["Enter a domain like northwind.example."]},
        )
    return domain


def _public_ids(errors: _Errors, field: str, value: Any) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list | tuple) or len(value) > MAX_CHOSEN:
        errors.add(field, f"Give a list of at most {MAX_CHOSEN}.")
        return []
    if not all(isinstance(item, str) and len(item) <= 100 for item in value):
        errors.add(field, "Each item is an id.")
        return []
    return list(dict.fromkeys(value))


def _coaches(errors: _Errors, ids: list[str]) -> list[CoachProfile]:
    import uuid

    parsed: list[uuid.UUID] = []
    for item in ids:
        try:
            parsed.append(uuid.UUID(item))
        except ValueError:
            errors.add("coaches", f"{item[:40]!r} is not a coach id.")
            return []
    found = list(coach_selectors.verified_coaches().filter(public_id__in=parsed))
    if len(found) != len(parsed):
        errors.add("coaches", "Choose verified coaches only.")
    return found


def _specialties(errors: _Errors, slugs: list[str]) -> list[Specialty]:
    found = list(coach_selectors.specialties_by_slugs(slugs))
    if len(found) != len(slugs):
        errors.add("specialties", "Choose from the listed specialties.")
    return found


def _clean(
    values: dict[str, Any], *, current: Programme | None, now: datetime
) -> tuple[dict[str, Any], list[CoachProfile] | None, list[Specialty] | None]:
    """The checked values (only the fields given), the coaches and specialties to set
    (None: unchanged). Raises one InvalidInput with every field's problem."""
    errors = _Errors()
    unknown = set(values) - set(FIELDS)
    if unknown:
        for field in sorted(unknown):
            errors.add(field, "Unknown field.")
        errors.raise_if_any()
    out: dict[str, Any] = {}
    if "name" in values:
        value = values["name"]
        if not isinstance(value, str):
            errors.add("name", "Enter a name.")
        else:
            try:
                out["name"] = clean_text(value, field="name", max_length=MAX_NAME, required=True)
            except InvalidInput as exc:
                errors.add("name", exc.fields["name"][0])
    for field in ("starts_on", "ends_on"):
        if field in values:
            parsed = _date(errors, field, values[field])
            if parsed is not None:
                out[field] = parsed
    if "sessions_per_participant" in values:
        n = _int(errors, "sessions_per_participant", values["sessions_per_participant"], 1,
                 MAX_SESSIONS)  # fmt: skip
        if n is not None:
            out["sessions_per_participant"] = n
    if "seats" in values:
        n = _int(errors, "seats", values["seats"], 1, MAX_SEATS)
        if n is not None:
            out["seats"] = n
    if "max_session_minutes" in values:
        value = values["max_session_minutes"]
        if value is None or value == "":
            out["max_session_minutes"] = None
        else:
            n = _int(errors, "max_session_minutes", value, MIN_MINUTES, MAX_MINUTES)
            if n is not None:
                out["max_session_minutes"] = n
    if "location" in values:
        if values["location"] not in Programme.Location.values:
            errors.add("location", "Choose video, in person, or either.")
        else:
            out["location"] = values["location"]
    if "currency" in values:
        if values["currency"] not in SUPPORTED_CURRENCIES:
            errors.add("currency", "Choose a supported currency.")
        elif current is not None and values["currency"] != current.currency:
            errors.add("currency", "A programme's currency cannot change (its budget is in it).")
        else:
            out["currency"] = values["currency"]
    if "survey_enabled" in values:
        if not isinstance(values["survey_enabled"], bool):
            errors.add("survey_enabled", "Say yes or no.")
        else:
            out["survey_enabled"] = values["survey_enabled"]
    if "join_domain" in values:
        try:
            out["join_domain"] = clean_domain(values["join_domain"])
        except InvalidInput as exc:
            errors.add("join_domain", exc.fields["join_domain"][0])
    if "coach_rule" in values:
        if values["coach_rule"] not in Programme.CoachRule.values:
            errors.add("coach_rule", "Choose which coaches the programme covers.")
        else:
            out["coach_rule"] = values["coach_rule"]
    coaches: list[CoachProfile] | None = None
    specialties: list[Specialty] | None = None
    if "coaches" in values:
        coaches = _coaches(errors, _public_ids(errors, "coaches", values["coaches"]))
    if "specialties" in values:
        specialties = _specialties(
            errors, _public_ids(errors, "specialties", values["specialties"])
        )

    # Rules across fields, against the programme as it is.
    rule = out.get(
        "coach_rule", current.coach_rule if current else Programme.CoachRule.ALL_VERIFIED
    )
    if rule == Programme.CoachRule.LISTED:
        chosen = (
            coaches if coaches is not None else (list(current.coaches.all()) if current else [])
        )
        if not chosen:
            errors.add("coaches", "Choose at least one coach.")
    if rule == Programme.CoachRule.SPECIALTY:
        chosen_s = (
            specialties
            if specialties is not None
            else (list(current.specialties.all()) if current else [])
        )
        if not chosen_s:
            errors.add("specialties", "Choose at least one specialty.")
    today = now.date()
    starts = out.get("starts_on", current.starts_on if current else None)
    ends = out.get("ends_on", current.ends_on if current else None)
    if current is None:
        for field in ("name", "starts_on", "ends_on", "sessions_per_participant", "seats"):
            if field not in out and field not in errors.fields:
                errors.add(field, "This field is required.")
        if ends is not None and ends < today:
            errors.add("ends_on", "A new programme cannot end in the past.")
    else:
        if "ends_on" in out and out["ends_on"] < current.ends_on:
            errors.add(
                "ends_on", "The end date can only move later (to stop now, end the programme)."
            )
        if "starts_on" in out and out["starts_on"] != current.starts_on:
            if current.starts_on <= today:
                errors.add("starts_on", "The programme has started: its start date is fixed.")
            elif out["starts_on"] < today:
                errors.add("starts_on", "The start date cannot be in the past.")
        if "seats" in out:
            held = Participant.objects.filter(
                Participant.holding_seat(now), programme=current
            ).count()
            if out["seats"] < held:
                errors.add(
                    "seats", f"{held} seats are taken or held for someone: keep at least that many."
                )
    if starts is not None and ends is not None and ends < starts:
        errors.add("ends_on", "The end date must be on or after the start date.")
    errors.raise_if_any()
    return out, coaches, specialties


def programme_create(
    *, organisation: Organisation, values: dict[str, Any], actor: Any, now: datetime
) -> Programme:
    """A new active programme of `organisation` (the caller is its admin, checked by the
    access gate). 400 with every field's problem."""
    values = {"coach_rule": Programme.CoachRule.ALL_VERIFIED, "currency": "EUR", **values}
    out, coaches, specialties = _clean(values, current=None, now=now)
    with transaction.atomic():
        programme = Programme.objects.create(
            organisation=organisation, created_by=actor, created_at=now, updated_at=now, **out
        )
        if coaches:
            programme.coaches.set(coaches)
        if specialties:
            programme.specialties.set(specialties)
    programme.organisation = organisation
    return programme


def programme_update(
    *, programme: Programme, values: dict[str, Any], actor: Any, now: datetime
) -> Programme:
    """Change an active programme's settings (only the fields given). Under the programme's
    row lock: seats are checked against the seats held at that moment."""
    with transaction.atomic():
        locked = (
            Programme.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=programme.pk)
        )
        if locked.status != Programme.Status.ACTIVE:
            raise ProgrammeEnded("This programme has ended: its settings no longer change.")
        out, coaches, specialties = _clean(values, current=locked, now=now)
        for field, value in out.items():
            setattr(locked, field, value)
        locked.updated_at = now
        locked.save(update_fields=[*out, "updated_at"])
        if coaches is not None:
            locked.coaches.set(coaches)
        if specialties is not None:
            locked.specialties.set(specialties)
    return locked


def programme_end(*, programme: Programme, actor: Any, now: datetime) -> EndOutcome:
    """End an active programme: status ended at once (no new bookings, invitations or
    acceptances), then the participants' open sponsored bookings are cancelled under their
    cancellation policy, then the unspent budget moves to the organisation's credit.
    409 `programme_ended` when it has ended already (nothing changes)."""
    with transaction.atomic():
        locked = (
            Programme.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=programme.pk)
        )
        if locked.status != Programme.Status.ACTIVE:
            raise ProgrammeEnded()
        locked.status = Programme.Status.ENDED
        locked.ended_at = now
        locked.updated_at = now
        locked.save(update_fields=["status", "ended_at", "updated_at"])
    # The programme's lock is released: each booking locks its coach first.
    cancelled = cancel_open_sponsored(programme_id=locked.pk, now=now)
    moved = _close_budget(locked, actor, now)
    return EndOutcome(programme=locked, bookings_cancelled=cancelled, credit_moved=moved)


def programme_fund(
    *,
    programme: Programme,
    amount: Any,
    method: Any,
    actor: Any,
    now: datetime,
    idempotency_key: str | None = None,
) -> Any:
    """Add money to an active programme's budget (payments.sponsors.services.fund: by
    invoice, or from the organisation's credit); the budget alerts are checked after
    commit (payments tells the sponsor port's `budget_changed`). 409 `programme_ended` on
    an ended programme; the money rules' errors as they are (400 amount/method, 409 not
    enough credit)."""
    from tandem.payments.sponsors import services as sponsor_money

    with transaction.atomic():
        if programme.status != Programme.Status.ACTIVE:
            raise ProgrammeEnded("This programme has ended: its budget takes no more money.")
        funding = sponsor_money.fund(
            budget_owner=programme.budget_owner,
            org_owner=f"org:{programme.organisation_id}",
            amount=amount,
            currency=programme.currency,
            method=method,
            actor=actor,
            now=now,
            idempotency_key=idempotency_key,
        )
    return funding


def _close_budget(programme: Programme, actor: Any, now: datetime) -> int | None:
    try:
        from tandem.payments.sponsors import services as sponsor_money
    except ImportError:  # payments' sponsor budgets not there yet
        logger.warning("Programme %s ended without closing its budget", programme.pk)
        return None
    result = sponsor_money.close(
        budget_owner=programme.budget_owner,
        org_owner=f"org:{programme.organisation_id}",
        currency=programme.currency,
        actor=actor,
        now=now,
    )
    amount = getattr(result, "amount", result)
    return amount if isinstance(amount, int) else None
