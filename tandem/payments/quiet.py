"""`without_emails()`: payment services issue documents and gift cards without mailing them.

For the demo practice: nobody reads its inboxes, and the console backend would print every
PDF and email to the terminal `make run` runs in.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

_emails_off: contextvars.ContextVar[bool] = contextvars.ContextVar("emails_off", default=False)


@contextlib.contextmanager
def without_emails() -> Iterator[None]:
    token = _emails_off.set(True)
    try:
        yield
    finally:
        _emails_off.reset(token)


def emails_on() -> bool:
    return not _emails_off.get()
