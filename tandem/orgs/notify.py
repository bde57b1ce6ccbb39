"""What organisations send people, through the notification centre and email (issue 18).

The contract other areas call (always after commit, with ids, never text a participant
wrote). Nothing here names a participant or carries anything a participant wrote: an
invitation says which organisation offers which programme; a budget alert gives the
programme's totals only.

Invitations
- The email goes to the invited address itself, whatever the person's notification settings
  (it is the only way someone without an account hears of it), with the acceptance link
  built from TANDEM_SITE_URL. Sent once per link: `send_email_once` keyed by the participant
  and the link's digest, so a job that runs twice sends it once (with a stable Message-ID),
  and a resend (a new link) is a new email.
- When the address is a *verified* address of an account, that account also gets an entry in
  the notification centre (kind `programme`, its preferences and quiet hours apply; email is
  skipped there since the invitation email already went). The entry links to /programmes/,
  never to the link itself: notifications are stored in clear, and the raw token must live
  only in the email (only its SHA-256 is stored).

Budget alerts
- `budget_checked` reads the budget from the ledger (payments' selector), and when spent
  reaches 80 % / 100 % of what was funded, claims the alert with a conditional UPDATE of
  `budget_alert_80_at` / `budget_alert_100_at` (still NULL) and notifies every admin of the
  organisation (kind `programme`: in the centre and by email, after their quiet hours) in the
  same transaction: two workers never send it twice, and a crash sends neither half.
  A jump from under 80 % to 100 % at once sends the 100 % alert only (both are claimed).
- **Re-arming**: when funding brings spending back under a threshold, that alert's mark is
  cleared (conditionally too), so crossing it again alerts again. A budget topped up and
  spent down again is news the admins want each time; they are never told twice about one
  crossing.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models.functions import Lower
from django.template.loader import get_template

from tandem.core.effects import effects_done, message_id, record_effect
from tandem.core.links import site_url
from tandem.notifications.services import notify
from tandem.payments.ledger.money import format_minor

from .models import Membership, Participant, Programme

logger = logging.getLogger(__name__)

KIND = "programme"
ACCEPT_PATH = "/programmes/invitations/{token}/"
MY_PROGRAMMES = "/programmes/"
BUDGET_PATH = "/org/programmes/{programme_id}/budget/"
LEVELS = (80, 100)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _verified_accounts(emails: Iterable[str]) -> dict[str, int]:
    """{lower-cased address: user id} of active accounts that verified the address."""
    from allauth.account.models import EmailAddress

    wanted = sorted({email.lower() for email in emails})
    found: dict[str, int] = {}
    for chunk in _chunks(wanted):
        rows = (
            EmailAddress.objects.filter(verified=True, user__is_active=True)
            .annotate(address=Lower("email"))
            .filter(address__in=chunk)
        )
        for email, user_id in rows.values_list("address", "user_id").order_by("pk"):
            found.setdefault(email, user_id)
    return found


def _chunks(items: Sequence[Any], size: int = 500) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def invitation(participant_id: int, raw_token: str, now: datetime) -> None:
    """Tell an invited person (by email; in the notification centre too when they already
    have an account) that <organisation> offers them coaching in <programme>, with the
    acceptance link /programmes/invitations/<raw_token>/."""
    invitations([(participant_id, raw_token)], now)


def invitations(pairs: Sequence[tuple[int, str]], now: datetime) -> None:
    """`invitation` for many (participant id, raw token) pairs at once (the CSV import's
    thousands): a constant number of queries to load them, one SMTP connection, then one
    record per email sent. A failed send is logged and the rest still go (a rerun, or the
    admin's resend, sends the missing ones: what was sent is recorded)."""
    tokens = {pk: token for pk, token in pairs if isinstance(token, str) and token}
    participants: list[Participant] = []
    for chunk in _chunks(sorted(tokens)):
        participants.extend(
            Participant.objects.select_related("programme__organisation")
            .filter(pk__in=chunk, status=Participant.Status.INVITED)
            .order_by("pk")
        )
    # Only the newest link of each is sent (a resend replaced an older one).
    participants = [p for p in participants if p.token_hash == _digest(tokens[p.pk])]
    if not participants:
        return
    keys = {p.pk: f"orgs:invitation:{p.pk}:{p.token_hash[:24]}" for p in participants}
    done: set[str] = set()
    for chunk in _chunks(sorted(keys.values())):
        done |= effects_done(chunk)
    accounts = _verified_accounts(p.email for p in participants if p.user_id is None)
    text_template = get_template("orgs/email/invitation.txt")
    html_template = get_template("orgs/email/invitation.html")
    connection = get_connection()
    try:
        for participant in participants:
            key = keys[participant.pk]
            if key in done:
                continue
            message = _invitation_message(
                participant, tokens[participant.pk], text_template, html_template
            )
            message.connection = connection
            message.extra_headers["Message-ID"] = message_id(key)
            try:
                message.send()
            except Exception:
                logger.exception("Could not email the invitation of participant %s", participant.pk)
                connection.close()
                connection = get_connection()
                continue
            record_effect(key, now=now)
    finally:
        connection.close()
    for participant in participants:
        user_id = participant.user_id or accounts.get(participant.email.lower())
        if user_id is None:
            continue
        programme = participant.programme
        notify(
            user_ids=[user_id],
            kind=KIND,
            key=keys[participant.pk],
            title=f"{programme.organisation.name} offers you coaching",
            body=(
                f"You are invited to {programme.name}. Open the invitation email sent to "
                f"{participant.email} to accept your place."
            ),
            url=MY_PROGRAMMES,
            skip_channels=frozenset({"email"}),
            now=now,
        )


def _invitation_message(
    participant: Participant, raw_token: str, text_template: Any, html_template: Any
) -> EmailMultiAlternatives:
    programme = participant.programme
    organisation = programme.organisation.name
    context = {
        "organisation": organisation,
        "programme": programme.name,
        "sessions": programme.sessions_per_participant,
        "starts_on": programme.starts_on,
        "ends_on": programme.ends_on,
        "accept_url": site_url(ACCEPT_PATH.format(token=raw_token)),
        "expires_at": participant.invite_expires_at,
        "site_url": site_url(""),
    }
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(
        f"{organisation} offers you coaching on Tandem".split()
    )
    message = EmailMultiAlternatives(
        subject=subject[:200],
        body=text_template.render(context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[participant.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html_template.render(context), "text/html")
    return message


# --- budget alerts -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Usage:
    funded: int  # minor units put into the budget (card, invoice, credit)
    spent: int  # minor units drawn by sponsored sessions, net of returns

    def reached(self, level: int) -> bool:
        return self.funded > 0 and self.spent * 100 >= self.funded * level


def usage(programme: Programme) -> Usage | None:
    """Spent and funded, from payments' budget selector; None until it exists."""
    try:
        from tandem.payments.sponsors.selectors import budget
    except ImportError:
        logger.debug("no budget selector yet: budget alerts of %s skipped", programme.pk)
        return None
    found: Any = budget(programme.budget_owner, programme.currency)
    funded = int(getattr(found, "funded", 0) or 0)
    if hasattr(found, "spent"):
        spent = int(found.spent or 0)
    else:  # only a balance: what is not left was spent
        spent = funded - int(getattr(found, "balance", funded) or 0)
    return Usage(funded=funded, spent=max(spent, 0))


def _field(level: int) -> str:
    return f"budget_alert_{level}_at"


def admin_ids(programme: Programme) -> list[int]:
    return list(
        Membership.objects.filter(
            organisation_id=programme.organisation_id,
            role=Membership.Role.ADMIN,
            user__is_active=True,
        )
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )


def budget_checked(programme_id: int, now: datetime) -> None:
    """After a programme's budget moved (a sponsored booking, a return, a funding): send
    the 80 % and the 100 % alert to the organisation's admins, each once (a conditional
    UPDATE of Programme.budget_alert_80_at / _100_at claims it); re-arm an alert whose
    threshold the budget is back under."""
    programme = Programme.objects.select_related("organisation").filter(pk=programme_id).first()
    if programme is None:
        return
    found = usage(programme)
    if found is None:
        return
    rows = Programme.objects.filter(pk=programme.pk)
    for level in LEVELS:
        if not found.reached(level) and getattr(programme, _field(level)) is not None:
            rows.filter(**{f"{_field(level)}__isnull": False}).update(**{_field(level): None})
    reached = [level for level in LEVELS if found.reached(level)]
    if not reached:
        return
    with transaction.atomic():
        claimed = [
            level
            for level in reached
            if rows.filter(**{f"{_field(level)}__isnull": True}).update(**{_field(level): now})
        ]
        if not claimed:
            return
        level = max(claimed)
        spent = format_minor(found.spent, programme.currency)
        funded = format_minor(found.funded, programme.currency)
        if level >= 100:
            title = f"{programme.name} has used all of its budget"
            body = (
                f"{spent} of {funded} is spent: sponsored sessions can no longer be booked "
                "until you add funds."
            )
        else:
            title = f"{programme.name} has used {level} % of its budget"
            body = f"{spent} of {funded} is spent. Add funds to keep sessions covered."
        notify(
            user_ids=admin_ids(programme),
            kind=KIND,
            key=f"orgs:budget:{programme.pk}:{level}:{now.isoformat()}",
            title=title,
            body=f"{body} ({programme.organisation.name})",
            url=BUDGET_PATH.format(programme_id=programme.public_id),
            now=now,
        )
