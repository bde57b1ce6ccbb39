"""The one NinjaAPI: /api/v1. Routers from each app are mounted here."""

from tandem.accounts.api import router as accounts_router
from tandem.accounts.auth import api_auth
from tandem.availability.api import router as availability_router
from tandem.booking.api import router as booking_router
from tandem.booking.api_recommendations import router as recommendations_router
from tandem.coaches.api import router as coaches_router
from tandem.core.api_errors import install_error_handlers
from tandem.core.openapi import TandemAPI, operation_errors
from tandem.messaging.api import router as messaging_router
from tandem.notifications.api import router as notifications_router

# The 4xx an operation's service may give beyond those its shape implies (tandem/core/openapi.py
# infers 400/401/403/404/413 from parameters, body, auth and path); the document lists both.
OPERATION_ERRORS = operation_errors(
    # A coach's own things: someone without a coach profile is told there is none.
    (
        (404,),
        [
            "GET /me/coach",
            "PATCH /me/coach",
            "POST /me/coach/photo",
            "DELETE /me/coach/photo",
            "GET /me/session-types",
            "POST /me/session-types",
            "GET /me/availability",
            "PUT /me/availability",
            "GET /me/availability/preview",
            "POST /me/availability/preview",
            "GET /me/coach/reminders",
            "PUT /me/coach/reminders",
            "GET /me/coach/packages",
            "POST /me/coach/packages",
            "GET /me/coach/earnings",
            "GET /me/coach/payouts",
            "GET /me/coach/payment-settings",
            "PATCH /me/coach/payment-settings",
        ],
    ),
    # Something named in the body or query that does not exist (or is not yours), or none yet.
    (
        (404,),
        [
            "GET /me/coach-application",
            "POST /holds",
            "POST /bookings",
            "POST /conversations",
            "POST /checkout",
            "POST /gift-cards/issue",
            "POST /gift-cards/check",
            "POST /gift-cards/claim",
        ],
    ),
    # Only staff may see this.
    ((403,), ["GET /conversations"]),
    # The current state refuses it: a state machine, a limit, a taken time, a reused
    # Idempotency-Key, a closed edit window.
    (
        (409,),
        [
            "POST /tokens",
            "POST /coach-applications",
            "POST /coach-applications/{application_id}/certificate",
            "POST /staff/coach-applications/{application_id}/decision",
            "POST /me/session-types",
            "DELETE /me/session-types/{session_type_id}",
            "POST /holds",
            "POST /bookings",
            "POST /bookings/{booking_id}/reschedule",
            "POST /bookings/{booking_id}/cancel",
            "POST /bookings/{booking_id}/accept",
            "POST /bookings/{booking_id}/decline",
            "POST /bookings/{booking_id}/complete",
            "POST /bookings/{booking_id}/no-show",
            "POST /conversations/{conversation_id}/messages",
            "PATCH /conversations/{conversation_id}/messages/{message_id}",
            "DELETE /conversations/{conversation_id}/messages/{message_id}",
            "POST /conversations/{conversation_id}/messages/{message_id}/reactions",
            "DELETE /conversations/{conversation_id}/messages/{message_id}/reactions",
            "POST /dispatch/requests",
            "POST /dispatch/requests/{request_id}/withdraw",
            "POST /dispatch/offers/{offer_id}/accept",
            "POST /dispatch/offers/{offer_id}/decline",
            "POST /gift-cards",
            "POST /gift-cards/claim",
            "POST /gift-cards/{card_id}/transfer",
            "POST /packages/{offer_id}/buy",
            "POST /staff/payouts/{payout_id}/paid",
            "POST /checkout",
            "POST /payments/{payment_id}/mark-paid",
            "POST /payments/{payment_id}/refunds",
        ],
    ),
    # A paid session the chosen way of paying cannot cover.
    ((402,), ["POST /bookings", "POST /checkout"]),
    # Rate limits.
    ((429,), ["POST /auth/signup", "POST /gift-cards/check", "POST /gift-cards/claim"]),
)

api = TandemAPI(
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
    errors=OPERATION_ERRORS,
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
api.add_router("/", "tandem.payments.giftcards.api.router")
api.add_router("/", "tandem.payments.packages.api.router")
api.add_router("/", "tandem.payments.payouts.api.router")
api.add_router("/", "tandem.payments.history.api.router")
api.add_router("/", "tandem.payments.documents.api.router")
api.add_router("/", "tandem.payments.checkout.api.router")
api.add_router("/", "tandem.payments.payouts.settings_api.router")
api.add_router("/", "tandem.workspace.api.router")
api.add_router("/", "tandem.orgs.api.router")
