"""ASGI entry point: HTTP through Django's own handler, WebSockets through Channels."""

import gc
import os
from importlib import import_module

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
# Set up Django (apps, settings) before anything below imports models.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from django.conf import settings  # noqa: E402

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
# lands on some unlucky request. Import the URLconf (every view and schema) now instead of on
# the first request, then move all of it to the permanent generation (gc.freeze, a public
# Python API): later collections only walk what requests create. Not a cache: every request
# still runs everything, through Django's own handler.
import_module(settings.ROOT_URLCONF)
gc.collect()
gc.freeze()
