"""Messaging's hand-written SQL: the one statement the ORM cannot express.

A conversation numbers its messages: adding one to the stored number and reading the result
must be one statement (`UPDATE ... RETURNING`), which also locks the conversation's row until
the transaction ends, so numbers are given out in commit order without gaps. Django's
`update()` returns a row count, not the new value. Everything else in messaging uses the ORM.
"""

from __future__ import annotations

from tandem.core import sql

_NEXT_SEQ = (
    "UPDATE messaging_conversation SET last_seq = last_seq + 1 WHERE id = %s RETURNING last_seq"
)


def take_next_seq(conversation_id: int) -> int:
    """The conversation's next message number (its row stays locked until commit)."""
    return int(sql.fetch(_NEXT_SEQ, [conversation_id])[0][0])
