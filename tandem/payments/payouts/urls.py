"""Earnings, payout and booking policy pages (mounted at the site root by payments/urls.py)."""

from django.urls import path

from . import policy_views, views

urlpatterns = [
    path("coach/earnings/", views.earnings, name="coach_earnings"),
    # The booking policy (coaches' windows and payments' late fee on one form).
    path("coach/policy/", policy_views.coach_policy, name="coach_policy"),
    path("coach/earnings/payouts.csv", views.earnings_payouts_csv, name="coach_payouts_csv"),
    path("staff/payouts/", views.staff_payouts, name="staff_payouts"),
    path("staff/payouts/export.csv", views.staff_payouts_csv, name="staff_payouts_csv"),
    path(
        "staff/payouts/<uuid:payout_id>/paid/",
        views.staff_payout_mark_paid,
        name="staff_payout_mark_paid",
    ),
]
