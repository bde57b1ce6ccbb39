"""Earnings and payout pages (mounted at the site root by tandem/payments/urls.py)."""

from django.urls import path

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
]
