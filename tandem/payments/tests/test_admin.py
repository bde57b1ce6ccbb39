"""The payments admin opens for staff on every model, and the ledger cannot be edited there."""

import pytest
from django.contrib import admin

from tandem.payments import models

from .test_staff_payments_pages import payment  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


def test_every_payments_admin_page_opens(payment, staff_user, client):  # noqa: F811
    client.force_login(staff_user)
    for model in (
        models.Payment,
        models.LedgerTransaction,
        models.Account,
        models.Invoice,
        models.Refund,
        models.Payout,
        models.GiftCard,
        models.PackageOffer,
        models.PackagePurchase,
        models.CoachPaymentSettings,
    ):
        meta = model._meta
        listing = client.get(f"/admin/{meta.app_label}/{meta.model_name}/")
        assert listing.status_code == 200, meta.model_name
    txn = models.LedgerTransaction.objects.first()
    detail = client.get(f"/admin/payments/ledgertransaction/{txn.pk}/change/")
    assert detail.status_code == 200
    ledger_admin = admin.site._registry[models.LedgerTransaction]
    assert not ledger_admin.has_change_permission(None)
    assert not ledger_admin.has_delete_permission(None)


def test_admin_names_coach_payment_settings_in_plain_english(staff_user, client):
    client.force_login(staff_user)
    page = client.get("/admin/payments/").content.decode()
    assert "Coach payment settings" in page and "settingss" not in page
