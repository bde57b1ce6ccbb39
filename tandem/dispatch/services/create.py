"""A client asks for a session now: validate, rank the coaches, freeze the list, ask the first.

Ranking reads only and runs before the transaction (on SQLite a write transaction holds the
database's one write lock from its first statement: keep it short). The request, its first
offer, that offer's timeout job and both events are one transaction.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem.accounts.models import User
from tandem.coaches import selectors as coach_selectors
from tandem.core.errors import InvalidInput
from tandem.core.idempotency import checked_key

from ..models import DEFAULT_WITHIN_MINUTES, MAX_WITHIN_MINUTES, DispatchRequest
from ..ranking import rank_candidates
from .advance import advance
from .errors import IdempotencyKeyReused, RequestActive, UnknownSpecialty

MIN_DURATION, MAX_DURATION = 5, 24 * 60
MAX_SLUG = 60  # Specialty.slug's length

MESSAGES = {
    "required": "This field is required.",
    "wrong_type": "Wrong type.",
    "nul_character": "Text may not contain NUL characters.",
    "too_long": "Too long.",
    "out_of_range": "Out of range.",
}


@dataclass(frozen=True, slots=True)
class CreateOutcome:
    request: DispatchRequest
    replayed: bool  # an earlier POST with the same Idempotency-Key made this request


@dataclass(frozen=True, slots=True)
class _Input:
    specialty: str
    duration_minutes: int
    within_minutes: int

    def fingerprint(self) -> str:
        body = [self.specialty, self.duration_minutes, self.within_minutes]
        return hashlib.sha256(json.dumps(body).encode()).hexdigest()


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _validated(specialty: object, duration: object, within: object) -> _Input:
    """Every problem at once, as field codes (the page and the API show the same ones)."""
    fields: dict[str, list[str]] = {}
    if not isinstance(specialty, str):
        fields["specialty"] = ["wrong_type"]
    elif "\x00" in specialty:
        fields["specialty"] = ["nul_character"]
    elif len(specialty.strip()) > MAX_SLUG:
        fields["specialty"] = ["too_long"]
    elif not specialty.strip():
        fields["specialty"] = ["required"]
    for name, value, low, high in (
        ("duration_minutes", duration, MIN_DURATION, MAX_DURATION),
        ("within_minutes", within, 0, MAX_WITHIN_MINUTES),
    ):
        if not _is_int(value):
            fields[name] = ["wrong_type"]
        elif not low <= value <= high:  # type: ignore[operator]
            fields[name] = ["out_of_range"]
    if fields:
        path, codes = next(iter(fields.items()))
        raise InvalidInput(f"{path}: {MESSAGES[codes[0]]}", fields=fields)
    return _Input(specialty.strip(), duration, within)  # type: ignore[arg-type]


def _replay(client: User, key: str, fingerprint: str) -> DispatchRequest | None:
    earlier = DispatchRequest.objects.filter(client=client, idempotency_key=key).first()
    if earlier is not None and earlier.request_hash != fingerprint:
        raise IdempotencyKeyReused()
    return earlier


def _has_active(client: User) -> bool:
    return DispatchRequest.objects.filter(
        client=client, status__in=DispatchRequest.ACTIVE_STATUSES
    ).exists()


def dispatch_request_create(
    *,
    client: User,
    specialty: object,
    duration_minutes: object,
    within_minutes: object = DEFAULT_WITHIN_MINUTES,
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> CreateOutcome:
    """Ask for a session of `duration_minutes` in `specialty` (a slug) starting within
    `within_minutes` (0..120). With no coach to ask, the request is made exhausted at once.

    Raises InvalidInput (400 invalid, field codes), UnknownSpecialty (400), RequestActive
    (409) while another request of the client runs, IdempotencyKeyReused (409).
    """
    now = now or timezone.now()
    key = checked_key(idempotency_key)
    given = _validated(specialty, duration_minutes, within_minutes)
    fingerprint = given.fingerprint()
    if key and (earlier := _replay(client, key, fingerprint)):
        return CreateOutcome(earlier, replayed=True)
    found = coach_selectors.specialty_by_slug(given.specialty)
    if found is None:
        raise UnknownSpecialty(fields={"specialty": ["unknown"]})
    if _has_active(client):
        raise RequestActive()
    ranking = rank_candidates(
        client=client,
        specialty=found,
        duration_minutes=given.duration_minutes,
        window_minutes=given.within_minutes,
        now=now,
    )
    try:
        with transaction.atomic():
            request = DispatchRequest.objects.create(
                client=client,
                specialty=found,
                duration_minutes=given.duration_minutes,
                window_minutes=given.within_minutes,
                candidates=ranking.candidates,
                idempotency_key=key or "",
                request_hash=fingerprint if key else "",
                created_at=now,
                updated_at=now,
            )
            advance(request, now=now, empty_reason=ranking.empty_reason)
    except IntegrityError:
        # A racing POST with the same key made it, or another request started meanwhile.
        if key and (earlier := _replay(client, key, fingerprint)):
            return CreateOutcome(earlier, replayed=True)
        if _has_active(client):
            raise RequestActive() from None
        raise
    return CreateOutcome(request, replayed=False)
