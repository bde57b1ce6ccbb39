"""Earnings, payouts, payment history and document pages (mounted at the site root)."""

from django.urls import path

from ..checkout import views as views_staff
from . import views

urlpatterns = [
    path("coach/earnings/", views.earnings, name="coach_earnings"),
    path("coach/earnings/payouts.csv", views.earnings_payouts_csv, name="coach_payouts_csv"),
    path("staff/payouts/", views.staff_payouts, name="staff_payouts"),
    path("staff/payouts/export.csv", views.staff_payouts_csv, name="staff_payouts_csv"),
    path(
        "staff/payouts/<uuid:payout_id>/paid/",
        views.staff_payout_mark_paid,
        name="staff_payout_mark_paid",
    ),
    path("staff/payments/", views_staff.staff_payments, name="staff_payments"),
    path("staff/payments/<uuid:payment_id>/", views_staff.staff_payment, name="staff_payment"),
    path("payments/", views.history, name="payment_history"),
    path(
        "payments/documents/<uuid:public_id>.pdf",
        views.document_download,
        name="payment_document",
    ),
]
