"""Keep secrets and search text out of every log line.

Access logs (uvicorn.access) and Django's request logs (django.request, django.server) write
request paths with their query strings. Some of those carry credentials — a calendar feed's
token (/calendar/<token>.ics), allauth's email-confirmation and password-reset keys, any
`token=`/`key=`/`code=` parameter, an API token — or what a user searched their messages for
(`?q=`). `RedactSecrets` rewrites them to "[redacted]" in the record itself (its message and
each string argument, so formatters that read the arguments, like uvicorn's, still work),
including URL-encoded copies (a `next=` parameter holding another URL).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

REDACTED = "[redacted]"

_SLASH = r"(?:/|%2[Ff])"
# Path segments that are secrets: keep the route, hide the secret.
_PATHS = [
    re.compile(rf"({_SLASH}calendar{_SLASH})[^/?#&\s\"'%]+?(\.ics)"),
    re.compile(rf"({_SLASH}accounts{_SLASH}confirm-email{_SLASH})[^/?#&\s\"']+()"),
    re.compile(
        rf"({_SLASH}accounts{_SLASH}password{_SLASH}reset{_SLASH}key{_SLASH})[^/?#&\s\"']+()"
    ),
    # Coaching invitations (the page and POST /api/v1/workspace/invitations/<token>/accept).
    re.compile(rf"({_SLASH}workspace{_SLASH}invitations{_SLASH})[^/?#&\s\"']+()"),
]
# Query parameters whose values are secrets or search text, plain or URL-encoded.
_PARAMS = (
    "q|query|search|term|token|access_token|refresh_token|api_key|apikey|key|code|gift_card"
    "|secret|password|signature|sig"
)
_QUERY = re.compile(
    rf"((?:[?&;]|%3[Ff]|%26)(?:{_PARAMS})(?:=|%3[Dd]))(?:(?!%26)[^&#\s\"'])*", re.IGNORECASE
)
# Credentials wherever they appear: personal API tokens and bearer headers.
_TOKENS = re.compile(r"\b(?:tdm_[A-Za-z0-9_\-]+|(?<=Bearer )[A-Za-z0-9_\-.~+/=]+)")


def redact(text: str) -> str:
    for pattern in _PATHS:
        text = pattern.sub(rf"\g<1>{REDACTED}\g<2>", text)
    text = _QUERY.sub(rf"\g<1>{REDACTED}", text)
    return _TOKENS.sub(REDACTED, text)


class RedactSecrets(logging.Filter):
    """A logging filter that never drops a record, only redacts it (see the module doc)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        args = record.args
        if isinstance(args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in args)
        elif isinstance(args, Mapping):
            record.args = {k: redact(v) if isinstance(v, str) else v for k, v in args.items()}
        return True


# Loggers that write request paths. Django's are configured in settings.LOGGING; uvicorn
# configures its own loggers (and their handlers) before Django starts, so the filter is
# added to them in CoreConfig.ready() instead of replacing their handlers.
REQUEST_LOGGERS = ("django.request", "django.server", "django.channels.server")
SERVER_LOGGERS = ("uvicorn.access", "uvicorn.error", "daphne.access", "daphne.server")


def install_on_server_loggers() -> None:
    for name in SERVER_LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())
