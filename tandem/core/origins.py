"""Which web pages may open a WebSocket to this site: only its own origins.

Channels' `AllowedHostsOriginValidator` compares the Origin's host with ALLOWED_HOSTS only,
so any other local web app (http://127.0.0.1:9999, http://localhost:1234) could open a
signed-in user's event stream with their cookies. Here the scheme, host and port must match
the public URL (TANDEM_SITE_URL) or one of CSRF_TRUSTED_ORIGINS, checked by Channels' own
`OriginValidator`.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from channels.security.websocket import OriginValidator
from django.conf import settings

from .links import site_origin

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def allowed_origins() -> list[str]:
    """The site's origin and CSRF_TRUSTED_ORIGINS, in Channels' pattern syntax (Django's
    "https://*.example.com" is Channels' "https://.example.com": the domain and subdomains).

    A site served on this machine (`make run`) is the same server under each loopback name
    with the same scheme and port: http://localhost:8000 is http://127.0.0.1:8000's page, but
    http://localhost:1234 is another app."""
    origin = site_origin()
    parts = urlsplit(origin)
    host = f"[{parts.hostname}]" if parts.hostname and ":" in parts.hostname else parts.hostname
    own = [origin]
    if host in LOOPBACK_NAMES:
        port = f":{parts.port}" if parts.port else ""
        own = [f"{parts.scheme}://{name}{port}" for name in LOOPBACK_NAMES]
    trusted = [o.replace("://*.", "://.", 1) for o in settings.CSRF_TRUSTED_ORIGINS]
    return [*own, *trusted]


class SiteOriginValidator:
    """ASGI middleware: refuse a WebSocket whose Origin is not one of the site's own.

    The list is read from settings on each connection (cheap), so it always agrees with
    the settings the rest of the request sees.
    """

    def __init__(self, application: Any) -> None:
        self.application = application

    async def __call__(self, scope: dict, receive: Any, send: Any) -> Any:
        return await OriginValidator(self.application, allowed_origins())(scope, receive, send)
