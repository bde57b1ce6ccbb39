"""Wake-ups across processes in the embedded mode (no Redis).

The in-memory channel layer only reaches connections of its own process, so an event that
the task worker or the notification worker commits (a reminder, a dispatch timeout) would
reach open pages only at their next heartbeat. `manage.py serve` therefore gives its workers
the web process's address (TANDEM_WAKE_URL); a worker POSTs its wake-ups there, signed with
SECRET_KEY, and the web process passes them to its layer. The events themselves are already
committed: a lost or refused POST costs latency (until the heartbeat), never an event.

With REDIS_URL set none of this is used: the Redis layer reaches every process.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import urllib.request
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder

log = logging.getLogger(__name__)
HEADER = "X-Tandem-Wake-Signature"
TIMEOUT_SECONDS = 1.0
MAX_BODY = 1_000_000

# Direct connection to the local web process, whatever proxy the environment names.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def signature(body: bytes) -> str:
    key = hashlib.sha256(b"tandem wake bridge:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, body, hashlib.sha256).hexdigest()


def forward(events: dict[int, dict[str, Any]]) -> bool:
    """POST wake-ups to the web process; True when it took them."""
    url = settings.TANDEM_WAKE_URL
    if not url or not events:
        return False
    body = json.dumps({str(k): v for k, v in events.items()}, cls=DjangoJSONEncoder).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={"Content-Type": "application/json", HEADER: signature(body)},
    )
    try:
        with _opener.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status == 204
    except OSError as exc:  # the web process is restarting, or gone: the heartbeat covers it
        log.debug("wake bridge: %s", exc)
        return False


def accepted(body: bytes, given: str) -> dict[int, dict[str, Any]] | None:
    """The wake-ups in a signed POST body, or None if the signature or the shape is wrong."""
    if len(body) > MAX_BODY or not hmac.compare_digest(signature(body), given or ""):
        return None
    try:
        data = json.loads(body)
        return {int(k): v for k, v in data.items() if isinstance(v, dict)}
    except (ValueError, AttributeError, TypeError):
        return None
