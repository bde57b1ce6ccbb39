"""How long until a session, in words: "starts in 1 h 23 min".

The dashboard renders this for readers without JS; static/tandem/countdown.js computes the
same words in the browser every second, so keep the two in step.
"""

from __future__ import annotations

from datetime import datetime

MINUTE, HOUR, DAY = 60, 3600, 86400
SECONDS_UNDER = 10 * MINUTE  # closer than this, the seconds are shown too


def span(seconds: int) -> str:
    """A positive duration, its two largest units: "2 days 3 h", "1 h 23 min", "4 min 05 s"."""
    seconds = max(0, seconds)
    if seconds >= DAY:
        days, hours = seconds // DAY, seconds % DAY // HOUR
        text = f"{days} day" if days == 1 else f"{days} days"
        return f"{text} {hours} h" if hours else text
    if seconds >= HOUR:
        hours, minutes = seconds // HOUR, seconds % HOUR // MINUTE
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if seconds >= SECONDS_UNDER:
        return f"{seconds // MINUTE} min"
    if seconds >= MINUTE:
        return f"{seconds // MINUTE} min {seconds % MINUTE:02d} s"
    return f"{seconds} s"


def countdown_text(start: datetime, end: datetime, now: datetime) -> str:
    if now < start:
        return f"starts in {span(int((start - now).total_seconds()))}"
    if now < end:
        return f"under way, ends in {span(int((end - now).total_seconds()))}"
    return "has ended"
