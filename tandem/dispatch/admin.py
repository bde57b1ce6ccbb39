"""Book now in the staff admin: read-only. Requests and offers are the record of who was
asked and how they answered; they change only through the services."""

from django.contrib import admin
from django.http import HttpRequest

from .models import DispatchOffer, DispatchRequest


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


class OfferInline(admin.TabularInline):
    model = DispatchOffer
    extra = 0
    can_delete = False
    fields = ("rank", "coach", "start", "status", "offered_at", "expires_at", "answered_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(DispatchRequest)
class DispatchRequestAdmin(ReadOnly):
    list_display = ("public_id", "client", "specialty", "duration_minutes", "status", "created_at")
    list_filter = ("status", "specialty")
    search_fields = ("client__email", "public_id")
    list_select_related = ("client", "specialty")
    inlines = [OfferInline]


@admin.register(DispatchOffer)
class DispatchOfferAdmin(ReadOnly):
    list_display = ("public_id", "coach", "rank", "status", "offered_at", "answered_at")
    list_filter = ("status",)
    search_fields = ("coach__slug", "public_id")
    list_select_related = ("coach", "coach__user")
