"""What Tandem notifies about, on which channels, and what is on unless the user says no.

One catalogue, read by the preference page, the API and the services, so a kind cannot be
offered on one and missing on another.
"""

from __future__ import annotations

from dataclasses import dataclass

INAPP, EMAIL, PUSH = "inapp", "email", "push"
CHANNELS: tuple[str, ...] = (INAPP, EMAIL, PUSH)
CHANNEL_LABELS = {INAPP: "In Tandem", EMAIL: "Email", PUSH: "Browser push"}


@dataclass(frozen=True, slots=True)
class Kind:
    code: str
    label: str
    urgent: bool  # urgent ones ignore quiet hours and the digest
    default_channels: frozenset[str]


KINDS: dict[str, Kind] = {
    k.code: k
    for k in (
        Kind("booking_made", "A session is booked or requested", False, frozenset(CHANNELS)),
        Kind("booking_changed", "A session is moved or accepted", False, frozenset(CHANNELS)),
        Kind("booking_cancelled", "A session is cancelled", False, frozenset(CHANNELS)),
        # Reminders are about a time: one held back until quiet hours end may be too late.
        Kind("reminder", "Session reminders", True, frozenset(CHANNELS)),
        # The Messages badge counts unread already; an entry per message would bury the rest.
        Kind("message", "New messages", False, frozenset({PUSH})),
        Kind("payment", "Payments and receipts", False, frozenset({INAPP, EMAIL})),
        # No "review" kind: Tandem has no reviews yet, and a setting for a feature that does
        # not exist claims one (issue 14). Add the kind with the feature.
        Kind("dispatch", "Book-now requests and answers", True, frozenset({INAPP, PUSH})),
        # Workspace action items due today / overdue (the workspace's reminder scan sends
        # them). Not urgent: a to-do can wait for quiet hours to end or for the digest.
        Kind("action_item", "Action items due", False, frozenset({INAPP, EMAIL})),
        # Sponsored coaching programmes (issue 18): an organisation's invitation to a person
        # who has an account, and the 80 % / 100 % budget alerts to the organisation's admins.
        # Not urgent: both wait for quiet hours to end (or the digest, for email).
        Kind(
            "programme",
            "Sponsored programmes",
            False,
            frozenset({INAPP, EMAIL}),
        ),
    )
}

BOOKING_CHANGE_KINDS = {
    "requested": "booking_made",
    "confirmed": "booking_made",
    "accepted": "booking_changed",
    "rescheduled": "booking_changed",
    "cancelled": "booking_cancelled",
    "declined": "booking_cancelled",
    "expired": "booking_cancelled",
}


def kind(code: str) -> Kind:
    return KINDS[code]
