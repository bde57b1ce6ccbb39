"""Joining a programme by email domain: a signed-in person whose **verified** address is at a
programme's `join_domain` may take a seat in it themselves.

Matching: the part after the address's last "@", lower-cased (a trailing dot dropped), must
*equal* the programme's domain. No suffix or prefix match: `evilnorthwind.example`,
`northwind.example.evil` and `hr.northwind.example` do not match `northwind.example`. Only
verified addresses count (allauth's EmailAddress.verified): an account cannot claim a domain by
typing an address it does not own. Only active programmes that have not ended.

Joining takes a seat under the programme's row lock, like accepting an invitation: seated
participants (active + paused) are counted under the lock, so a race for the last seats never
over-fills (409 `programme_full`). Someone already seated there gets their seat back
(joining twice answers the same seat); an open invitation to one of their verified addresses
is accepted instead of adding a second row; someone the admin removed cannot come back by
the domain rule (403 `removed_from_programme`: the admin decides).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Count, Q

from tandem.core.errors import Conflict, NotFound, PermissionDenied

from ..access import _uuid
from ..models import Participant, Programme
from . import services as participants

Status = Participant.Status


class NotJoinable(NotFound):
    """No such programme to join."""

    code = "programme_not_found"


class RemovedFromProgramme(PermissionDenied):
    """You were removed from this programme: ask its organisation to invite you again."""

    code = "removed_from_programme"


class AlreadyJoined(Conflict):
    """You already have a place in this programme."""

    code = "already_in_programme"


def domain_of(email: str) -> str:
    """The domain of an address, lower-cased, without a trailing dot ("" if none)."""
    if not isinstance(email, str) or "@" not in email:
        return ""
    return email.rsplit("@", 1)[1].strip().lower().rstrip(".")


def normal_domain(value: str) -> str:
    return (value or "").strip().lower().rstrip(".")


def verified_addresses(user: Any) -> dict[str, str]:
    """The user's verified addresses by domain ({domain: address}, lower-cased)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return {}
    from allauth.account.models import EmailAddress

    found: dict[str, str] = {}
    for email in (
        EmailAddress.objects.filter(user_id=user.pk, verified=True)
        .order_by("-primary", "pk")
        .values_list("email", flat=True)
    ):
        domain = domain_of(email)
        if domain and domain not in found:
            found[domain] = email.lower()
    return found


@dataclass(frozen=True, slots=True)
class Joinable:
    programme: Programme
    email: str  # the verified address that matches
    seat: Participant | None  # the viewer's row there (any status), if any
    full: bool

    @property
    def joined(self) -> bool:
        return self.seat is not None and self.seat.status in Participant.SEATED

    @property
    def removed(self) -> bool:
        return self.seat is not None and self.seat.status == Status.REMOVED


def _open(now: datetime) -> Q:
    return Q(status=Programme.Status.ACTIVE, ends_on__gte=now.date())


def joinable_programmes(user: Any, *, now: datetime) -> list[Joinable]:
    """The programmes the user's verified addresses let them join (a constant number of
    queries), with their own row there and whether every seat is taken."""
    addresses = verified_addresses(user)
    if not addresses:
        return []
    domain_match = Q()
    for domain in addresses:
        domain_match |= Q(join_domain__iexact=domain)
    programmes = list(
        Programme.objects.filter(_open(now))
        .filter(domain_match)
        .exclude(join_domain="")
        .select_related("organisation")
        .order_by("organisation__name", "name", "pk")[:50]
    )
    if not programmes:
        return []
    emails = set(addresses.values())
    rows = Participant.objects.filter(programme__in=programmes).filter(
        Q(user_id=user.pk) | Q(email__in=emails)
    )
    mine: dict[int, Participant] = {}
    for row in rows.order_by("pk"):
        current = mine.get(row.programme_id)
        seated_now = row.status in Participant.SEATED
        if current is None or (seated_now and current.status not in Participant.SEATED):
            mine[row.programme_id] = row
    seated = dict(
        Participant.objects.filter(Participant.holding_seat(now), programme__in=programmes)
        .order_by()
        .values_list("programme_id")
        .annotate(n=Count("pk"))
    )
    out = []
    for programme in programmes:
        domain = normal_domain(programme.join_domain)
        if domain not in addresses:
            continue  # iexact matched but the normalised form did not (e.g. a trailing dot)
        out.append(
            Joinable(
                programme=programme,
                email=addresses[domain],
                seat=mine.get(programme.pk),
                full=seated.get(programme.pk, 0) >= programme.seats,
            )
        )
    return out


def programme_join(*, user: Any, programme_id: Any, now: datetime) -> Participant:
    """Take a seat in the programme `programme_id` (its public id) through the domain rule.

    404 `programme_not_found` unless the programme is open and one of the user's verified
    addresses is at its join domain (an unknown id answers the same); 409 `programme_full`;
    403 `removed_from_programme`. Joining twice answers the same seat."""
    pid = _uuid(programme_id)
    addresses = verified_addresses(user)
    if pid is None or not addresses:
        raise NotJoinable()
    found = (
        Programme.objects.filter(public_id=pid).exclude(join_domain="").values("pk", "join_domain")
    ).first()
    if found is None or normal_domain(found["join_domain"]) not in addresses:
        raise NotJoinable()
    email = addresses[normal_domain(found["join_domain"])]
    with transaction.atomic():
        programme = (
            Programme.objects.select_for_update(of=("self",))
            .select_related("organisation")
            .get(pk=found["pk"])
        )
        if not Programme.objects.filter(pk=programme.pk).filter(_open(now)).exists():
            raise participants.ProgrammeEnded()
        if normal_domain(programme.join_domain) != domain_of(email):
            raise NotJoinable()  # the domain changed meanwhile
        rows = list(
            Participant.objects.select_for_update(of=("self",))
            .filter(programme=programme)
            .filter(Q(user_id=user.pk) | Q(email=email))
            .order_by("pk")
        )
        for row in rows:
            if row.status in Participant.SEATED and row.user_id == user.pk:
                row.programme = programme
                return row
        if any(row.status == Status.REMOVED for row in rows):
            raise RemovedFromProgramme()
        if any(row.status in Participant.SEATED for row in rows):
            # The address is seated under another account: not this one's seat to take.
            raise AlreadyJoined("That address already has a place in this programme.")
        invited = next((row for row in rows if row.email == email), None)
        # An invitation's own reservation (a moved seat) is the seat it takes.
        mine = invited.pk if invited is not None else None
        if participants.seats_taken(programme, now, excluding=mine) >= programme.seats:
            raise participants.ProgrammeFull()
        if invited is not None:  # an open invitation to this address: accept it
            invited.user = user
            invited.status = Status.ACTIVE
            invited.seat_reserved = False
            invited.accepted_at = now
            invited.status_changed_at = now
            invited.token_hash = ""
            invited.save(
                update_fields=[
                    "user",
                    "status",
                    "seat_reserved",
                    "accepted_at",
                    "status_changed_at",
                    "token_hash",
                ]
            )
            row = invited
        else:
            try:
                with transaction.atomic():
                    row = Participant.objects.create(
                        programme=programme,
                        email=email,
                        name=user.name[: participants.MAX_NAME],
                        user=user,
                        status=Status.ACTIVE,
                        source=Participant.Source.DOMAIN,
                        invited_at=now,
                        accepted_at=now,
                        status_changed_at=now,
                    )
            except IntegrityError as exc:
                raise AlreadyJoined() from exc
    row.programme = programme
    return row
