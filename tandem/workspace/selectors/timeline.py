"""The client file's timeline: each area contributes `timeline_items(engagement, viewer)`;
the engagements area merges them newest first. Items carry no private text the viewer may
not see (a private note's item exists only for the coach)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class TimelineItem:
    at: datetime
    area: str  # "session", "goal", "checkin", "note", "action", "journal", "engagement"
    title: str  # short, already safe for this viewer (decrypted plaintext they may see)
    url: str = ""
    detail: str = ""
