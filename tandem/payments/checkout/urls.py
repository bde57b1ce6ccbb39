"""A booking's payment pages (mounted at the site root): the card pay page and "Mark invoice
paid" on a session."""

from django.urls import path

from . import booking_views

urlpatterns = [
    path("payments/<uuid:payment_id>/pay/", booking_views.payment_pay, name="payment_pay"),
    path(
        "sessions/<uuid:booking_id>/mark-paid/",
        booking_views.session_mark_paid,
        name="session_mark_paid",
    ),
]
