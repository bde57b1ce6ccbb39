"""Staff views of deliveries (failed ones are the ones to look at) and notifications."""

from django.contrib import admin

from .models import Delivery, Notification, PushSubscription, ReminderSchedule


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    list_display = ("kind", "channel", "user", "due_at", "status", "attempts", "sent_at")
    list_filter = ("status", "channel", "kind")
    search_fields = ("key", "user__email", "last_error")
    date_hierarchy = "due_at"
    raw_id_fields = ("user", "booking")
    readonly_fields = ("key", "lease_owner", "lease_until", "created_at")


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ("title", "kind", "user", "created_at", "read_at")
    list_filter = ("kind",)
    search_fields = ("title", "user__email")
    raw_id_fields = ("user",)


@admin.register(ReminderSchedule)
class ReminderScheduleAdmin(admin.ModelAdmin):
    list_display = ("__str__", "coach_offsets", "client_offsets", "updated_at")
    raw_id_fields = ("coach", "organisation")


@admin.register(PushSubscription)
class PushSubscriptionAdmin(admin.ModelAdmin):
    list_display = ("user", "created_at", "last_success_at")
    raw_id_fields = ("user",)
