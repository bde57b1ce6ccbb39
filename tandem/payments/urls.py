"""Every payments page, mounted at the site root: each sub-package's pages, the staff payment
pages and the Stripe webhook. URL names and paths are the ones the pages always had."""

from django.urls import include, path

from .checkout import views as checkout_views
from .checkout import webhooks

urlpatterns = [
    # A booking's payment pages: /payments/<id>/pay/ and /sessions/<id>/mark-paid/.
    path("", include("tandem.payments.checkout.urls")),
    path("", include("tandem.payments.giftcards.urls")),  # /gift-cards/, /staff/gift-cards/
    path("", include("tandem.payments.payouts.urls")),  # /coach/earnings/, /staff/payouts/
    path("staff/payments/", checkout_views.staff_payments, name="staff_payments"),
    path(
        "staff/payments/<uuid:payment_id>/",
        checkout_views.staff_payment,
        name="staff_payment",
    ),
    path("", include("tandem.payments.history.urls")),  # /payments/
    path("", include("tandem.payments.documents.urls")),  # /payments/documents/<id>.pdf
    path("", include("tandem.payments.packages.urls")),  # /coach/packages/, /packages/...
    path("webhooks/stripe", webhooks.stripe_webhook, name="stripe_webhook"),
]
