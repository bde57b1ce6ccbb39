"""Every payments page, mounted at the site root: each sub-package's pages (checkout's include
the staff payment pages and the Stripe webhook). URL names and paths are the ones the pages
always had."""

from django.urls import include, path

urlpatterns = [
    # A booking's payment pages (/payments/<id>/pay/, /sessions/<id>/mark-paid/), the staff
    # payment pages (/staff/payments/) and the Stripe webhook (/webhooks/stripe).
    path("", include("tandem.payments.checkout.urls")),
    path("", include("tandem.payments.giftcards.urls")),  # /gift-cards/, /staff/gift-cards/
    path("", include("tandem.payments.payouts.urls")),  # /coach/earnings/, /staff/payouts/
    path("", include("tandem.payments.history.urls")),  # /payments/
    path("", include("tandem.payments.documents.urls")),  # /payments/documents/<id>.pdf
    path("", include("tandem.payments.packages.urls")),  # /coach/packages/, /packages/...
]
