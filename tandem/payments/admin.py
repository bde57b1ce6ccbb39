"""Admin for payments. The ledger is read-only here (append-only: changes go through the
services, refunds through the staff payment pages); settings a person decides are editable."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from . import models


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class EntryInline(admin.TabularInline):
    model = models.LedgerEntry
    fields = ("account", "amount", "currency")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.LedgerTransaction)
class LedgerTransactionAdmin(ReadOnly):
    list_display = ("created_at", "reason", "correlation_key", "payment")
    list_filter = ("reason",)
    search_fields = ("correlation_key",)
    inlines = [EntryInline]


@admin.register(models.Account)
class AccountAdmin(ReadOnly):
    list_display = ("key", "kind", "currency")
    list_filter = ("kind", "currency")
    search_fields = ("key",)


class SourceInline(admin.TabularInline):
    model = models.PaymentSource
    fields = ("kind", "amount", "refunded", "gift_card", "package_credit")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(models.Payment)
class PaymentAdmin(ReadOnly):
    list_display = ("created_at", "purpose", "client", "coach", "amount", "currency", "status")
    list_filter = ("status", "purpose", "provider")
    search_fields = ("public_id", "client__email", "provider_ref")
    inlines = [SourceInline]


@admin.register(models.Refund)
class RefundAdmin(ReadOnly):
    list_display = ("created_at", "payment", "amount", "currency", "reason", "actor")
    list_filter = ("reason",)


@admin.register(models.Invoice)
class InvoiceAdmin(ReadOnly):
    list_display = ("issued_at", "coach", "number", "kind", "status", "amount", "currency")
    list_filter = ("kind", "status")


@admin.register(models.Payout)
class PayoutAdmin(ReadOnly):
    list_display = ("period_end", "coach", "amount", "currency", "method", "status")
    list_filter = ("status", "method")


@admin.register(models.GiftCard)
class GiftCardAdmin(ReadOnly):
    # The code is a secret and is not stored; the admin shows its last four symbols only.
    list_display = ("created_at", "last_four", "currency", "status", "recipient_email")
    list_filter = ("status", "currency")
    exclude = ("code_digest",)

    @admin.display(description="code")
    def last_four(self, card: models.GiftCard) -> str:
        return f"…{card.code_hint}"


@admin.register(models.PackagePurchase)
class PackagePurchaseAdmin(ReadOnly):
    list_display = ("purchased_at", "client", "coach", "sessions", "status", "expires_at")
    list_filter = ("status",)


@admin.register(models.PackageOffer)
class PackageOfferAdmin(ReadOnly):
    list_display = ("coach", "name", "sessions", "price", "currency", "is_active")


@admin.register(models.CoachPaymentSettings)
class CoachPaymentSettingsAdmin(admin.ModelAdmin):
    list_display = ("coach", "platform_fee_bp", "late_fee_percent", "stripe_account_id")
    search_fields = ("coach__user__email",)


@admin.register(models.SponsorFunding)
class SponsorFundingAdmin(ReadOnly):
    list_display = ("created_at", "budget_owner", "org_owner", "method", "amount", "status")
    list_filter = ("method", "status")
    search_fields = ("budget_owner", "org_owner")
