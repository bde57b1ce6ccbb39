"""Participants, the sponsor admin's side: invite (one by one, or many at once for the CSV
import), resend, revoke, pause, resume, remove, move a seat; and the invited person's
acceptance.

Rules (each lives here only):
- An email is lower-cased and validated; an address already in the programme (invited,
  active or paused) is refused with 409 `already_in_programme`. A *removed* person may be
  invited again: their row (one per programme and email) goes back to invited with a new link.
- Invitations do not take seats: an admin may invite more people than there are seats; the
  first to accept get them, later ones are told the programme is full (409 `programme_full`).
- The link carries a random 256-bit token; only its SHA-256 is stored. It works for
  INVITATION_DAYS; resending makes a new link (the old one stops working).
- Accepting locks the programme's row and counts the seats taken (active, paused and
  reserved invitations) under it, so a race for the last seats never over-fills. The
  invited address must be a *verified* address of the accepting account (a forwarded link
  does not hand a seat to someone else): 403 `invitation_other_email` otherwise.
- Paused keeps the seat but cannot book; removed gives the seat back, and the person's open
  (future, active) sponsored bookings are cancelled by the booking's own cancellation service
  (see programmes/cancelling.py).
- Moving a seat: the seat holder is removed (their open sponsored bookings cancelled) and the
  new address is invited with the seat *reserved* for it, in one transaction. A reserved
  invitation counts against the seats (see Participant.holding_seat) while its link works, so
  another invitee cannot take that seat first; accepting uses it. Withdrawing the invitation
  gives the seat back; when the link expires the reservation lapses with it, and resending
  renews it only if a seat is still free. Moving to an address already invited reserves the
  seat for that invitation (with a fresh link).
- Everything a participant's change sends (invitation emails) goes out after commit.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from tandem.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from tandem.core.text import clean_text

from ..models import Participant, Programme

logger = logging.getLogger(__name__)

INVITATION_DAYS = 30
MAX_EMAIL = 254
MAX_NAME = 150
MAX_TOKEN = 200
MAX_ROWS = 20_000
Status = Participant.Status


class ParticipantNotFound(NotFound):
    """No such participant."""

    code = "participant_not_found"


class AlreadyInProgramme(Conflict):
    """That address is already in this programme."""

    code = "already_in_programme"


class ProgrammeEnded(Conflict):
    """This programme has ended."""

    code = "programme_ended"


class ProgrammeFull(Conflict):
    """This programme is full: every seat is taken. Ask its organisation for a seat."""

    code = "programme_full"


class InvitationNotFound(NotFound):
    """This invitation link is not valid (it may have been replaced by a newer one or
    withdrawn)."""

    code = "invitation_not_found"


class InvitationExpired(NotFound):
    """This invitation has expired. Ask the organisation to send a new one."""

    code = "invitation_expired"


class InvitationUsed(Conflict):
    """This invitation has already been accepted."""

    code = "invitation_used"


class InvitationOtherEmail(PermissionDenied):
    """This invitation was sent to another address: sign in with an account that has that
    address, verified."""

    code = "invitation_other_email"


class WrongStatus(Conflict):
    """The participant's status does not allow that."""

    code = "participant_status"


# --- small rules ---------------------------------------------------------------------------


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> tuple[str, str]:
    """(raw token for the link, its SHA-256 to store)."""
    raw = secrets.token_urlsafe(32)
    return raw, token_digest(raw)


def clean_email(value: Any, *, field: str = "email") -> str:
    if not isinstance(value, str):
        raise InvalidInput("Give an email address.", fields={field: ["Enter an email address."]})
    email = clean_text(value, field=field, max_length=MAX_EMAIL, required=True)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise InvalidInput(
            "Enter a valid email address.", fields={field: ["Enter a valid email address."]}
        ) from exc
    return email.lower()


def clean_name(value: Any, *, field: str = "name") -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInput("A name is text.", fields={field: ["A name is text."]})
    return clean_text(value, field=field, max_length=MAX_NAME)


def _open(programme: Programme, now: datetime) -> None:
    if programme.status != Programme.Status.ACTIVE or programme.ends_on < now.date():
        raise ProgrammeEnded()


def _send_invitations(pending: list[tuple[int, str]], now: datetime) -> None:
    """After commit: the notify contract, all of them over one connection (an import sends
    thousands). A failure to send must not undo the invitations: the admin can resend."""
    from .. import notify

    try:
        notify.invitations(pending, now)
    except Exception:
        logger.exception("Could not send %d invitation(s)", len(pending))


def _invite_on_commit(pairs: Iterable[tuple[int, str]], now: datetime) -> None:
    pending = list(pairs)
    if pending:
        transaction.on_commit(lambda: _send_invitations(pending, now))


def seats_taken(programme: Programme, now: datetime, *, excluding: int | None = None) -> int:
    """Seats counted against Programme.seats at `now` (call under the programme's lock).
    `excluding`: a participant whose own reservation should not count (the one accepting)."""
    rows = Participant.objects.filter(Participant.holding_seat(now), programme=programme)
    if excluding is not None:
        rows = rows.exclude(pk=excluding)
    return rows.count()


def _locked_programme(programme_pk: int) -> Programme:
    return (
        Programme.objects.select_for_update(of=("self",))
        .select_related("organisation")
        .get(pk=programme_pk)
    )


def _locked_participant(participant_pk: int) -> Participant:
    return (
        Participant.objects.select_for_update(of=("self",))
        .select_related("programme__organisation")
        .get(pk=participant_pk)
    )


# --- inviting ------------------------------------------------------------------------------


def _reinvite(
    row: Participant, name: str, source: str, digest: str, now: datetime, reserve: bool = False
) -> None:
    row.status = Status.INVITED
    row.seat_reserved = reserve
    row.name = name or row.name
    row.source = source
    row.user = None
    row.token_hash = digest
    row.invited_at = now
    row.invite_expires_at = now + timedelta(days=INVITATION_DAYS)
    row.accepted_at = None
    row.status_changed_at = now
    row.coach = None
    row.matched_at = None
    row.save(
        update_fields=[
            "status",
            "seat_reserved",
            "name",
            "source",
            "user",
            "token_hash",
            "invited_at",
            "invite_expires_at",
            "accepted_at",
            "status_changed_at",
            "coach",
            "matched_at",
        ]
    )


def participant_invite(
    *,
    programme: Programme,
    email: Any,
    name: Any = "",
    actor: Any,
    now: datetime,
    source: str = Participant.Source.INVITE,
    reserve_seat: bool = False,
) -> Participant:
    """Invite `email` to `programme` (the link works INVITATION_DAYS). 409
    `already_in_programme` when the address is invited, active or paused there; a removed
    person is invited again. 409 `programme_ended` on an ended programme. The invitation is
    sent (notify.invitation) after commit. `reserve_seat` is participant_move's: the caller
    has freed a seat under the same lock and keeps it for this invitation."""
    email = clean_email(email)
    name = clean_name(name)
    raw, digest = new_token()
    with transaction.atomic():
        programme = _locked_programme(programme.pk)
        _open(programme, now)
        existing = (
            Participant.objects.select_for_update(of=("self",))
            .filter(programme=programme, email=email)
            .first()
        )
        if existing is not None and existing.status != Status.REMOVED:
            raise AlreadyInProgramme(
                f"{email} is already in this programme ({existing.get_status_display().lower()}).",
                fields={"email": ["Already in this programme."]},
            )
        if existing is not None:
            _reinvite(existing, name, source, digest, now, reserve=reserve_seat)
            participant = existing
        else:
            try:
                with transaction.atomic():
                    participant = Participant.objects.create(
                        programme=programme,
                        email=email,
                        name=name,
                        source=source,
                        token_hash=digest,
                        invited_at=now,
                        invite_expires_at=now + timedelta(days=INVITATION_DAYS),
                        status_changed_at=now,
                        seat_reserved=reserve_seat,
                    )
            except IntegrityError as exc:  # a concurrent invite of the same address
                raise AlreadyInProgramme(
                    f"{email} is already in this programme.",
                    fields={"email": ["Already in this programme."]},
                ) from exc
        _invite_on_commit([(participant.pk, raw)], now)
    participant.programme = programme
    return participant


def participant_add_many(
    *,
    programme: Programme,
    rows: Sequence[tuple[str, str]],
    source: str = Participant.Source.CSV,
    actor: Any,
    now: datetime,
) -> list[Participant]:
    """Invite many people at once (the CSV import's last step). All or nothing.

    Contract (for participants/imports.py):
    - `rows`: a sequence of (email, name) the caller has validated row by row already;
      they are checked again here (lower-cased, valid, at most MAX_EMAIL / MAX_NAME
      characters, no NUL), and an invalid one raises InvalidInput (400) with
      `fields={"rows": ["<index>: <message>", ...]}` (0-based index into `rows`).
    - A repeated address inside `rows`, or an address already invited/active/paused in the
      programme, refuses the whole call: 409 `already_in_programme` with
      `fields={"emails": [<the addresses>]}` (at most 100 listed). People who were *removed*
      are invited again (as participant_invite does).
    - An ended programme: 409 `programme_ended`. More than MAX_ROWS rows: 400.
    - Nothing is written unless every row is: one transaction under the programme's lock.
    - Seats are not checked (invitations do not hold seats; acceptance does).
    - Returns the participants in `rows` order. Each invitation is sent with
      notify.invitation(participant.pk, raw_token, now) after the commit (one call per row).
    - `source`: Participant.Source.CSV for the import (any Participant.Source value).
    """
    if source not in Participant.Source.values:
        raise InvalidInput("Unknown source.", fields={"source": ["invalid"]})
    if len(rows) > MAX_ROWS:
        raise InvalidInput(f"At most {MAX_ROWS} people at once.", fields={"rows": ["too many"]})
    cleaned: list[tuple[str, str]] = []
    problems: list[str] = []
    for index, row in enumerate(rows):
        try:
            email_value, name_value = row
            cleaned.append((clean_email(email_value), clean_name(name_value)))
        except (InvalidInput, TypeError, ValueError) as exc:
            problems.append(f"{index}: {getattr(exc, 'message', 'not an (email, name) pair')}")
    if problems:
        raise InvalidInput("Some rows are not valid.", fields={"rows": problems[:100]})
    seen: set[str] = set()
    repeated = [email for email, _ in cleaned if email in seen or seen.add(email)]  # type: ignore[func-returns-value]
    if repeated:
        raise AlreadyInProgramme(
            "Some addresses appear more than once.", fields={"emails": sorted(set(repeated))[:100]}
        )
    if not cleaned:
        return []
    with transaction.atomic():
        programme = _locked_programme(programme.pk)
        _open(programme, now)
        emails = [email for email, _ in cleaned]
        existing: dict[str, Participant] = {}
        for start in range(0, len(emails), 500):
            for found in Participant.objects.select_for_update(of=("self",)).filter(
                programme=programme, email__in=emails[start : start + 500]
            ):
                existing[found.email] = found
        taken = sorted(e for e, found in existing.items() if found.status != Status.REMOVED)
        if taken:
            raise AlreadyInProgramme(
                f"{len(taken)} of these addresses are already in this programme.",
                fields={"emails": taken[:100]},
            )
        tokens: dict[str, tuple[str, str]] = {email: new_token() for email in emails}
        expires = now + timedelta(days=INVITATION_DAYS)
        new_rows = [
            Participant(
                programme=programme,
                email=email,
                name=name,
                source=source,
                token_hash=tokens[email][1],
                invited_at=now,
                invite_expires_at=expires,
                status_changed_at=now,
            )
            for email, name in cleaned
            if email not in existing
        ]
        try:
            with transaction.atomic():
                Participant.objects.bulk_create(new_rows, batch_size=500)
        except IntegrityError as exc:  # a concurrent invite of one of these addresses
            raise AlreadyInProgramme("Some of these addresses were just invited.") from exc
        for email, name in cleaned:
            if email in existing:
                _reinvite(existing[email], name, source, tokens[email][1], now)
        by_email = {
            row.email: row
            for start in range(0, len(emails), 500)
            for row in Participant.objects.filter(
                programme=programme, email__in=emails[start : start + 500]
            )
        }
        made = [by_email[email] for email in emails]
        _invite_on_commit(((row.pk, tokens[row.email][0]) for row in made), now)
    return made


def participant_resend(*, participant: Participant, actor: Any, now: datetime) -> Participant:
    """A new link for an open invitation (the old link stops working; 30 days again).
    409 `participant_status` unless the person is invited. A reserved seat is kept; one
    whose link had expired is taken up again only if a seat is still free (otherwise the
    invitation goes out without it, like any other)."""
    raw, digest = new_token()
    with transaction.atomic():
        programme = _locked_programme(participant.programme_id)
        row = _locked_participant(participant.pk)
        _open(programme, now)
        if row.status != Status.INVITED:
            raise WrongStatus("Only an open invitation can be sent again.")
        if row.seat_reserved and not row.holds_reservation(now):
            row.seat_reserved = seats_taken(programme, now, excluding=row.pk) < programme.seats
        row.token_hash = digest
        row.invited_at = now
        row.invite_expires_at = now + timedelta(days=INVITATION_DAYS)
        row.save(update_fields=["token_hash", "invited_at", "invite_expires_at", "seat_reserved"])
        _invite_on_commit([(row.pk, raw)], now)
    return row


def participant_revoke(*, participant: Participant, actor: Any, now: datetime) -> Participant:
    """Withdraw an open invitation: the link stops working (the row shows as removed and
    the address may be invited again). 409 `participant_status` unless invited."""
    with transaction.atomic():
        row = _locked_participant(participant.pk)
        if row.status != Status.INVITED:
            raise WrongStatus("Only an open invitation can be withdrawn.")
        _set_status(row, Status.REMOVED, now, clear_token=True)
    return row


def _set_status(row: Participant, status: str, now: datetime, *, clear_token: bool = False) -> None:
    row.status = status
    row.status_changed_at = now
    row.seat_reserved = row.seat_reserved and status == Status.INVITED
    fields = ["status", "status_changed_at", "seat_reserved"]
    if clear_token:
        row.token_hash = ""
        row.invite_expires_at = None
        fields += ["token_hash", "invite_expires_at"]
    row.save(update_fields=fields)


def participant_pause(*, participant: Participant, actor: Any, now: datetime) -> Participant:
    """Paused keeps the seat but cannot book new sponsored sessions (booked ones stay).
    409 `participant_status` unless active."""
    with transaction.atomic():
        row = _locked_participant(participant.pk)
        _open(row.programme, now)
        if row.status != Status.ACTIVE:
            raise WrongStatus("Only an active participant can be paused.")
        _set_status(row, Status.PAUSED, now)
    return row


def participant_resume(*, participant: Participant, actor: Any, now: datetime) -> Participant:
    """409 `participant_status` unless paused."""
    with transaction.atomic():
        row = _locked_participant(participant.pk)
        _open(row.programme, now)
        if row.status != Status.PAUSED:
            raise WrongStatus("Only a paused participant can be resumed.")
        _set_status(row, Status.ACTIVE, now)
    return row


def participant_remove(*, participant: Participant, actor: Any, now: datetime) -> Participant:
    """Remove someone holding a seat (active or paused) or invited: the seat is given back
    and their open sponsored bookings are cancelled under the booking's cancellation policy
    (after the removal commits: the booking locks its coach first). 409 `participant_status`
    when already removed."""
    from ..programmes.cancelling import cancel_open_sponsored

    with transaction.atomic():
        row = _locked_participant(participant.pk)
        if row.status == Status.REMOVED:
            raise WrongStatus("This person is already removed.")
        seated = row.status in Participant.SEATED
        _set_status(row, Status.REMOVED, now, clear_token=True)
    if seated:
        cancel_open_sponsored(participant_ids=[row.pk], now=now)
    return row


def participant_move(
    *, participant: Participant, email: Any, name: Any = "", actor: Any, now: datetime
) -> Participant:
    """Give a seat holder's seat to another address: the holder is removed (their open
    sponsored bookings cancelled after commit) and `email` is invited with the seat reserved
    for it, in one transaction under the programme's lock, so no other invitee can take that
    seat first. An address with an open invitation keeps its row: the seat is reserved for
    it and a fresh link goes out. Returns the invitation.

    409 `participant_status` unless the holder is active or paused; 409
    `already_in_programme` when `email` is active or paused there already (nothing changes:
    the holder keeps the seat); 400 for the holder's own address."""
    from ..programmes.cancelling import cancel_open_sponsored

    email = clean_email(email)
    name = clean_name(name)
    with transaction.atomic():
        programme = _locked_programme(participant.programme_id)  # programme first, as accepting
        row = _locked_participant(participant.pk)
        _open(programme, now)
        if row.status not in Participant.SEATED:
            raise WrongStatus("Only a participant holding a seat can give it to someone else.")
        if row.email == email:
            raise InvalidInput(
                "That is the seat holder's own address.", fields={"email": ["Same address."]}
            )
        waiting = (
            Participant.objects.select_for_update(of=("self",))
            .filter(programme=programme, email=email, status=Status.INVITED)
            .first()
        )
        if waiting is not None and waiting.holds_reservation(now):
            raise AlreadyInProgramme(
                f"A seat is already held for {email}.", fields={"email": ["Seat already held."]}
            )
        _set_status(row, Status.REMOVED, now, clear_token=True)
        if waiting is None:
            invited = participant_invite(
                programme=programme,
                email=email,
                name=name,
                actor=actor,
                now=now,
                reserve_seat=True,
            )
        else:
            raw, digest = new_token()
            _reinvite(waiting, name, waiting.source, digest, now, reserve=True)
            _invite_on_commit([(waiting.pk, raw)], now)
            invited = waiting
    cancel_open_sponsored(participant_ids=[row.pk], now=now)
    invited.programme = programme
    return invited


# --- accepting -----------------------------------------------------------------------------


def participant_by_token(token: Any) -> Participant | None:
    """The participant an invitation link names (any status), with its programme and
    organisation; None if the token is malformed or unknown."""
    if not isinstance(token, str) or not token or len(token) > MAX_TOKEN or "\x00" in token:
        return None
    return (
        Participant.objects.select_related("programme__organisation")
        .filter(token_hash=token_digest(token))
        .first()
    )


def has_verified_email(user: Any, email: str) -> bool:
    from allauth.account.models import EmailAddress

    return EmailAddress.objects.filter(user_id=user.pk, email__iexact=email, verified=True).exists()


def invitation_accept(*, raw_token: Any, user: Any, now: datetime) -> Participant:
    """Accept the invitation this link names, as the signed-in `user`: they take a seat.

    404 `invitation_not_found` (unknown, replaced, withdrawn) or `invitation_expired`;
    409 `programme_ended`; 403 `invitation_other_email` unless the invited address is a
    verified address of `user`; 409 `invitation_used` if someone else accepted it; 409
    `programme_full` when every seat is taken (counted under the programme's row lock, so a
    race for the last seats never over-fills). Accepting twice answers the same seat."""
    found = participant_by_token(raw_token)
    if found is None:
        raise InvitationNotFound()
    with transaction.atomic():
        # Programme first, then the participant: the same order as every seat change.
        programme = _locked_programme(found.programme_id)
        row = _locked_participant(found.pk)
        if row.token_hash != found.token_hash or row.status == Status.REMOVED:
            raise InvitationNotFound()
        if row.status in Participant.SEATED:
            if row.user_id == user.pk:
                return row
            raise InvitationUsed()
        if row.invite_expires_at is not None and row.invite_expires_at <= now:
            raise InvitationExpired()
        _open(programme, now)
        if not has_verified_email(user, row.email):
            raise InvitationOtherEmail()
        if (
            Participant.objects.filter(programme=programme, user_id=user.pk)
            .exclude(pk=row.pk)
            .exclude(status=Status.REMOVED)
            .exists()
        ):
            raise Conflict(
                "You already have a place in this programme.", code="already_in_programme"
            )
        # This invitation's own reservation (a moved seat) is the seat it takes.
        if seats_taken(programme, now, excluding=row.pk) >= programme.seats:
            raise ProgrammeFull()
        # A removed row of the same person under another address holds the (programme,
        # user) pair: release it so this seat can take it.
        Participant.objects.filter(programme=programme, user_id=user.pk).exclude(pk=row.pk).update(
            user=None
        )
        row.user = user
        row.status = Status.ACTIVE
        row.seat_reserved = False
        row.accepted_at = now
        row.status_changed_at = now
        row.save(
            update_fields=["user", "status", "seat_reserved", "accepted_at", "status_changed_at"]
        )
    row.programme = programme
    return row
