"""The housekeeping sweeps: backstops for the work that is scheduled as a task at its due time
(a request's lapse, a card hold's end, a package's expiry, an export's deletion) and the
upkeep nothing else triggers (the directory's stored next free slot going stale as time
passes, old stream events and idempotency records).

Production runs each from a timer (deploy/systemd/tandem-sweep@.timer) or a Procfile loop;
`manage.py serve` (so `make run`) runs them all in one `housekeeping` child. Every sweep is
safe to run twice or concurrently.
"""

from __future__ import annotations

SWEEPS: tuple[str, ...] = (
    "booking_sweep", "money_sweep", "refresh_next_available", "messaging_sweep", "prune_events",
)  # fmt: skip

# How often serve's housekeeping child runs them (the timers' period).
EVERY_SECONDS = 300
