"""What the dashboard's cards show, read from the apps that own the facts.

A card shows real data or is absent (issue 14): Messages (unread count and the latest
conversations, for everyone), Action items (anyone with open ones: due-today and overdue
counts, the next few), Clients and the set-up checklist (coaches), Your organisations (org
admins: their running programmes with seats used and budget left, linking to each
programme's dashboard, and members' sessions; aggregate-only). Each piece costs a fixed
number of queries, whatever the number of rows.
The page is composed here, above every app, as the views are.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tandem.accounts.models import Role
from tandem.booking import selectors as booking_selectors
from tandem.coaches import selectors as coach_selectors
from tandem.messaging import present as messaging_present
from tandem.messaging import selectors as messaging_selectors
from tandem.orgs import selectors as org_selectors
from tandem.payments.payouts.coach_settings import settings_of
from tandem.workspace.selectors import actions as workspace_actions

LATEST_CONVERSATIONS = 3
CLIENTS_SHOWN = 3


def _messages(user: Any) -> dict[str, Any]:
    """Three queries: the unread count, a page of conversations and their participants; with
    no conversation, one more for the people the user may already message (messaging's own
    rule), so the empty card offers them instead of saying to book first."""
    unread = messaging_selectors.unread_for(user)
    page = messaging_selectors.conversations_page(user, limit=LATEST_CONVERSATIONS)
    conversations = messaging_present.conversations_data(page.items, user)
    people = (
        []
        if conversations
        else messaging_selectors.people_to_message(user, limit=LATEST_CONVERSATIONS)
    )
    return {
        "unread": unread,
        "conversations": conversations,
        "people": people,
        "support_staff": messaging_selectors.is_support_staff(user),
    }


def _setup(user: Any) -> dict[str, Any] | None:
    """The coach's set-up checklist (two queries), or None without a coach profile."""
    coach = coach_selectors.coach_profile_for_setup(user)
    if coach is None:
        return None
    done_payments = settings_of(coach).pk is not None
    return {
        "coach": coach,
        "checklist": coach_selectors.setup_checklist(coach, payment_settings_done=done_payments),
    }


def dashboard_cards(user: Any, roles: frozenset[str], now: datetime) -> dict[str, Any]:
    is_coach = Role.COACH in roles
    cards: dict[str, Any] = {"inbox": _messages(user)}
    # Open action items assigned to the user (workspace), or None: the card is then absent.
    cards["actions"] = workspace_actions.dashboard_summary(user, now=now)
    if is_coach:
        cards["clients"] = booking_selectors.clients_of_coach(user, now, limit=CLIENTS_SHOWN)
        cards["setup"] = _setup(user)
    if Role.ORG_ADMIN in roles:
        cards["usage"] = org_selectors.usage_for_admin(user, now)
    return cards
