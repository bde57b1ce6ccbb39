"""A client's payment history page (mounted at the site root by tandem/payments/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path("payments/", views.history, name="payment_history"),
]
