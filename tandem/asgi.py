"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import gc
import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
django.setup(set_prefix=False)  # what get_asgi_application() does, before our handler

from django.urls import get_resolver  # noqa: E402

from tandem.core.asgi_handler import TandemASGIHandler  # noqa: E402

# Django's ASGIHandler, serving sync views in one thread hop (tandem/core/asgi_handler.py).
django_asgi_app = TandemASGIHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from tandem.core.body_limit import RequestBodyLimit  # noqa: E402
from tandem.core.origins import SiteOriginValidator  # noqa: E402

from .routing import websocket_urlpatterns  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Oversized bodies are refused before Django reads them.
        "http": RequestBodyLimit(django_asgi_app),
        # Only the site's own origins (scheme, host and port) may open a WebSocket.
        "websocket": SiteOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# Python's cyclic GC walks every live container in a full collection: with Django, the API
# schemas and the URLconf loaded that is ~100,000 objects and a pause of tens of ms, which
# lands on some unlucky request. Load the URLconf (every view and schema) now instead of on
# the first request, then move all of it to the permanent generation: later collections only
# walk what requests create. Not a cache: every request still runs everything.
get_resolver().url_patterns  # noqa: B018  (imports the views)
gc.collect()
gc.freeze()
