"""What organisations send people, through the notification centre and email (issue 18).

The contract other areas call (always after commit, with ids, never text a participant
wrote). The bodies are the participants area's (invitations) and budget alerts'.
"""

from __future__ import annotations

from datetime import datetime


def invitation(participant_id: int, raw_token: str, now: datetime) -> None:
    """Tell an invited person (by email; in the notification centre too when they already
    have an account) that <organisation> offers them coaching in <programme>, with the
    acceptance link /programmes/invitations/<raw_token>/."""
    raise NotImplementedError  # filled by the participants area (issue 18)


def budget_checked(programme_id: int, now: datetime) -> None:
    """After a programme's budget moved (a sponsored booking, a return, a funding): send
    the 80 % and the 100 % alert to the organisation's admins, each once (a conditional
    UPDATE of Programme.budget_alert_80_at / _100_at claims it)."""
    raise NotImplementedError  # filled by the participants area (issue 18)
