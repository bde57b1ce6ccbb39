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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string

from tandem.core.effects import send_email_once
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


def _verified_account(email: str) -> int | None:
    from allauth.account.models import EmailAddress

    return (
        EmailAddress.objects.filter(email__iexact=email, verified=True, user__is_active=True)
        .values_list("user_id", flat=True)
        .first()
    )


def invitation(participant_id: int, raw_token: str, now: datetime) -> None:
    """Tell an invited person (by email; in the notification centre too when they already
    have an account) that <organisation> offers them coaching in <programme>, with the
    acceptance link /programmes/invitations/<raw_token>/."""
    participant = (
        Participant.objects.select_related("programme__organisation")
        .filter(pk=participant_id)
        .first()
    )
    if participant is None or participant.status != Participant.Status.INVITED:
        return
    if not raw_token or participant.token_hash != _digest(raw_token):
        return  # a newer link replaced this one: only the newest is sent
    programme = participant.programme
    organisation = programme.organisation.name
    key = f"orgs:invitation:{participant.pk}:{participant.token_hash[:24]}"
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
    text = render_to_string("orgs/email/invitation.txt", context)
    html = render_to_string("orgs/email/invitation.html", context)
    subject = settings.ACCOUNT_EMAIL_SUBJECT_PREFIX + " ".join(
        f"{organisation} offers you coaching on Tandem".split()
    )
    message = EmailMultiAlternatives(
        subject=subject[:200],
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[participant.email],
        headers={"Auto-Submitted": "auto-generated"},
    )
    message.attach_alternative(html, "text/html")
    send_email_once(key, message)
    user_id = participant.user_id or _verified_account(participant.email)
    if user_id is not None:
        notify(
            user_ids=[user_id],
            kind=KIND,
            key=key,
            title=f"{organisation} offers you coaching",
            body=(
                f"You are invited to {programme.name}. Open the invitation email sent to "
                f"{participant.email} to accept your place."
            ),
            url=MY_PROGRAMMES,
            skip_channels=frozenset({"email"}),
            now=now,
        )


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
