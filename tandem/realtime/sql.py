"""Realtime's hand-written SQL: the one statement the ORM cannot express.

Numbering a user's events needs an upsert that adds to the stored number and returns the
result (`INSERT ... ON CONFLICT DO UPDATE SET last_seq = last_seq + excluded ... RETURNING`),
for several users in one round trip; the ORM's `bulk_create(update_conflicts=True)` can only
overwrite a column with the new value. Everything else in realtime uses the ORM.
"""

from __future__ import annotations

from tandem.core import sql


def _next_seqs_statement(count: int) -> str:
    rows = ", ".join(["(%s, %s, 0)"] * count)
    return (
        f"INSERT INTO realtime_stream (user_id, last_seq, floor_seq) VALUES {rows}"
        " ON CONFLICT (user_id) DO UPDATE"
        " SET last_seq = realtime_stream.last_seq + excluded.last_seq"
        " RETURNING user_id, last_seq"
    )


def take_seqs(counts: dict[int, int]) -> dict[int, int]:
    """Take the next `counts[user]` numbers of each user's stream (creating it on its first
    event); returns each user's new last number. The rows stay locked until the transaction
    ends, so each user's numbers are given out in commit order, without gaps. Lock the
    users in one order (sorted) so that publishers never deadlock."""
    recipients = sorted(counts)
    params = [value for user_id in recipients for value in (user_id, counts[user_id])]
    return dict(sql.fetch(_next_seqs_statement(len(recipients)), params))
