"""Document downloads (mounted at the site root by tandem/payments/urls.py)."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "payments/documents/<uuid:public_id>.pdf",
        views.document_download,
        name="payment_document",
    ),
]
