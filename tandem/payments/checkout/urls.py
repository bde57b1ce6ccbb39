"""Checkout's pages (mounted at the site root): a booking's card pay page and "Mark invoice
paid" on a session, the staff payment pages, and the Stripe webhook."""

from django.urls import path

from . import booking_views, views, webhooks

urlpatterns = [
    path("payments/<uuid:payment_id>/pay/", booking_views.payment_pay, name="payment_pay"),
    path(
        "sessions/<uuid:booking_id>/mark-paid/",
        booking_views.session_mark_paid,
        name="session_mark_paid",
    ),
    path("staff/payments/", views.staff_payments, name="staff_payments"),
    path("staff/payments/<uuid:payment_id>/", views.staff_payment, name="staff_payment"),
    path("webhooks/stripe", webhooks.stripe_webhook, name="stripe_webhook"),
]
