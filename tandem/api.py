"""The one NinjaAPI: /api/v1. Routers from each app are mounted here."""

from ninja import NinjaAPI

from tandem.accounts.api import router as accounts_router
from tandem.accounts.auth import api_auth
from tandem.availability.api import router as availability_router
from tandem.booking.api import router as booking_router
from tandem.booking.api_recommendations import router as recommendations_router
from tandem.coaches.api import router as coaches_router
from tandem.core.api_errors import install_error_handlers
from tandem.messaging.api import router as messaging_router
from tandem.notifications.api import router as notifications_router

api = NinjaAPI(
    title="Tandem API",
    version="1",
    description=(
        "Authenticate with the browser session or `Authorization: Bearer <token>` using a "
        'personal API token. Every 4xx answers `{"error": {"code", "message", "fields"}}`.'
    ),
    auth=api_auth,
    urls_namespace="api",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)
api.add_router("/", accounts_router)
api.add_router("/", coaches_router)
api.add_router("/", availability_router)
api.add_router("/", recommendations_router)
api.add_router("/", booking_router)
api.add_router("/", messaging_router)
api.add_router("/", notifications_router)
api.add_router("/", "tandem.dispatch.api.router")
api.add_router("/", "tandem.payments.api_giftcards.router")
api.add_router("/", "tandem.payments.api_packages.router")
api.add_router("/", "tandem.payments.api_money.router")
api.add_router("/", "tandem.payments.api_checkout.router")
api.add_router("/", "tandem.payments.api_settings.router")
